//! `[uncertainty]`: each uncertain parameter's distribution, read and checked against the
//! parameter's own range (docs/FORMAT.md, [uncertainty]).

use super::checker::Checker;
use super::points::declared_paths;
use super::setup::build_setup;
use crate::error::InputError;
use crate::scenario::PriorFile;
use crate::scenario::path::{self, Known, ParamPath};
use crate::scenario::raw::RawScenario;
use crate::spec::{Distribution, DistributionKind, UncertainParameter, short};

/// The keys each kind takes besides `distribution` and `source`.
fn keys_of(kind: DistributionKind) -> &'static [&'static str] {
    match kind {
        DistributionKind::Uniform | DistributionKind::LogUniform => &["min", "max"],
        DistributionKind::TruncatedNormal => &["mean", "sd", "min", "max"],
        DistributionKind::Values => &["values"],
    }
}

/// The parameters of `[uncertainty]` in file order, each checked: a path a variant's `set`
/// may name, named once; a known distribution with exactly its keys; min < max, a
/// log-uniform's min > 0, a truncated normal's sd > 0 and mean within [min, max]; and both ends
/// of the support (or every listed value) a valid value of the parameter, by the same checks
/// as the file itself.
pub(super) fn check_uncertainty(
    raw: &RawScenario,
    table: &toml::Table,
    known: &Known,
    ck: &mut Checker,
) -> Vec<UncertainParameter> {
    let mut parameters: Vec<UncertainParameter> = Vec::new();
    for (key, path, spec) in declared_paths(table, "uncertainty", "declared", ck) {
        let Some((distribution, source)) = read_distribution(&key, spec, ck) else {
            continue;
        };
        if check_support(raw, known, &path, &key, &distribution, ck) {
            parameters.push(UncertainParameter {
                path: path.to_string(),
                distribution,
                source,
            });
        }
    }
    parameters
}

/// A prior file: an `[uncertainty]` table and nothing else.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPriorFile {
    uncertainty: toml::Table,
}

/// The parameters of a prior file's `[uncertainty]` table (`calibrate --prior`), checked as
/// the scenario's own table is, each problem naming the prior file, its key and its line.
pub(in crate::scenario) fn check_prior_file(
    raw: &RawScenario,
    prior: &PriorFile,
    known: &Known,
) -> Result<Vec<UncertainParameter>, InputError> {
    let (table, spans) = crate::scenario::parse::<RawPriorFile>(&prior.file, &prior.text)?;
    let mut ck = Checker {
        file: &prior.file,
        spans: &spans,
        overridden: Vec::new(),
        problems: Vec::new(),
    };
    let parameters = check_uncertainty(raw, &table.uncertainty, known, &mut ck);
    if ck.problems.is_empty() {
        Ok(parameters)
    } else {
        Err(ck.failure())
    }
}

