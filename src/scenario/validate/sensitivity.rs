//! `[sensitivity]` (and `sensitivity --method`): the method, the size of its design and what
//! to analyse, checked against `[uncertainty]`, whose parameters the design varies.

use super::checker::Checker;
use crate::scenario::MAX_POINTS;
use crate::scenario::raw::RawScenario;
use crate::sensitivity::{
    DEFAULT_BOOTSTRAP, DEFAULT_LEVELS, DEFAULT_METRICS, DEFAULT_SAMPLES, DEFAULT_TRAJECTORIES,
    MAX_BASE_SAMPLES, MAX_SOBOL_PARAMETERS, METRICS, Method, Settings,
};
use crate::spec::UncertainParameter;

/// The most bootstrap resamples: each recomputes every index of every analysed series.
const MAX_BOOTSTRAP: i64 = 100_000;

/// The settings of the file's `[sensitivity]` (its defaults when absent) with `method`, if
/// given, in place of its own; `seed` (the scenario's) is the design's seed unless the table
/// gives one.
pub(super) fn check_sensitivity(
    raw: &RawScenario,
    method: Option<Method>,
    seed: u64,
    uncertainty: &[UncertainParameter],
    ck: &mut Checker,
) -> Option<Settings> {
    let before = ck.problems.len();
    let rs = raw.sensitivity.clone().unwrap_or_default();
    if raw.sweep.is_some() {
        ck.report(
            "sensitivity",
            "a file with [sensitivity] has no [sweep]: the analysis's design gives the points",
        );
    }
    if uncertainty.is_empty() {
        ck.report(
            "sensitivity",
            "needs an [uncertainty] table: the parameters it varies and their distributions",
        );
    }
    let method = match (method, &rs.method) {
        (Some(method), _) => Some(method),
        (None, None) => Some(Method::Sobol),
        (None, Some(name)) => {
            let parsed = Method::parse(name);
            if parsed.is_none() {
                ck.report(
                    "sensitivity.method",
                    format!("'{name}' is not a method ({})", Method::names()),
                );
            }
            parsed
        }
    };
    let mut integer = |key: &str, given: Option<i64>, default: u32, min: i64, max: i64| {
        given.map_or(Some(i64::from(default)), |x| {
            ck.in_range(&format!("sensitivity.{key}"), x, min, max)
        })
    };
    let samples = integer(
        "samples",
        rs.samples,
        DEFAULT_SAMPLES,
        1,
        MAX_BASE_SAMPLES as i64,
    );
    let trajectories = integer(
        "trajectories",
        rs.trajectories,
        DEFAULT_TRAJECTORIES,
        1,
        MAX_POINTS as i64,
    );
    let levels = integer("levels", rs.levels, DEFAULT_LEVELS, 2, 1000);
    let bootstrap = integer(
        "bootstrap",
        rs.bootstrap,
        DEFAULT_BOOTSTRAP,
        1,
        MAX_BOOTSTRAP,
    );
    if levels.is_some_and(|p| p % 2 == 1) {
        ck.report(
            "sensitivity.levels",
            "must be even, so that each step of Δ = p / (2 (p - 1)) lands on a level",
        );
    }
    let design_seed = match rs.seed {
        None => Some(seed),
        Some(s) => ck
            .in_range("sensitivity.seed", s, 0, i64::MAX)
            .map(|s| s as u64),
    };
    let metrics = rs
        .metrics
        .unwrap_or_else(|| DEFAULT_METRICS.map(String::from).to_vec());
    for name in &metrics {
        if !METRICS.iter().any(|m| m.name() == name) {
            let names: Vec<&str> = METRICS.iter().map(|m| m.name()).collect();
            ck.report(
                "sensitivity.metrics",
                format!("'{name}' is not a metric ({})", names.join(", ")),
            );
        }
    }
    let segments = rs.segments.unwrap_or_else(|| vec!["all".to_owned()]);
    for name in &segments {
        if name != "all" && !raw.segments.iter().any(|s| &s.name == name) {
            ck.report(
                "sensitivity.segments",
                format!("'{name}' is not a segment of the file, nor all"),
            );
        }
    }
    if metrics.is_empty() || segments.is_empty() {
        ck.report(
            "sensitivity",
            "metrics and segments must each name at least one",
        );
    }
    if ck.problems.len() > before {
        return None;
    }
    let settings = Settings {
        method: method?.name().to_owned(),
        samples: samples? as u32,
        trajectories: trajectories? as u32,
        levels: levels? as u32,
        seed: design_seed?,
        bootstrap: bootstrap? as u32,
        metrics,
        segments,
    };
    let k = uncertainty.len();
    if settings.method() == Method::Sobol && k > MAX_SOBOL_PARAMETERS {
        ck.report(
            "uncertainty",
            format!("a Sobol design takes at most {MAX_SOBOL_PARAMETERS} parameters, not {k}"),
        );
        return None;
    }
    let points = settings.points(k);
    if points > MAX_POINTS {
        ck.report(
            "sensitivity",
            format!(
                "the {} design over {k} parameters has {points} points, more than \
                 {MAX_POINTS}: lower {}",
                settings.method,
                match settings.method() {
                    Method::Sobol => "samples",
                    Method::Morris => "trajectories",
                }
            ),
        );
        return None;
    }
    Some(settings)
}
