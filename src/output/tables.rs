//! The CSV files of a run (docs/FORMAT.md, Output files), in their column and row order.
//!
//! Rows are sorted by sweep point, arm (baseline first), replicate, step, segment (file order,
//! then `all`), state (`not_adopted`, `unserved`, providers in file order). With a sweep every
//! file starts with a `point` column; without one there is none. The numbers come from
//! [`Results`]; this module names them.

use super::format::clean;
use super::rows::{
    AdoptionRow, Cell, ComparisonRow, FlowRow, PointRow, RowWriter, SummaryRow, UsageRow,
};
use super::staging::Staging;
use crate::error::Result;
use crate::results::{Results, share};
use crate::scenario::{Arm, Scenario};

/// The names and dates every table uses, and whether rows start with a sweep point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
    /// The arms run at each point: `baseline`, then the variants in file order.
    pub arms: Vec<String>,
    /// The date of each step, ISO 8601.
    pub dates: Vec<String>,
    /// Segment names, in file order.
    pub segments: Vec<String>,
    /// State names: `not_adopted`, `unserved`, then the providers.
    pub states: Vec<String>,
    /// True with a `[sweep]`: every file starts with a `point` column.
    pub point_column: bool,
}

impl Labels {
    /// The labels of the outputs of `arms` (as [`Scenario::arms`] lists them).
    pub fn of(scenario: &Scenario, arms: &[Arm<'_>]) -> Labels {
        let calendar = &scenario.calendar;
        Labels {
            arms: arms
                .iter()
                .filter(|a| a.point == 0)
                .map(|a| a.name.to_owned())
                .collect(),
            dates: (0..=calendar.steps())
                .map(|t| calendar.date(t).format("%Y-%m-%d").to_string())
                .collect(),
            segments: scenario.segments.iter().map(|s| s.name.clone()).collect(),
            states: scenario.states().into_iter().map(str::to_owned).collect(),
            point_column: scenario.sweep.is_some(),
        }
    }

    /// The `point` column's value: the point with a sweep, nothing (no column) without.
    pub(super) fn point(&self, point: usize) -> Option<usize> {
        self.point_column.then_some(point)
    }

    /// The segment names, then `all`.
    fn segments_and_all(&self) -> impl Iterator<Item = &str> {
        self.segments
            .iter()
            .map(String::as_str)
            .chain(std::iter::once("all"))
    }
}

/// Rows of `adoption.csv`: agents and share per arm, replicate, step, segment and state, of
/// the tasks numbered `tasks` (in increasing order, as [`Shape::index`] numbers them within
/// one point) of `results`, the results of `point`.
///
/// [`Shape::index`]: crate::results::Shape::index
pub(super) fn adoption_rows(
    w: &mut RowWriter,
    results: &Results,
    labels: &Labels,
    point: usize,
    tasks: &[usize],
) -> Result<()> {
    let shape = results.shape();
    for &k in tasks {
        let task = shape.task(k);
        let slot = shape.slot(0, task.arm);
        for step in 0..=shape.steps() {
            for (segment, segment_name) in labels.segments.iter().enumerate() {
                let agents = u64::from(results.segment_agents(slot)[segment]);
                for (state, state_name) in labels.states.iter().enumerate() {
                    let count = results.count(k, step, segment, state);
                    let row = AdoptionRow {
                        variant: &labels.arms[task.arm],
                        replicate: task.replicate,
                        step,
                        date: &labels.dates[step as usize],
                        segment: segment_name,
                        state: state_name,
                        agents: count,
                        share: clean(share(u64::from(count), agents)),
                    };
                    w.write(labels.point(point), &row)?;
                }
            }
        }
    }
    Ok(())
}

/// Rows of `usage.csv`: usage weight and usage share per arm, replicate, step, segment and
/// state, of the tasks numbered `tasks` (as [`adoption_rows`]), which must all carry usage.
pub(super) fn usage_rows(
    w: &mut RowWriter,
    results: &Results,
    labels: &Labels,
    point: usize,
    tasks: &[usize],
) -> Result<()> {
    let shape = results.shape();
    let states = labels.states.len();
    for &k in tasks {
        let task = shape.task(k);
        let usage = results.task(k).usage();
        for step in 0..=shape.steps() {
            for (segment, segment_name) in labels.segments.iter().enumerate() {
                let first = shape.cell(step, segment, 0);
                let by_state = &usage[first..first + states];
                let total = segment_usage(by_state);
                for (&weight, state_name) in by_state.iter().zip(&labels.states) {
                    let row = UsageRow {
                        variant: &labels.arms[task.arm],
                        replicate: task.replicate,
                        step,
                        date: &labels.dates[step as usize],
                        segment: segment_name,
                        state: state_name,
                        usage: clean(weight),
                        usage_share: clean(usage_share(weight, total)),
                    };
                    w.write(labels.point(point), &row)?;
                }
            }
        }
    }
    Ok(())
}

/// A segment's usage: the sum of its states' usage, in state order, so that a merge or a
/// reader of `usage.csv` finds the same bits.
pub(crate) fn segment_usage(by_state: &[f64]) -> f64 {
    by_state.iter().sum()
}

/// `usage / total`; 0 for a segment with no usage (no agents).
pub(crate) fn usage_share(usage: f64, total: f64) -> f64 {
    if total > 0.0 { usage / total } else { 0.0 }
}

/// Rows of `summary.csv` of one point: statistics of the share over replicates, segments
/// then `all`.
pub(super) fn summary_rows(
    w: &mut RowWriter,
    results: &Results,
    labels: &Labels,
    point: usize,
) -> Result<()> {
    let shape = results.shape();
    for (arm, variant) in labels.arms.iter().enumerate() {
        for step in 0..=shape.steps() {
            for (segment, segment_name) in labels.segments_and_all().enumerate() {
                for (state, state_name) in labels.states.iter().enumerate() {
                    let s = results.summary(arm, step, segment, state);
                    let row = SummaryRow {
                        variant,
                        step,
                        date: &labels.dates[step as usize],
                        segment: segment_name,
                        state: state_name,
                        mean: clean(s.mean),
                        sd: clean(s.sd),
                        p05: clean(s.p05),
                        p50: clean(s.p50),
                        p95: clean(s.p95),
                        ci95_low: clean(s.ci95_low),
                        ci95_high: clean(s.ci95_high),
                    };
                    w.write(labels.point(point), &row)?;
                }
            }
        }
    }
    Ok(())
}

/// Rows of `comparison.csv` of one point: each variant minus the baseline, paired by
/// replicate.
pub(super) fn comparison_rows(
    w: &mut RowWriter,
    results: &Results,
    labels: &Labels,
    point: usize,
) -> Result<()> {
    let shape = results.shape();
    for (arm, variant) in labels.arms.iter().enumerate().skip(1) {
        for step in 0..=shape.steps() {
            for (segment, segment_name) in labels.segments_and_all().enumerate() {
                for (state, state_name) in labels.states.iter().enumerate() {
                    let d = results.difference(0, arm, step, segment, state);
                    let row = ComparisonRow {
                        variant,
                        step,
                        date: &labels.dates[step as usize],
                        segment: segment_name,
                        state: state_name,
                        baseline_mean: clean(d.baseline_mean),
                        variant_mean: clean(d.variant_mean),
                        diff_mean: clean(d.mean),
                        diff_ci95_low: clean(d.low),
                        diff_ci95_high: clean(d.high),
                    };
                    w.write(labels.point(point), &row)?;
                }
            }
        }
    }
    Ok(())
}

/// Rows of `flows.csv`: every change of state between consecutive steps, per segment, of the
/// tasks numbered `tasks` (as [`adoption_rows`]).
pub(super) fn flow_rows(
    w: &mut RowWriter,
    results: &Results,
    labels: &Labels,
    point: usize,
    tasks: &[usize],
) -> Result<()> {
    let shape = results.shape();
    for &k in tasks {
        let task = shape.task(k);
        for flow in &results.task(k).flows {
            let row = FlowRow {
                variant: &labels.arms[task.arm],
                replicate: task.replicate,
                step: flow.step,
                date: &labels.dates[flow.step as usize],
                segment: &labels.segments[usize::from(flow.segment)],
                from: &labels.states[usize::from(flow.from)],
                to: &labels.states[usize::from(flow.to)],
                agents: flow.agents,
            };
            w.write(labels.point(point), &row)?;
        }
    }
    Ok(())
}

/// `points.csv`: one row per sweep point, `point` then one column per swept parameter, each
/// value as the CSV files write numbers (ryu's shortest form), booleans and strings, then
/// each point's `weight` when the points were given with weights.
pub(super) fn write_points(
    staging: &Staging,
    name: &str,
    parameters: &[String],
    points: &[Vec<toml::Value>],
    weights: Option<&[f64]>,
) -> Result<()> {
    let header: Vec<&str> = std::iter::once("point")
        .chain(parameters.iter().map(String::as_str))
        .chain(weights.map(|_| super::WEIGHT_COLUMN))
        .collect();
    let mut w = RowWriter::create(staging, name, &header)?;
    for (point, values) in points.iter().enumerate() {
        let row = PointRow {
            point,
            values: values
                .iter()
                .map(|value| match value {
                    toml::Value::Integer(i) => Cell::Integer(*i),
                    toml::Value::Float(x) => Cell::Float(clean(*x)),
                    toml::Value::Boolean(b) => Cell::Boolean(*b),
                    toml::Value::String(s) => Cell::Text(s.clone()),
                    // Validation lets a sweep set only numbers, booleans and strings.
                    other => Cell::Text(other.to_string()),
                })
                .chain(weights.map(|w| Cell::Float(clean(w[point]))))
                .collect(),
        };
        w.write(None, &row)?;
    }
    w.finish()
}
