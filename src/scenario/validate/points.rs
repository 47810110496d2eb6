//! Sweep points: the design and parameters of `[sweep]`, every point written over the file
//! and validated for each arm, and what a sweep overrides or is overridden by.

use super::checker::Checker;
use super::setup::build_setup;
use crate::error::InputError;
use crate::scenario::path::{self, Known, ParamPath, Scope};
use crate::scenario::raw::{RawScenario, RawSweep};
use crate::scenario::sweep::{self, Design, GivenPoints, MAX_POINTS, Point, Sweep, SweepParameter};
use crate::scenario::{EventInfo, Variant};
use crate::spec::{Distribution, DistributionKind, Setup, UncertainParameter, short};

/// `[sweep]`: the design, the parameters (from `[sweep.parameters]`, or from `[uncertainty]`
/// when the design names none: every one for latin_hypercube and random, which draw from its
/// distributions, and for a grid, which combines its values lists), and every point written over the
/// file and validated as a whole, for the baseline and each variant (docs/MODEL.md, 11.
/// Sweeps and shards). A point's problems are reported at the swept parameter they concern,
/// naming the point and its values.
pub(super) fn check_sweep(
    raw: &RawScenario,
    rs: &RawSweep,
    uncertainty: &[UncertainParameter],
    known: &Known,
    arms: Arms,
    ck: &mut Checker,
) -> Option<Sweep> {
    let before = ck.problems.len();
    let design = Design::parse(&rs.design).filter(|&d| d != Design::Given);
    if design.is_none() {
        let message = if rs.design == Design::Given.name() {
            "'given' points come from run --points FILE, not from the file".to_owned()
        } else {
            format!(
                "'{}' is not a design (grid, latin_hypercube, random)",
                rs.design
            )
        };
        ck.report("sweep.design", message);
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

    let (parameters, paths, origin) = match &rs.parameters {
        Some(table) => {
            let (parameters, paths) = sweep_parameters(raw, table, design, known, ck);
            (parameters, paths, Origin::Parameters)
        }
        None if design == Some(Design::Grid) && uncertainty.is_empty() => {
            ck.report(
                "sweep",
                "a grid takes [sweep.parameters] with values lists, or an [uncertainty] table \
                 whose distributions are all values lists",
            );
            return None;
        }
        None if design == Some(Design::Grid) => {
            // A grid runs every combination of listed values: a continuous distribution
            // has none to combine.
            for p in uncertainty {
                let kind = p.distribution.kind();
                if kind != DistributionKind::Values {
                    ck.report(
                        format!("uncertainty.{}", p.path),
                        format!(
                            "a grid without [sweep.parameters] combines the values of \
                             [uncertainty], so each must be {{ distribution = \"values\", ... \
                             }}, not {}: give [sweep.parameters], or use latin_hypercube or \
                             random",
                            kind.name()
                        ),
                    );
                }
            }
            uncertain_parameters(uncertainty)
        }
        None if uncertainty.is_empty() => {
            ck.report(
                "sweep",
                "names no parameters: give [sweep.parameters], or an [uncertainty] table to \
                 draw from",
            );
            return None;
        }
        None => uncertain_parameters(uncertainty),
    };
    if ck.problems.len() > before {
        return None;
    }
    let design = design?;
    let ranges: Vec<Distribution> = parameters
        .iter()
        .filter_map(|p| p.distribution.clone())
        .collect();
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
    let values = sweep::design_points(design, &ranges, count, seed.unwrap_or(0));
    let points = build_points(raw, known, arms, &parameters, &paths, values, origin, ck);
    Some(Sweep {
        design,
        samples,
        seed,
        parameters,
        points,
        weights: None,
        points_sha256: None,
    })
}

/// The parameters of `[uncertainty]`, in its order, as a sweep's: each with its
/// distribution and its parsed path (validation parsed every one), reported at
/// `uncertainty.<path>`.
fn uncertain_parameters(
    uncertainty: &[UncertainParameter],
) -> (Vec<SweepParameter>, Vec<ParamPath>, Origin<'static>) {
    (
        uncertainty
            .iter()
            .map(|p| SweepParameter {
                path: p.path.clone(),
                distribution: Some(p.distribution.clone()),
            })
            .collect(),
        uncertainty
            .iter()
            .filter_map(|p| ParamPath::parse(&p.path).ok())
            .collect(),
        Origin::Uncertainty,
    )
}

/// What every point is written over: the file's baseline and variants.
#[derive(Clone, Copy)]
pub(super) struct Arms<'a> {
    pub(super) baseline: &'a Setup,
    pub(super) variants: &'a [Variant],
}

