//! Sweep points: the design and parameters of `[sweep]`, every point written over the file
//! and validated for each arm, and what a sweep overrides or is overridden by.

use super::checker::Checker;
use super::setup::build_setup;
use crate::error::InputError;
use crate::scenario::path::{self, Known, ParamPath, Scope};
use crate::scenario::raw::{RawScenario, RawSweep};
use crate::scenario::sweep::{self, Design, MAX_POINTS, Point, Range, Sweep, SweepParameter};
use crate::scenario::{EventInfo, Variant};
use crate::spec::Setup;

/// `[sweep]`: the design, the parameters, and every point written over the file and validated
/// as a whole, for the baseline and each variant (docs/MODEL.md, 11. Sweeps and shards). A point's problems are
/// reported at the swept parameter they concern, naming the point and its values.
pub(super) fn check_sweep(
    raw: &RawScenario,
    rs: &RawSweep,
    known: &Known,
    baseline: &Setup,
    variants: &[Variant],
    ck: &mut Checker,
) -> Option<Sweep> {
    let before = ck.problems.len();
    let design = Design::parse(&rs.design);
    if design.is_none() {
        ck.report(
            "sweep.design",
            format!("'{}' is not a design ({})", rs.design, Design::names()),
        );
    }
    let samples = match (design, rs.samples) {
        (Some(Design::Grid), Some(_)) => {
            ck.report(
                "sweep.samples",
                "a grid takes no samples: its points are every combination of its values lists",
            );
            None
        }
        (Some(d), None) if d != Design::Grid => {
            ck.report(
                "sweep.samples",
                format!("required for a {} design", d.name()),
            );
            None
        }
        (Some(_), Some(n)) => ck
            .in_range("sweep.samples", n, 1, MAX_POINTS as i64)
            .map(|n| n as u32),
        _ => None,
    };
    let seed = match (design, rs.seed) {
        (Some(d), None) if d != Design::Grid => {
            ck.report(
                "sweep.seed",
                format!(
                    "required for a {} design: the design has its own seed",
                    d.name()
                ),
            );
            None
        }
        (_, Some(seed)) => ck
            .in_range("sweep.seed", seed, 0, i64::MAX)
            .map(|s| s as u64),
        _ => None,
    };

    let specs = sweep::parameter_specs(&rs.parameters);
    if specs.is_empty() {
        ck.report("sweep.parameters", "must name at least one parameter");
    }
    let mut parameters: Vec<SweepParameter> = Vec::new();
    let mut paths: Vec<ParamPath> = Vec::new();
    for (text, spec) in specs {
        let key = format!("sweep.parameters.{text}");
        let path =
            match ParamPath::parse(&text).and_then(|p| p.check_scope(Scope::Variant).map(|()| p)) {
                Ok(path) => path,
                Err(message) => {
                    ck.report(key, message);
                    continue;
                }
            };
        if paths.contains(&path) {
            ck.report(key, format!("{path} is swept twice"));
            continue;
        }
        let range = match sweep::parse_range(spec) {
            Ok(range) => range,
            Err(message) => {
                ck.report(key, message);
                continue;
            }
        };
        // Each value's type and name are checked once here, so that a point reports only
        // what the combination of values does to the file.
        let candidates = match &range {
            Range::Uniform { min, .. } => vec![toml::Value::Float(*min)],
            Range::Values(values) => values.clone(),
        };
        for value in &candidates {
            let mut scratch = raw.clone();
            if let Err(message) = path::apply(&mut scratch, known, &path, value) {
                let hint = match range {
                    Range::Uniform { .. } => ": { min, max } draws numbers; give values = [...]",
                    Range::Values(_) => "",
                };
                ck.report(&key, format!("{message}{hint}"));
                break;
            }
        }
        if design == Some(Design::Grid) && matches!(range, Range::Uniform { .. }) {
            ck.report(
                &key,
                "a grid takes values lists ({ values = [...] }), not { min, max }",
            );
        }
        paths.push(path.clone());
        parameters.push(SweepParameter {
            path: path.to_string(),
            range,
        });
    }
    if ck.problems.len() > before {
        return None;
    }
    let design = design?;
    let ranges: Vec<Range> = parameters.iter().map(|p| p.range.clone()).collect();
    let count = match design {
        Design::Grid => match sweep::grid_size(&ranges) {
            Some(n) => n,
            None => {
                ck.report(
                    "sweep.parameters",
                    format!(
                        "the grid has more than {MAX_POINTS} points: sweep fewer values, or \
                         use latin_hypercube with samples"
                    ),
                );
                return None;
            }
        },
        _ => samples? as usize,
    };

    let mut points = Vec::with_capacity(count);
    let values = sweep::design_points(design, &ranges, count, seed.unwrap_or(0));
    for (index, values) in values.into_iter().enumerate() {
        let mut at = raw.clone();
        for (path, value) in paths.iter().zip(&values) {
            // Every value was applied once above; names and types cannot fail here.
            let _ = path::apply(&mut at, known, path, value);
        }
        let mut inner = Checker {
            file: ck.file,
            spans: ck.spans,
            overridden: Vec::new(),
            problems: Vec::new(),
        };
        let mut point_baseline = build_setup(&at, known, &mut inner);
        point_baseline.timeline = baseline.timeline.clone();
        let baseline_problems = std::mem::take(&mut inner.problems);
        report_point(ck, index, &parameters, &values, None, &baseline_problems);
        let mut point_variants = Vec::with_capacity(variants.len());
        for variant in variants {
            let mut changed = at.clone();
            for (text, value) in &variant.set {
                // The variant's own `set` was validated with the file.
                if let Ok(path) = ParamPath::parse(text) {
                    let _ = path::apply(&mut changed, known, &path, value);
                }
            }
            let mut setup = build_setup(&changed, known, &mut inner);
            setup.timeline = variant.setup.timeline.clone();
            let own: Vec<InputError> = std::mem::take(&mut inner.problems)
                .into_iter()
                .filter(|p| {
                    !baseline_problems
                        .iter()
                        .any(|b| b.key == p.key && b.message == p.message)
                })
                .collect();
            report_point(ck, index, &parameters, &values, Some(&variant.name), &own);
            point_variants.push(setup);
        }
        points.push(Point {
            values,
            baseline: point_baseline,
            variants: point_variants,
        });
    }
    Some(Sweep {
        design,
        samples,
        seed,
        parameters,
        points,
    })
}

