//! The CSV files of a run (contract 6, 10), in the contract's column and row order.
//!
//! Rows are sorted by sweep point, arm (baseline first), replicate, step, segment (file order,
//! then `all`), state (`not_adopted`, `unserved`, providers in file order). With a sweep every
//! file starts with a `point` column; without one there is none. Floats go through the csv
//! crate's serde path, which writes ryu's shortest round-trip form; -0 becomes 0.

use super::staging::{StagedFile, Staging, write_error};
use crate::error::{Error, Result};
use crate::runner::Results;
use crate::scenario::Scenario;
use crate::stats::{self, Summary};
use serde::Serialize;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Turns -0 into 0; every value written is finite by construction.
fn clean(x: f64) -> f64 {
    debug_assert!(x.is_finite(), "non-finite value in the output");
    if x == 0.0 { 0.0 } else { x }
}

/// The names and dates every table uses, and whether rows start with a sweep point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
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
    /// The labels of a scenario's outputs.
    pub fn of(scenario: &Scenario) -> Labels {
        let calendar = &scenario.calendar;
        Labels {
            dates: (0..=calendar.steps())
                .map(|t| calendar.date(t).format("%Y-%m-%d").to_string())
                .collect(),
            segments: scenario.segments.iter().map(|s| s.name.clone()).collect(),
            states: scenario.states().into_iter().map(str::to_owned).collect(),
            point_column: scenario.sweep.is_some(),
        }
    }

    /// The `point` column's value: the point with a sweep, nothing (no column) without.
    fn point(&self, point: usize) -> Option<usize> {
        self.point_column.then_some(point)
    }

    /// A header, with the `point` column first when there is one.
    pub(super) fn header<'h>(&self, columns: &[&'h str]) -> Vec<&'h str> {
        let point: &[&str] = if self.point_column { &["point"] } else { &[] };
        point.iter().chain(columns).copied().collect()
    }
}

type Writer = csv::Writer<BufWriter<StagedFile>>;

/// A CSV writer into `name` of the staging folder, with the contract's line ends.
fn writer(staging: &Staging, name: &str) -> Result<(PathBuf, Writer)> {
    let (path, file) = staging.create(name)?;
    let writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(BufWriter::with_capacity(1 << 20, file));
    Ok((path, writer))
}

fn finish(path: &Path, writer: Writer) -> Result<()> {
    let fail = |e: std::io::Error| write_error(path, e);
    let mut inner = writer.into_inner().map_err(|e| fail(e.into_error()))?;
    inner.flush().map_err(fail)?;
    inner.get_ref().sync_all().map_err(fail)
}

fn csv_error(path: &Path, e: csv::Error) -> Error {
    let io = match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    };
    write_error(path, io)
}

// `point` is skipped, header included, when there is no sweep: the csv crate names only the
// fields that are serialised.
#[derive(Serialize)]
struct AdoptionRow<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    point: Option<usize>,
    variant: &'a str,
    replicate: u32,
    step: u32,
    date: &'a str,
    segment: &'a str,
    state: &'a str,
    agents: u32,
    share: f64,
}

/// The share of `count` among `agents`; 0 for an empty segment.
fn share(count: u64, agents: u64) -> f64 {
    if agents == 0 {
        0.0
    } else {
        count as f64 / agents as f64
    }
}

pub(super) const ADOPTION_HEADER: [&str; 8] = [
    "variant",
    "replicate",
    "step",
    "date",
    "segment",
    "state",
    "agents",
    "share",
];

/// The arm slot, point, arm and replicate of task k.
fn task_position(results: &Results, k: usize) -> (usize, usize, usize, u32) {
    let replicates = results.replicates as usize;
    let slot = k / replicates;
    let arms = results.arms.len();
    (slot, slot / arms, slot % arms, (k % replicates) as u32)
}

