//! The four CSV files of a run (contract 6), in the contract's column and row order.
//!
//! Rows are sorted by arm (baseline first), replicate, step, segment (file order, then `all`),
//! state (`not_adopted`, `unserved`, providers in file order). Floats go through the csv
//! crate's serde path, which writes ryu's shortest round-trip form; -0 becomes 0.

use crate::error::{Error, Result};
use crate::runner::Results;
use crate::scenario::Scenario;
use crate::stats::{self, Summary};
use serde::Serialize;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Turns -0 into 0; every value written is finite by construction.
fn clean(x: f64) -> f64 {
    debug_assert!(x.is_finite(), "non-finite value in the output");
    if x == 0.0 { 0.0 } else { x }
}

/// The names and dates every table uses.
pub(super) struct Labels<'a> {
    pub dates: Vec<String>,
    pub segments: Vec<&'a str>,
    pub states: Vec<&'a str>,
}

impl<'a> Labels<'a> {
    pub fn of(scenario: &'a Scenario) -> Labels<'a> {
        let calendar = &scenario.calendar;
        Labels {
            dates: (0..=calendar.steps())
                .map(|t| calendar.date(t).format("%Y-%m-%d").to_string())
                .collect(),
            segments: scenario.segments.iter().map(|s| s.name.as_str()).collect(),
            states: scenario.states(),
        }
    }
}

fn writer(path: &Path) -> Result<csv::Writer<BufWriter<File>>> {
    let file =
        File::create(path).map_err(|e| Error::io(format!("creating {}", path.display()), e))?;
    Ok(csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(BufWriter::with_capacity(1 << 20, file)))
}

fn finish(path: &Path, writer: csv::Writer<BufWriter<File>>) -> Result<()> {
    let fail = |e: std::io::Error| Error::io(format!("writing {}", path.display()), e);
    let mut inner = writer.into_inner().map_err(|e| fail(e.into_error()))?;
    inner.flush().map_err(fail)?;
    inner.get_ref().sync_all().map_err(fail)
}

fn csv_error(path: &Path, e: csv::Error) -> Error {
    Error::io(format!("writing {}", path.display()), e.into())
}

#[derive(Serialize)]
struct AdoptionRow<'a> {
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

/// `adoption.csv`: agents and share per arm, replicate, step, segment and state.
pub(super) fn write_adoption(path: &Path, results: &Results, labels: &Labels) -> Result<()> {
    let mut w = writer(path)?;
    for (arm, variant) in results.arms.iter().enumerate() {
        for replicate in 0..results.replicates {
            let task = results.task(arm, replicate);
            for step in 0..=results.steps {
                for (segment, &segment_name) in labels.segments.iter().enumerate() {
                    let agents = u64::from(results.segment_agents[arm][segment]);
                    for (state, &state_name) in labels.states.iter().enumerate() {
                        let count = results.count(task, step, segment, state);
                        w.serialize(AdoptionRow {
                            variant,
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
pub(super) fn write_summary(path: &Path, results: &Results, labels: &Labels) -> Result<()> {
    let mut w = writer(path)?;
    for (arm, variant) in results.arms.iter().enumerate() {
        for step in 0..=results.steps {
            for (segment, segment_name) in labels.segments.iter().chain(&["all"]).enumerate() {
                for (state, &state_name) in labels.states.iter().enumerate() {
                    let s = Summary::of(&replicate_shares(results, arm, step, segment, state));
                    w.serialize(SummaryRow {
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
    finish(path, w)
}

#[derive(Serialize)]
struct ComparisonRow<'a> {
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

/// `comparison.csv`: each variant minus the baseline, paired by replicate.
pub(super) fn write_comparison(path: &Path, results: &Results, labels: &Labels) -> Result<()> {
    let mut w = writer(path)?;
    if results.arms.len() < 2 {
        // serde writes the header with the first row; with no variant there is none.
        w.write_record(COMPARISON_HEADER)
            .map_err(|e| csv_error(path, e))?;
    }
    for (arm, variant) in results.arms.iter().enumerate().skip(1) {
        for step in 0..=results.steps {
            for (segment, segment_name) in labels.segments.iter().chain(&["all"]).enumerate() {
                for (state, &state_name) in labels.states.iter().enumerate() {
                    let base = replicate_shares(results, 0, step, segment, state);
                    let other = replicate_shares(results, arm, step, segment, state);
                    let (diff, low, high) = stats::paired_difference(&base, &other);
                    w.serialize(ComparisonRow {
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
    finish(path, w)
}

#[derive(Serialize)]
struct FlowRow<'a> {
    variant: &'a str,
    replicate: u32,
    step: u32,
    date: &'a str,
    segment: &'a str,
    from: &'a str,
    to: &'a str,
    agents: u32,
}

const FLOWS_HEADER: [&str; 8] = [
    "variant",
    "replicate",
    "step",
    "date",
    "segment",
    "from",
    "to",
    "agents",
];

/// `flows.csv`: every change of state between consecutive steps, per segment.
pub(super) fn write_flows(path: &Path, results: &Results, labels: &Labels) -> Result<()> {
    let mut w = writer(path)?;
    if results.tasks.iter().all(|t| t.flows.is_empty()) {
        w.write_record(FLOWS_HEADER)
            .map_err(|e| csv_error(path, e))?;
    }
    for (arm, variant) in results.arms.iter().enumerate() {
        for replicate in 0..results.replicates {
            for flow in &results.task(arm, replicate).flows {
                w.serialize(FlowRow {
                    variant,
                    replicate,
                    step: flow.step,
                    date: &labels.dates[flow.step as usize],
                    segment: labels.segments[usize::from(flow.segment)],
                    from: labels.states[usize::from(flow.from)],
                    to: labels.states[usize::from(flow.to)],
                    agents: flow.agents,
                })
                .map_err(|e| csv_error(path, e))?;
            }
        }
    }
    finish(path, w)
}