/// Reports the problems a point makes, at the swept parameter they concern (or the whole
/// `[sweep.parameters]` table), naming the point, the values and the variant.
fn report_point(
    ck: &mut Checker,
    index: usize,
    parameters: &[SweepParameter],
    values: &[toml::Value],
    variant: Option<&str>,
    problems: &[InputError],
) {
    for problem in problems {
        let problem_key = problem.key.as_deref().unwrap_or("");
        let concerns = |path: &str| {
            path == problem_key
                || path.starts_with(&format!("{problem_key}."))
                || problem_key.starts_with(&format!("{path}."))
        };
        let related: Vec<usize> = (0..parameters.len())
            .filter(|&j| !problem_key.is_empty() && concerns(&parameters[j].path))
            .collect();
        let shown: Vec<usize> = if related.is_empty() {
            (0..parameters.len()).collect()
        } else {
            related.clone()
        };
        let assignments: Vec<String> = shown
            .iter()
            .map(|&j| format!("{} = {}", parameters[j].path, values[j]))
            .collect();
        let key = match related.first() {
            Some(&j) => format!("sweep.parameters.{}", parameters[j].path),
            None => "sweep.parameters".to_owned(),
        };
        let in_variant = variant.map_or(String::new(), |v| format!(", variant '{v}'"));
        let at_key = if problem_key.is_empty() || problem_key == parameters[shown[0]].path {
            String::new()
        } else {
            format!("{problem_key}: ")
        };
        ck.report(
            key,
            format!(
                "point {index} ({}{in_variant}): {at_key}{}",
                assignments.join(", "),
                problem.message
            ),
        );
    }
}