/// `adoption.csv`: agents and share per point, arm, replicate, step, segment and state, for
/// the tasks numbered `tasks` (in increasing order: all of them, or a shard's).
pub(super) fn write_adoption(
    staging: &Staging,
    name: &str,
    results: &Results,
    labels: &Labels,
    tasks: &[usize],
) -> Result<()> {
    let (path, mut w) = writer(staging, name)?;
    let path = path.as_path();
    if tasks.is_empty() {
        // serde writes the header with the first row; an empty shard has none.
        w.write_record(labels.header(&ADOPTION_HEADER))
            .map_err(|e| csv_error(path, e))?;
    }
    for &k in tasks {
        let (slot, point, arm, replicate) = task_position(results, k);
        let task = &results.tasks[k];
        for step in 0..=results.steps {
            for (segment, segment_name) in labels.segments.iter().enumerate() {
                let agents = u64::from(results.segment_agents[slot][segment]);
                for (state, state_name) in labels.states.iter().enumerate() {
                    let count = results.count(task, step, segment, state);
                    w.serialize(AdoptionRow {
                        point: labels.point(point),
                        variant: &results.arms[arm],
                        replicate,
                        step,
                        date: &labels.dates[step as usize],
                        segment: segment_name,
                        state: state_name,
                        agents: count,
                        share: clean(share(u64::from(count), agents)),
                    })
                    .map_err(|e| csv_error(path, e))?;
                }
            }
        }
    }
    finish(path, w)
}

/// Per replicate, the share of `state` in `segment` at `step`; `segment == segments` is `all`.
pub(super) fn replicate_shares(
    results: &Results,
    arm: usize,
    step: u32,
    segment: usize,
    state: usize,
) -> Vec<f64> {
    (0..results.replicates)
        .map(|r| {
            let task = results.task(arm, r);
            let segments = if segment == results.segments {
                0..results.segments
            } else {
                segment..segment + 1
            };
            let count: u64 = segments
                .clone()
                .map(|s| u64::from(results.count(task, step, s, state)))
                .sum();
            let agents: u64 = segments
                .map(|s| u64::from(results.segment_agents[arm][s]))
                .sum();
            share(count, agents)
        })
        .collect()
}

#[derive(Serialize)]
struct SummaryRow<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    point: Option<usize>,
    variant: &'a str,
    step: u32,
    date: &'a str,
    segment: &'a str,
    state: &'a str,
    mean: f64,
    sd: f64,
    p05: f64,
    p50: f64,
    p95: f64,
    ci95_low: f64,
    ci95_high: f64,
}

/// `summary.csv`: statistics of the share over replicates, segments then `all`.
pub(super) fn write_summary(
    staging: &Staging,
    name: &str,
    results: &Results,
    labels: &Labels,
) -> Result<()> {
    let (path, mut w) = writer(staging, name)?;
    let path = path.as_path();
    let all = "all".to_owned();
    for point in 0..results.points {
        for (arm, variant) in results.arms.iter().enumerate() {
            let slot = point * results.arms.len() + arm;
            for step in 0..=results.steps {
                for (segment, segment_name) in labels.segments.iter().chain([&all]).enumerate() {
                    for (state, state_name) in labels.states.iter().enumerate() {
                        let s = Summary::of(&replicate_shares(results, slot, step, segment, state));
                        w.serialize(SummaryRow {
                            point: labels.point(point),
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
                        })
                        .map_err(|e| csv_error(path, e))?;
                    }
                }
            }
        }
    }
    finish(path, w)
}

#[derive(Serialize)]
struct ComparisonRow<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    point: Option<usize>,
    variant: &'a str,
    step: u32,
    date: &'a str,
    segment: &'a str,
    state: &'a str,
    baseline_mean: f64,
    variant_mean: f64,
    diff_mean: f64,
    diff_ci95_low: f64,
    diff_ci95_high: f64,
}

const COMPARISON_HEADER: [&str; 10] = [
    "variant",
    "step",
    "date",
    "segment",
    "state",
    "baseline_mean",
    "variant_mean",
    "diff_mean",
    "diff_ci95_low",
    "diff_ci95_high",
];