/// Where a point's problems are reported.
#[derive(Clone, Copy)]
enum Origin<'a> {
    /// At `sweep.parameters.<path>` in the file.
    Parameters,
    /// At `uncertainty.<path>` in the file.
    Uncertainty,
    /// At the point's line of the points file (or the caller's name for them).
    Given(&'a GivenPoints),
}

/// The parameters a table declares (`[sweep.parameters]`, `[uncertainty]`), in file order:
/// each key as an error names it (`section.path`), its path, which a variant's `set` may
/// name, and its value. A malformed or repeated path is reported (a repeat as `{path} is
/// <verb> twice`) and left out; an empty table is reported.
pub(super) fn declared_paths<'t>(
    table: &'t toml::Table,
    section: &str,
    verb: &str,
    ck: &mut Checker,
) -> Vec<(String, ParamPath, &'t toml::Value)> {
    let specs = sweep::parameter_specs(table);
    if specs.is_empty() {
        ck.report(section, "must name at least one parameter");
    }
    let mut declared: Vec<(String, ParamPath, &toml::Value)> = Vec::new();
    for (text, spec) in specs {
        let key = format!("{section}.{text}");
        match ParamPath::parse(&text).and_then(|p| p.check_scope(Scope::Variant).map(|()| p)) {
            Ok(path) if declared.iter().any(|(_, seen, _)| *seen == path) => {
                ck.report(key, format!("{path} is {verb} twice"));
            }
            Ok(path) => declared.push((key, path, spec)),
            Err(message) => ck.report(key, message),
        }
    }
    declared
}

/// `[sweep.parameters]`: each path a variant may set, once, with a range whose values the
/// path takes (a grid's must be values lists).
fn sweep_parameters(
    raw: &RawScenario,
    table: &toml::Table,
    design: Option<Design>,
    known: &Known,
    ck: &mut Checker,
) -> (Vec<SweepParameter>, Vec<ParamPath>) {
    let mut parameters: Vec<SweepParameter> = Vec::new();
    let mut paths: Vec<ParamPath> = Vec::new();
    for (key, path, spec) in declared_paths(table, "sweep.parameters", "swept", ck) {
        let range = match sweep::parse_range(spec) {
            Ok(range) => range,
            Err(message) => {
                ck.report(key, message);
                continue;
            }
        };
        // Each value's type and name are checked once here, so that a point reports only
        // what the combination of values does to the file.
        let uniform = matches!(range, Distribution::Uniform { .. });
        let candidates = match &range {
            Distribution::Values(values) => values.clone(),
            other => vec![other.quantile(0.0)],
        };
        for value in &candidates {
            let mut scratch = raw.clone();
            if let Err(message) = path::apply(&mut scratch, known, &path, value) {
                let hint = if uniform {
                    ": { min, max } draws numbers; give values = [...]"
                } else {
                    ""
                };
                ck.report(&key, format!("{message}{hint}"));
                break;
            }
        }
        if design == Some(Design::Grid) && uniform {
            ck.report(
                &key,
                "a grid takes values lists ({ values = [...] }), not { min, max }",
            );
        }
        paths.push(path.clone());
        parameters.push(SweepParameter {
            path: path.to_string(),
            distribution: Some(range),
        });
    }
    (parameters, paths)
}