/// Reads `{ distribution = "...", <its keys>, source = "..." }`, reporting each problem at
/// the key it concerns.
fn read_distribution(
    key: &str,
    spec: &toml::Value,
    ck: &mut Checker,
) -> Option<(Distribution, Option<String>)> {
    let form = format!(
        "a parameter takes {{ distribution = \"...\", ... }} with distribution one of {}",
        DistributionKind::names()
    );
    let toml::Value::Table(table) = spec else {
        ck.report(key, format!("expected a table: {form}"));
        return None;
    };
    let kind = match table.get("distribution") {
        None => {
            ck.report(key, format!("distribution is missing: {form}"));
            return None;
        }
        Some(toml::Value::String(name)) => match DistributionKind::parse(name) {
            Some(kind) => kind,
            None => {
                ck.report(
                    format!("{key}.distribution"),
                    format!(
                        "'{name}' is not a distribution ({})",
                        DistributionKind::names()
                    ),
                );
                return None;
            }
        },
        Some(other) => {
            ck.report(
                format!("{key}.distribution"),
                format!("expected a string, found {}", path::describe(other)),
            );
            return None;
        }
    };
    let allowed = keys_of(kind);
    let mut fine = true;
    for k in table.keys() {
        if !["distribution", "source"].contains(&k.as_str()) && !allowed.contains(&k.as_str()) {
            ck.report(
                format!("{key}.{k}"),
                format!(
                    "unknown key '{k}': a {} distribution takes {}",
                    kind.name(),
                    allowed.join(", ")
                ),
            );
            fine = false;
        }
    }
    let source = match table.get("source") {
        None => None,
        Some(toml::Value::String(s)) => Some(s.clone()),
        Some(other) => {
            ck.report(
                format!("{key}.source"),
                format!("expected a string, found {}", path::describe(other)),
            );
            fine = false;
            None
        }
    };
    let mut number = |name: &str| -> Option<f64> {
        let at = format!("{key}.{name}");
        match table.get(name).map(path::number) {
            None => {
                ck.report(
                    key,
                    format!(
                        "{name} is missing: a {} distribution takes {}",
                        kind.name(),
                        allowed.join(", ")
                    ),
                );
                None
            }
            Some(Err(message)) => {
                ck.report(at, message);
                None
            }
            Some(Ok(x)) if !x.is_finite() => {
                ck.report(at, format!("must be finite, not {x}"));
                None
            }
            Some(Ok(x)) => Some(x),
        }
    };
    let distribution = match kind {
        DistributionKind::Uniform | DistributionKind::LogUniform => {
            let (min, max) = (number("min"), number("max"));
            let (min, max) = (min?, max?);
            if kind == DistributionKind::LogUniform && min <= 0.0 {
                ck.report(
                    format!("{key}.min"),
                    format!("a log_uniform's min must be > 0, not {}", short(min)),
                );
                return None;
            }
            if kind == DistributionKind::Uniform {
                Distribution::Uniform { min, max }
            } else {
                Distribution::LogUniform { min, max }
            }
        }
        DistributionKind::TruncatedNormal => {
            let (mean, sd, min, max) = (number("mean"), number("sd"), number("min"), number("max"));
            let (mean, sd, min, max) = (mean?, sd?, min?, max?);
            if sd <= 0.0 {
                ck.report(
                    format!("{key}.sd"),
                    format!("must be > 0, not {}", short(sd)),
                );
                return None;
            }
            if min < max && !(min..=max).contains(&mean) {
                ck.report(
                    format!("{key}.mean"),
                    format!(
                        "must lie within [min, max] = [{}, {}], not {}",
                        short(min),
                        short(max),
                        short(mean)
                    ),
                );
                return None;
            }
            Distribution::TruncatedNormal { mean, sd, min, max }
        }
        DistributionKind::Values => match table.get("values") {
            Some(toml::Value::Array(values)) if !values.is_empty() => {
                Distribution::Values(values.clone())
            }
            Some(toml::Value::Array(_)) => {
                ck.report(format!("{key}.values"), "must hold at least one value");
                return None;
            }
            Some(other) => {
                ck.report(
                    format!("{key}.values"),
                    format!("must be a list, found {}", path::describe(other)),
                );
                return None;
            }
            None => {
                ck.report(key, "values is missing: a values distribution takes values");
                return None;
            }
        },
    };
    if let Distribution::Uniform { min, max }
    | Distribution::LogUniform { min, max }
    | Distribution::TruncatedNormal { min, max, .. } = distribution
        && min >= max
    {
        ck.report(
            format!("{key}.min"),
            format!("min ({}) must be below max ({})", short(min), short(max)),
        );
        return None;
    }
    fine.then_some((distribution, source))
}