/// `comparison.csv`: each variant minus the baseline, paired by replicate within a point.
pub(super) fn write_comparison(
    staging: &Staging,
    name: &str,
    results: &Results,
    labels: &Labels,
) -> Result<()> {
    let (path, mut w) = writer(staging, name)?;
    let path = path.as_path();
    if results.arms.len() < 2 {
        // serde writes the header with the first row; with no variant there is none.
        w.write_record(labels.header(&COMPARISON_HEADER))
            .map_err(|e| csv_error(path, e))?;
    }
    let all = "all".to_owned();
    for point in 0..results.points {
        let baseline = point * results.arms.len();
        for (arm, variant) in results.arms.iter().enumerate().skip(1) {
            let slot = baseline + arm;
            for step in 0..=results.steps {
                for (segment, segment_name) in labels.segments.iter().chain([&all]).enumerate() {
                    for (state, state_name) in labels.states.iter().enumerate() {
                        let base = replicate_shares(results, baseline, step, segment, state);
                        let other = replicate_shares(results, slot, step, segment, state);
                        let (diff, low, high) = stats::paired_difference(&base, &other);
                        w.serialize(ComparisonRow {
                            point: labels.point(point),
                            variant,
                            step,
                            date: &labels.dates[step as usize],
                            segment: segment_name,
                            state: state_name,
                            baseline_mean: clean(stats::mean(&base)),
                            variant_mean: clean(stats::mean(&other)),
                            diff_mean: clean(diff),
                            diff_ci95_low: clean(low),
                            diff_ci95_high: clean(high),
                        })
                        .map_err(|e| csv_error(path, e))?;
                    }
                }
            }
        }
    }
    finish(path, w)
}

#[derive(Serialize)]
struct FlowRow<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    point: Option<usize>,
    variant: &'a str,
    replicate: u32,
    step: u32,
    date: &'a str,
    segment: &'a str,
    from: &'a str,
    to: &'a str,
    agents: u32,
}

pub(super) const FLOWS_HEADER: [&str; 8] = [
    "variant",
    "replicate",
    "step",
    "date",
    "segment",
    "from",
    "to",
    "agents",
];

/// `flows.csv`: every change of state between consecutive steps, per segment, for the tasks
/// numbered `tasks` (in increasing order).
pub(super) fn write_flows(
    staging: &Staging,
    name: &str,
    results: &Results,
    labels: &Labels,
    tasks: &[usize],
) -> Result<()> {
    let (path, mut w) = writer(staging, name)?;
    let path = path.as_path();
    if tasks.iter().all(|&k| results.tasks[k].flows.is_empty()) {
        w.write_record(labels.header(&FLOWS_HEADER))
            .map_err(|e| csv_error(path, e))?;
    }
    for &k in tasks {
        let (_, point, arm, replicate) = task_position(results, k);
        for flow in &results.tasks[k].flows {
            w.serialize(FlowRow {
                point: labels.point(point),
                variant: &results.arms[arm],
                replicate,
                step: flow.step,
                date: &labels.dates[flow.step as usize],
                segment: &labels.segments[usize::from(flow.segment)],
                from: &labels.states[usize::from(flow.from)],
                to: &labels.states[usize::from(flow.to)],
                agents: flow.agents,
            })
            .map_err(|e| csv_error(path, e))?;
        }
    }
    finish(path, w)
}

/// `points.csv`: one row per sweep point, `point` then one column per swept parameter, each
/// value as the CSV files write numbers (ryu's shortest form), booleans and strings.
pub(super) fn write_points(
    staging: &Staging,
    name: &str,
    parameters: &[String],
    points: &[Vec<toml::Value>],
) -> Result<()> {
    #[derive(Serialize)]
    #[serde(untagged)]
    enum Cell {
        Integer(i64),
        Float(f64),
        Boolean(bool),
        Text(String),
    }
    let (path, mut w) = writer(staging, name)?;
    let path = path.as_path();
    let header: Vec<&str> = std::iter::once("point")
        .chain(parameters.iter().map(String::as_str))
        .collect();
    w.write_record(header).map_err(|e| csv_error(path, e))?;
    for (point, values) in points.iter().enumerate() {
        let row: Vec<Cell> = std::iter::once(Cell::Integer(point as i64))
            .chain(values.iter().map(|value| match value {
                toml::Value::Integer(i) => Cell::Integer(*i),
                toml::Value::Float(x) => Cell::Float(clean(*x)),
                toml::Value::Boolean(b) => Cell::Boolean(*b),
                toml::Value::String(s) => Cell::Text(s.clone()),
                // Validation lets a sweep set only numbers, booleans and strings.
                other => Cell::Text(other.to_string()),
            }))
            .collect();
        w.serialize(row).map_err(|e| csv_error(path, e))?;
    }
    finish(path, w)
}