/// Points given rather than drawn (`run --points`, or a caller's [`GivenPoints`]): each path a
/// variant may set, once; one value per path in each row; weights, if any, finite, >= 0 and
/// not all 0; then every point validated like a drawn one. Problems are reported at the
/// points' origin, with the line of the point (or of the header) when they came from a file.
pub(super) fn check_given(
    raw: &RawScenario,
    given: &GivenPoints,
    known: &Known,
    arms: Arms,
    ck: &mut Checker,
) -> Option<Sweep> {
    let before = ck.problems.len();
    let header_line = (!given.lines.is_empty()).then_some(1);
    let mut fail = |line: Option<usize>, key: Option<&str>, message: String| {
        ck.problems.push(InputError {
            origin: Some(given.origin.clone()),
            line,
            key: key.map(str::to_owned),
            message,
        });
    };
    if given.paths.is_empty() {
        fail(
            header_line,
            None,
            "names no parameter: the header holds set paths".into(),
        );
    }
    if given.rows.is_empty() {
        fail(header_line, None, "holds no point".into());
    }
    if given.rows.len() > MAX_POINTS {
        fail(
            None,
            None,
            format!("has {} points, more than {MAX_POINTS}", given.rows.len()),
        );
    }
    let mut paths: Vec<ParamPath> = Vec::new();
    for text in &given.paths {
        match ParamPath::parse(text).and_then(|p| p.check_scope(Scope::Variant).map(|()| p)) {
            Ok(path) if paths.contains(&path) => {
                fail(header_line, Some(text), format!("{path} is given twice"));
            }
            Ok(path) => paths.push(path),
            Err(message) => fail(header_line, Some(text), message),
        }
    }
    let line = |i: usize| given.lines.get(i).copied();
    for (i, row) in given.rows.iter().enumerate() {
        if row.len() != given.paths.len() {
            fail(
                line(i),
                None,
                format!(
                    "point {i} has {} values for {} parameters",
                    row.len(),
                    given.paths.len()
                ),
            );
        }
    }
    if let Some(weights) = &given.weights {
        if weights.len() != given.rows.len() {
            fail(
                None,
                Some("weight"),
                format!("{} weights for {} points", weights.len(), given.rows.len()),
            );
        } else if let Some(i) = weights.iter().position(|w| !(w.is_finite() && *w >= 0.0)) {
            fail(
                line(i),
                Some("weight"),
                format!(
                    "point {i}: a weight must be a finite number >= 0, not {}",
                    short(weights[i])
                ),
            );
        } else if weights.iter().sum::<f64>() <= 0.0 {
            fail(None, Some("weight"), "the weights are all 0".into());
        }
    }
    if ck.problems.len() > before {
        return None;
    }
    let parameters: Vec<SweepParameter> = paths
        .iter()
        .map(|p| SweepParameter {
            path: p.to_string(),
            distribution: None,
        })
        .collect();
    let points = build_points(
        raw,
        known,
        arms,
        &parameters,
        &paths,
        given.rows.clone(),
        Origin::Given(given),
        ck,
    );
    Some(Sweep {
        design: Design::Given,
        samples: None,
        seed: None,
        parameters,
        points,
        weights: given.weights.clone(),
        points_sha256: given.sha256.clone(),
    })
}