/// Writes each end of the support (each listed value) at `path` in a copy of the file and
/// checks the copy as the file is checked; reports the problems at the parameter itself (a
/// share's sum with the others is not its own range) and returns whether there were none.
fn check_support(
    raw: &RawScenario,
    known: &Known,
    path: &ParamPath,
    key: &str,
    distribution: &Distribution,
    ck: &mut Checker,
) -> bool {
    let shown = path.to_string();
    let numeric = !matches!(distribution, Distribution::Values(_));
    for value in distribution.support() {
        let mut scratch = raw.clone();
        if let Err(message) = path::apply(&mut scratch, known, path, &value) {
            let hint = if numeric {
                ": a numeric distribution draws numbers; give distribution = \"values\""
            } else {
                ""
            };
            ck.report(key, format!("{message}{hint}"));
            return false;
        }
        let mut inner = Checker {
            file: ck.file,
            spans: ck.spans,
            overridden: Vec::new(),
            problems: Vec::new(),
        };
        build_setup(&scratch, known, &mut inner);
        if let Some(problem) = inner
            .problems
            .iter()
            .find(|p| p.key.as_deref() == Some(shown.as_str()))
        {
            ck.report(
                key,
                format!("{value} is not a valid value: {}", problem.message),
            );
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::super::checker::fixture::SMALL;
    use crate::scenario::{Overrides, Scenario};
    use crate::spec::Distribution;

    fn load(table: &str) -> Result<Scenario, crate::error::InputError> {
        let text = format!("{SMALL}\n[uncertainty]\n{table}");
        Scenario::from_bytes("t.toml", text.as_bytes(), &Overrides::default())
    }

    #[test]
    fn every_kind_of_distribution_reads_in_file_order() {
        let scenario = load(
            r#""adoption.imitation" = { distribution = "uniform", min = 0.1, max = 0.5, source = "survey X, 2024" }
"segments.a.weights.price" = { distribution = "log_uniform", min = 0.5, max = 2.0 }
"providers.home.quality.text" = { distribution = "truncated_normal", mean = 0.7, sd = 0.1, min = 0.5, max = 0.9 }
"network.kind" = { distribution = "values", values = ["complete", "small_world"] }
"#,
        )
        .expect("valid");
        let u = &scenario.uncertainty;
        let paths: Vec<&str> = u.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "adoption.imitation",
                "segments.a.weights.price",
                "providers.home.quality.text",
                "network.kind"
            ]
        );
        assert_eq!(u[0].source.as_deref(), Some("survey X, 2024"));
        assert_eq!(
            u[2].distribution,
            Distribution::TruncatedNormal {
                mean: 0.7,
                sd: 0.1,
                min: 0.5,
                max: 0.9
            }
        );
        // The table changes nothing by itself.
        assert_eq!(scenario.baseline.params.imitation, 0.2);
        assert!(scenario.sweep.is_none());
    }

    #[test]
    fn each_problem_is_one_line_at_its_key() {
        let bad = |table: &str| {
            let e = load(table).expect_err(table);
            (e.key.unwrap_or_default(), e.message, e.line)
        };
        let (key, message, line) =
            bad(r#""adoption.imitation" = { distribution = "uniform", min = 0.1, max = 1.5 }"#);
        assert_eq!(key, "uncertainty.adoption.imitation");
        assert!(
            message.contains("1.5 is not a valid value: must be a probability"),
            "{message}"
        );
        assert!(line.is_some());
        let (key, message, _) = bad(
            r#""adoption.imitation" = { distribution = "uniform", min = 0.1, max = 0.5, sd = 1 }"#,
        );
        assert_eq!(key, "uncertainty.adoption.imitation.sd");
        assert!(message.contains("unknown key 'sd'"), "{message}");
        let (key, message, _) = bad(
            r#""segments.a.weights.price" = { distribution = "log_uniform", min = 0.0, max = 2.0 }"#,
        );
        assert_eq!(key, "uncertainty.segments.a.weights.price.min");
        assert!(message.contains("> 0"), "{message}");
        let (key, _, _) = bad(
            r#""adoption.imitation" = { distribution = "truncated_normal", mean = 0.3, sd = 0, min = 0.1, max = 0.5 }"#,
        );
        assert_eq!(key, "uncertainty.adoption.imitation.sd");
        let (key, message, _) =
            bad(r#""adoption.imitation" = { distribution = "uniform", min = 0.5, max = 0.5 }"#);
        assert_eq!(key, "uncertainty.adoption.imitation.min");
        assert!(message.contains("below max"), "{message}");
        let (key, message, _) =
            bad(r#""adoption.imitation" = { distribution = "beta", min = 0.1, max = 0.5 }"#);
        assert_eq!(key, "uncertainty.adoption.imitation.distribution");
        assert!(message.contains("not a distribution"), "{message}");
        let (_, message, _) =
            bad(r#""adoption.imitaton" = { distribution = "uniform", min = 0.1, max = 0.5 }"#);
        assert!(message.contains("unknown path"), "{message}");
        let (_, message, _) =
            bad(r#""scenario.population" = { distribution = "uniform", min = 100, max = 200 }"#);
        assert!(
            message.contains("give distribution = \"values\""),
            "{message}"
        );
        let (_, message, _) =
            bad(r#""network.kind" = { distribution = "values", values = ["complete", "ring"] }"#);
        assert!(
            message.contains("\"ring\" is not a valid value"),
            "{message}"
        );
        let (_, message, _) =
            bad(r#""scenario.steps" = { distribution = "values", values = [5] }"#);
        assert!(message.contains("cannot set"), "{message}");
    }

    #[test]
    fn a_share_is_checked_against_its_own_range_not_the_sum() {
        load(r#""segments.a.share" = { distribution = "uniform", min = 0.5, max = 0.7 }"#)
            .expect("each end is a probability; the sum is each point's business");
    }
}