/// What a sweep overrides, or what overrides it: a `--set` of a swept path (the point wins),
/// a variant's `set` of one (the variant wins), a baseline event setting one later (the event
/// wins from its step), an unused grid seed, segments left empty at some points.
pub(super) fn warn_sweep(
    sweep: &Sweep,
    rs: &RawSweep,
    ck: &Checker,
    variants: &[Variant],
    events: &[EventInfo],
    raw: &RawScenario,
    warnings: &mut Vec<String>,
) {
    if sweep.design == Design::Grid && rs.seed.is_some() {
        warnings.push("sweep.seed is not used by a grid design: ignored".into());
    }
    let same =
        |text: &str, swept: &str| ParamPath::parse(text).is_ok_and(|p| p.to_string() == swept);
    for parameter in &sweep.parameters {
        let path = &parameter.path;
        for (changed, flag) in &ck.overridden {
            if changed == path {
                warnings.push(format!(
                    "the sweep varies {path}, so {flag} has no effect on it"
                ));
            }
        }
        for variant in variants {
            if variant.set.iter().any(|(text, _)| same(text, path)) {
                warnings.push(format!(
                    "variant '{}' sets {path}, which the sweep varies: the variant's value \
                     applies at every point",
                    variant.name
                ));
            }
        }
        for event in events {
            if event.set.iter().any(|(text, _)| same(text, path)) {
                warnings.push(format!(
                    "baseline event '{}' sets {path} at step {}: from then on it overrides \
                     the swept value",
                    event.name, event.step
                ));
            }
        }
    }
    for (segment, info) in raw.segments.iter().enumerate() {
        let empty = sweep
            .points
            .iter()
            .filter(|p| {
                std::iter::once(&p.baseline)
                    .chain(&p.variants)
                    .any(|s| s.segments[segment].agents == 0)
            })
            .count();
        if empty > 0 {
            warnings.push(format!(
                "segment '{}' has no agents at {empty} of {} sweep points: its shares are \
                 written as 0 there",
                info.name,
                sweep.points.len()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::checker::fixture::SMALL;
    use crate::scenario::{Overrides, Scenario};

    fn load(sweep: &str) -> Result<Scenario, crate::error::InputError> {
        let text = format!("{SMALL}\n{sweep}");
        Scenario::from_bytes("t.toml", text.as_bytes(), &Overrides::default())
    }

    #[test]
    fn a_grid_has_a_point_per_combination_each_validated_for_every_arm() {
        let scenario = load(
            "[sweep]\ndesign = \"grid\"\n\
             parameters = { \"adoption.imitation\" = { values = [0.1, 0.3] }, \
             \"scenario.population\" = { values = [100, 200, 300] } }",
        )
        .expect("valid");
        let sweep = scenario.sweep.as_ref().expect("sweep");
        assert_eq!(sweep.points.len(), 6);
        let last = &sweep.points[5];
        assert_eq!(last.baseline.params.imitation, 0.3);
        assert_eq!(last.baseline.population, 300);
        assert_eq!(last.variants[0].population, 300);
        // The point keeps each arm's own timeline.
        assert_eq!(last.baseline.timeline.at(5).count(), 2);
        assert_eq!(last.variants[0].timeline.at(5).count(), 0);
    }

    #[test]
    fn a_point_that_breaks_the_file_is_reported_at_its_parameter() {
        let error = load(
            "[sweep]\ndesign = \"grid\"\n\
             parameters = { \"segments.a.share\" = { values = [0.6, 0.7] } }",
        )
        .expect_err("point 1 breaks the sum");
        assert_eq!(
            error.key.as_deref(),
            Some("sweep.parameters.segments.a.share")
        );
        assert!(
            error
                .message
                .starts_with("point 1 (segments.a.share = 0.7)"),
            "{error}"
        );
    }

    #[test]
    fn a_sampled_design_needs_samples_and_a_seed_and_a_grid_takes_neither() {
        let error = load(
            "[sweep]\ndesign = \"random\"\n\
             parameters = { \"adoption.imitation\" = { min = 0.1, max = 0.3 } }",
        )
        .expect_err("no samples");
        assert_eq!(error.key.as_deref(), Some("sweep.samples"));
        let error = load(
            "[sweep]\ndesign = \"grid\"\nsamples = 3\n\
             parameters = { \"adoption.imitation\" = { values = [0.1] } }",
        )
        .expect_err("a grid with samples");
        assert_eq!(error.key.as_deref(), Some("sweep.samples"));
    }

    #[test]
    fn a_sweep_warns_when_an_event_later_overrides_its_parameter() {
        let scenario = load(
            "[sweep]\ndesign = \"grid\"\n\
             parameters = { \"providers.abroad.risk\" = { values = [0.0, 0.01] } }",
        )
        .expect("valid");
        assert!(
            scenario
                .warnings
                .iter()
                .any(|w| w.contains("baseline event 'block' sets providers.abroad.risk")),
            "{:?}",
            scenario.warnings
        );
    }
}