/// Every point written over the file and validated for the baseline and each variant; a
/// value the path cannot take (a given point's) and what a point does to the file are
/// reported at `origin`.
#[expect(
    clippy::too_many_arguments,
    reason = "each is one thing a point needs; a struct would only rename them"
)]
fn build_points(
    raw: &RawScenario,
    known: &Known,
    arms: Arms,
    parameters: &[SweepParameter],
    paths: &[ParamPath],
    values: Vec<Vec<toml::Value>>,
    origin: Origin,
    ck: &mut Checker,
) -> Vec<Point> {
    let mut points = Vec::with_capacity(values.len());
    for (index, values) in values.into_iter().enumerate() {
        let mut at = raw.clone();
        let mut inner = Checker {
            file: ck.file,
            spans: ck.spans,
            overridden: Vec::new(),
            problems: Vec::new(),
        };
        for (path, value) in paths.iter().zip(&values) {
            // A drawn value was applied once when its parameter was read; a given one may
            // fail here, and is reported at its point.
            if let Err(message) = path::apply(&mut at, known, path, value) {
                inner
                    .problems
                    .push(InputError::at_key(path.to_string(), message));
            }
        }
        let applied = std::mem::take(&mut inner.problems);
        report_point(ck, origin, index, parameters, &values, None, &applied);
        let mut point_baseline = build_setup(&at, known, &mut inner);
        point_baseline.timeline = arms.baseline.timeline.clone();
        let baseline_problems = std::mem::take(&mut inner.problems);
        report_point(
            ck,
            origin,
            index,
            parameters,
            &values,
            None,
            &baseline_problems,
        );
        let mut point_variants = Vec::with_capacity(arms.variants.len());
        for variant in arms.variants {
            if variant.set.is_empty() {
                // Events alone: the point's baseline set-up, shared, and the variant's events
                // (the same checks would find the baseline's problems, reported above).
                point_variants.push(Setup {
                    timeline: variant.setup.timeline.clone(),
                    ..point_baseline.clone()
                });
                continue;
            }
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
            report_point(
                ck,
                origin,
                index,
                parameters,
                &values,
                Some(&variant.name),
                &own,
            );
            point_variants.push(setup);
        }
        points.push(Point {
            values,
            baseline: point_baseline,
            variants: point_variants,
        });
    }
    points
}

/// Reports the problems a point makes, at the swept parameter they concern (or the whole
/// table), naming the point, the values and the variant.
fn report_point(
    ck: &mut Checker,
    origin: Origin,
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
        let in_variant = variant.map_or(String::new(), |v| format!(", variant '{v}'"));
        let at_key = if problem_key.is_empty() || problem_key == parameters[shown[0]].path {
            String::new()
        } else {
            format!("{problem_key}: ")
        };
        let message = format!(
            "point {index} ({}{in_variant}): {at_key}{}",
            assignments.join(", "),
            problem.message
        );
        let table = match origin {
            Origin::Parameters => "sweep.parameters",
            Origin::Uncertainty => "uncertainty",
            Origin::Given(given) => {
                ck.problems.push(InputError {
                    origin: Some(given.origin.clone()),
                    line: given.lines.get(index).copied(),
                    key: related.first().map(|&j| parameters[j].path.clone()),
                    message,
                });
                continue;
            }
        };
        let key = match related.first() {
            Some(&j) => format!("{table}.{}", parameters[j].path),
            None => table.to_owned(),
        };
        ck.report(key, message);
    }
}

/// What a sweep overrides, or what overrides it: a `--set` of a swept path (the point wins),
/// a variant's `set` of one (the variant wins), a baseline event setting one later (the event
/// wins from its step), an unused grid seed, segments left empty at some points.
pub(super) fn warn_sweep(
    sweep: &Sweep,
    rs: Option<&RawSweep>,
    ck: &Checker,
    variants: &[Variant],
    events: &[EventInfo],
    raw: &RawScenario,
    warnings: &mut Vec<String>,
) {
    if sweep.design == Design::Grid && rs.is_some_and(|rs| rs.seed.is_some()) {
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
    use crate::scenario::{Design, GivenPoints, Overrides, Scenario};
    use crate::spec::{Cost, Distribution, UncertainParameter};
    use std::sync::Arc;

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

    #[test]
    fn a_sweep_without_parameters_draws_the_same_design_through_the_uncertainty_quantiles() {
        let listed = load(
            "[sweep]\ndesign = \"latin_hypercube\"\nsamples = 5\nseed = 3\n\
             parameters = { \"adoption.imitation\" = { min = 0.1, max = 0.3 }, \
             \"network.kind\" = { values = [\"complete\", \"scale_free\"] } }",
        )
        .expect("valid");
        let declared = load(
            "[sweep]\ndesign = \"latin_hypercube\"\nsamples = 5\nseed = 3\n\
             [uncertainty]\n\
             \"adoption.imitation\" = { distribution = \"uniform\", min = 0.1, max = 0.3 }\n\
             \"network.kind\" = { distribution = \"values\", values = [\"complete\", \"scale_free\"] }\n\
             \"providers.home.price\" = { distribution = \"log_uniform\", min = 1.0, max = 100.0 }",
        )
        .expect("valid");
        let values = |s: &Scenario| -> Vec<Vec<toml::Value>> {
            let sweep = s.sweep.as_ref().expect("sweep");
            sweep
                .points
                .iter()
                .map(|p| p.values[..2].to_vec())
                .collect()
        };
        // The third parameter's column is drawn after the first two, so theirs are unchanged.
        assert_eq!(values(&listed), values(&declared));
        let sweep = declared.sweep.as_ref().expect("sweep");
        assert_eq!(sweep.parameters[2].path, "providers.home.price");
        for point in &sweep.points {
            let price = point.values[2].as_float().expect("a number");
            assert!((1.0..=100.0).contains(&price), "{price}");
            assert_eq!(point.baseline.params.providers[1].costs[Cost::Price], price);
        }
        let error = load("[sweep]\ndesign = \"random\"\nsamples = 5\nseed = 3")
            .expect_err("nothing to draw");
        assert!(error.message.contains("[uncertainty]"), "{error}");
    }

    #[test]
    fn a_grid_without_parameters_combines_the_values_lists_of_uncertainty() {
        let listed = load(
            "[sweep]\ndesign = \"grid\"\n\
             parameters = { \"adoption.imitation\" = { values = [0.1, 0.3] }, \
             \"network.kind\" = { values = [\"complete\", \"scale_free\", \"small_world\"] } }",
        )
        .expect("valid");
        let declared = load(
            "[sweep]\ndesign = \"grid\"\n\
             [uncertainty]\n\
             \"adoption.imitation\" = { distribution = \"values\", values = [0.1, 0.3] }\n\
             \"network.kind\" = { distribution = \"values\", values = [\"complete\", \"scale_free\", \"small_world\"] }",
        )
        .expect("valid");
        let values = |s: &Scenario| -> Vec<Vec<toml::Value>> {
            let sweep = s.sweep.as_ref().expect("sweep");
            sweep.points.iter().map(|p| p.values.clone()).collect()
        };
        assert_eq!(values(&declared).len(), 6);
        assert_eq!(values(&listed), values(&declared));
        let sweep = declared.sweep.as_ref().expect("sweep");
        assert_eq!(sweep.design, Design::Grid);
        assert_eq!(sweep.parameters[1].path, "network.kind");

        // A continuous distribution has no values to combine: refused at its key.
        let error = load(
            "[sweep]\ndesign = \"grid\"\n\
             [uncertainty]\n\
             \"adoption.imitation\" = { distribution = \"values\", values = [0.1, 0.3] }\n\
             \"providers.home.price\" = { distribution = \"uniform\", min = 1.0, max = 2.0 }",
        )
        .expect_err("a uniform distribution in a grid");
        assert_eq!(
            error.key.as_deref(),
            Some("uncertainty.providers.home.price")
        );
        assert!(error.message.contains("not uniform"), "{error}");
        let error = load("[sweep]\ndesign = \"grid\"").expect_err("nothing to combine");
        assert!(error.message.contains("[uncertainty]"), "{error}");
    }

    #[test]
    fn a_variant_of_events_alone_shares_its_points_set_up_and_keeps_its_events() {
        let text = format!(
            "{SMALL}\n[[variants]]\nname = \"cheaper\"\n\
             set = {{ \"providers.home.price\" = 5.0 }}\n\
             [sweep]\ndesign = \"grid\"\n\
             [sweep.parameters]\n\"adoption.imitation\" = {{ values = [0.1, 0.2] }}"
        );
        let scenario =
            Scenario::from_bytes("t.toml", text.as_bytes(), &Overrides::default()).expect("valid");
        let sweep = scenario.sweep.as_ref().expect("sweep");
        for point in &sweep.points {
            let [events_alone, with_set] = &point.variants[..] else {
                panic!("two variants");
            };
            assert!(Arc::ptr_eq(&events_alone.params, &point.baseline.params));
            assert!(Arc::ptr_eq(
                &events_alone.segments,
                &point.baseline.segments
            ));
            assert_eq!(events_alone.timeline, scenario.variants[0].setup.timeline);
            assert_ne!(events_alone.timeline, point.baseline.timeline);
            assert!(!Arc::ptr_eq(&with_set.params, &point.baseline.params));
            assert_eq!(with_set.params.imitation, point.baseline.params.imitation);
            assert_eq!(with_set.params.providers[1].costs[Cost::Price], 5.0);
        }
    }

    #[test]
    fn given_points_are_validated_and_run_like_drawn_ones() {
        let given = GivenPoints::new(
            "a calibration wave",
            vec!["adoption.imitation".into(), "network.kind".into()],
            vec![
                vec![toml::Value::Float(0.15), "complete".into()],
                vec![toml::Value::Float(0.25), "scale_free".into()],
            ],
            Some(vec![1.0, 3.0]),
        );
        let overrides = Overrides {
            points: Some(given.clone()),
            ..Overrides::default()
        };
        let scenario = Scenario::from_bytes("t.toml", SMALL.as_bytes(), &overrides).expect("valid");
        let sweep = scenario.sweep.as_ref().expect("a sweep of given points");
        assert_eq!(sweep.design, Design::Given);
        assert_eq!(sweep.weights, Some(vec![1.0, 3.0]));
        assert_eq!(sweep.points[1].baseline.params.imitation, 0.25);
        assert_eq!(sweep.points[1].variants[0].params.imitation, 0.25);
        assert_eq!(scenario.arms(&[]).expect("arms").len(), 4);

        let mut bad = given;
        bad.rows[1][0] = toml::Value::Float(1.25);
        let overrides = Overrides {
            points: Some(bad),
            ..Overrides::default()
        };
        let error = Scenario::from_bytes("t.toml", SMALL.as_bytes(), &overrides)
            .expect_err("not a probability");
        assert_eq!(error.origin.as_deref(), Some("a calibration wave"));
        assert!(
            error
                .message
                .starts_with("point 1 (adoption.imitation = 1.25)"),
            "{error}"
        );
    }

    #[test]
    fn unit_points_map_through_the_quantiles() {
        let parameters = [UncertainParameter {
            path: "adoption.imitation".into(),
            distribution: Distribution::LogUniform {
                min: 0.01,
                max: 1.0,
            },
            source: None,
        }];
        let given = GivenPoints::from_unit_points("sobol", &parameters, &[vec![0.5], vec![0.0]]);
        let x = given.rows[0][0].as_float().expect("a number");
        assert!((x - 0.1).abs() < 1e-15, "{x}");
        assert_eq!(given.rows[1][0], toml::Value::Float(0.01));
        assert_eq!(given.paths, ["adoption.imitation"]);
    }

    #[test]
    fn sweep_and_uncertainty_refuse_a_path_named_twice_and_an_empty_table() {
        let twice = "\"adoption.imitation\" = { min = 0.1, max = 0.3 }\n\
                     adoption = { imitation = { min = 0.2, max = 0.4 } }";
        let swept = load(&format!(
            "[sweep]\ndesign = \"random\"\nsamples = 2\nseed = 1\n[sweep.parameters]\n{twice}"
        ))
        .expect_err("a path swept twice");
        assert!(swept.message.contains("is swept twice"), "{swept}");
        let declared = load(&format!("[uncertainty]\n{twice}")).expect_err("declared twice");
        assert!(declared.message.contains("is declared twice"), "{declared}");
        let empty = load("[uncertainty]").expect_err("an empty table");
        assert_eq!(empty.key.as_deref(), Some("uncertainty"), "{empty}");
        assert!(empty.message.contains("at least one parameter"), "{empty}");
    }
}
