//! The view `compare` prints on a swept run beside the robustness summary: each variant's
//! effect on the shares with its interval over replicates and its spread over the points,
//! and the parameters it moves with, as aligned text or Markdown; and the same for every
//! metric as tidy rows (`compare --intervals`, CSV or JSON), for a notebook to plot.
//!
//! The numbers come from [`crate::compare::two_intervals()`]; this module only names and
//! formats them.

use super::format::{Layout, Section, clean, csv_bytes, json_bytes, percent, render, row_label};
use super::rows::Row;
use crate::compare::{RunPoints, SPREAD, TwoIntervals};
use crate::error::Result;
use crate::sensitivity::NamedIndexRow;
use serde::Serialize;

/// A row of `compare --intervals`: one variant's effect on one metric, with both intervals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct TwoIntervalsRow<'a> {
    variant: &'a str,
    segment: &'a str,
    metric: &'a str,
    state: Option<&'a str>,
    step: Option<u32>,
    date: Option<String>,
    unit: &'a str,
    points: usize,
    effect: f64,
    replicates_low: Option<f64>,
    replicates_high: Option<f64>,
    points_low: f64,
    points_high: f64,
    top_parameter: Option<&'a str>,
    top_rho: Option<f64>,
    second_parameter: Option<&'a str>,
    second_rho: Option<f64>,
}

impl Row for TwoIntervalsRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "variant",
        "segment",
        "metric",
        "state",
        "step",
        "date",
        "unit",
        "points",
        "effect",
        "replicates_low",
        "replicates_high",
        "points_low",
        "points_high",
        "top_parameter",
        "top_rho",
        "second_parameter",
        "second_rho",
    ];
}

fn named_rows<'a>(
    run: &'a RunPoints,
    rows: &[TwoIntervals],
) -> Vec<(Option<usize>, TwoIntervalsRow<'a>)> {
    let data = &run.points[0];
    let parameters = run
        .sweep
        .as_ref()
        .map(|s| s.parameters.as_slice())
        .unwrap_or(&[]);
    rows.iter()
        .map(|row| {
            let key = &row.key;
            // A parameter that does not move with the effect is not named.
            let driver = |n: usize| {
                row.drivers
                    .iter()
                    .filter(|d| d.rho != 0.0)
                    .nth(n)
                    .map(|d| (parameters[d.parameter].as_str(), clean(d.rho)))
            };
            let named = TwoIntervalsRow {
                variant: &data.arms[key.arm],
                segment: data.segment_name(key.segment),
                metric: key.metric.name(),
                state: key.state.map(|k| data.state_name(key.metric, k)),
                step: key.step,
                date: key.step.map(|s| data.dates[s as usize].to_string()),
                unit: key.metric.unit(),
                points: row.points,
                effect: clean(row.effect),
                replicates_low: row.noise_half_width.map(|h| clean(row.effect - h)),
                replicates_high: row.noise_half_width.map(|h| clean(row.effect + h)),
                points_low: clean(row.spread.0),
                points_high: clean(row.spread.1),
                top_parameter: driver(0).map(|d| d.0),
                top_rho: driver(0).map(|d| d.1),
                second_parameter: driver(1).map(|d| d.0),
                second_rho: driver(1).map(|d| d.1),
            };
            (None, named)
        })
        .collect()
}

/// The effects with both intervals as CSV bytes (`compare --intervals --format csv`): the
/// header, then one line per effect, in the rows' order.
pub fn two_intervals_csv(run: &RunPoints, rows: &[TwoIntervals]) -> Result<Vec<u8>> {
    csv_bytes(
        "the effects' intervals",
        TwoIntervalsRow::COLUMNS,
        &named_rows(run, rows),
    )
}

/// The effects with both intervals as a JSON array of objects with the CSV's keys, `null`
/// where undefined.
pub fn two_intervals_json(run: &RunPoints, rows: &[TwoIntervals]) -> Vec<u8> {
    json_bytes(&named_rows(run, rows))
}

/// How many parameters are named for each effect.
const TOP: usize = 2;

/// The parameters of a sensitivity run's series ranked by their index in sensitivity.csv
/// (`indices`, its rows): Sobol total, or Morris mu* when the run has no total; the `TOP`
/// first, each with its index, or `None` when the file does not analyse the series.
fn ranked_by_index(
    indices: &[NamedIndexRow],
    names: (&str, &str, &str, Option<&str>),
) -> Option<Vec<String>> {
    let (variant, segment, metric, state) = names;
    let series = || {
        indices.iter().filter(move |r| {
            (
                r.variant.as_str(),
                r.segment.as_str(),
                r.metric.as_str(),
                r.state.as_deref(),
            ) == (variant, segment, metric, state)
        })
    };
    let index = ["total", "mu_star"]
        .into_iter()
        .find(|i| series().any(|r| r.index == *i))?;
    let mut ranked: Vec<(&str, f64)> = series()
        .filter(|r| r.index == index)
        .filter_map(|r| Some((r.parameter.as_deref()?, r.value?)))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    Some(
        ranked
            .into_iter()
            .take(TOP)
            .map(|(name, value)| match index {
                "total" => format!("{name} {value:.3}"),
                // mu* is in the metric's units: a share, shown in percentage points.
                _ => format!("{name} {}", percent(value)),
            })
            .collect(),
    )
}

/// The effects on the shares of one segment (`segments.len()` is `all`), a section per step,
/// with both intervals side by side. `indices`, the rows of a sensitivity run's
/// sensitivity.csv, name the top parameters of the series it analyses by their index rather
/// than by their rank correlation.
pub fn two_intervals_table(
    run: &RunPoints,
    rows: &[TwoIntervals],
    segment: usize,
    layout: Layout,
    indices: Option<&[NamedIndexRow]>,
) -> String {
    let data = &run.points[0];
    let points = run.points.len();
    let replicates = data.replicates();
    let weighted = run.sweep.as_ref().is_some_and(|s| s.weights.is_some());
    let heading = format!(
        "Effects with two intervals: {}, segment {}, {points} sweep point{}, {replicates} \
         replicate{} per point",
        data.scenario,
        data.segment_name(segment),
        if points == 1 { "" } else { "s" },
        if replicates == 1 { "" } else { "s" }
    );
    let (lo, hi) = (100.0 * SPREAD.0, 100.0 * SPREAD.1);
    let weights = if weighted {
        ", each point counted by its weight (the points are a weighted sample)"
    } else {
        ""
    };
    let legend = format!(
        "effect = variant - baseline, paired by replicate at each point, then averaged over \
         the points{weights}, in percentage points. Two intervals: '+- replicates' covers only \
         the simulation's noise: the median over the points of the half-width of the 95% \
         paired interval over the {replicates} replicates of a point. '{lo:.0}%..{hi:.0}% \
         over points' covers the declared uncertainty of the parameters: the {lo:.0}th to \
         {hi:.0}th percentile of the per-point effect across the points (their values in \
         points.csv; it holds each point's noise too). top parameters: the {TOP} whose values \
         have the largest absolute Spearman rank correlation (rho) with the per-point effect \
         across the points (a parameter given as names is ranked by its text), an association, \
         not a sensitivity index.{}",
        match indices {
            Some(_) => {
                " On this sensitivity run, the series it analyses name instead the parameters \
                 with the largest index in sensitivity.csv (Sobol total, or Morris mu* in \
                 percentage points): the indices apportion the effect's variance among the \
                 parameters, which rank correlations over the design's dependent points do not."
            }
            None => "",
        }
    );
    let parameters = run
        .sweep
        .as_ref()
        .map(|s| s.parameters.as_slice())
        .unwrap_or(&[]);
    let rows: Vec<&TwoIntervals> = rows.iter().filter(|r| r.key.segment == segment).collect();
    let mut steps: Vec<u32> = Vec::new();
    for step in rows.iter().filter_map(|r| r.key.step) {
        if !steps.contains(&step) {
            steps.push(step);
        }
    }
    let mut sections = Vec::new();
    for step in steps {
        for usage in [false, true] {
            let mut section = Section {
                title: format!(
                    "Share of {} at {} (step {step}): effect, percentage points",
                    if usage { "usage" } else { "agents" },
                    data.dates[step as usize]
                ),
                header: vec![
                    "",
                    "variant",
                    "effect",
                    "+- replicates",
                    "over points",
                    match indices {
                        Some(_) => "top parameters (index, else rho)",
                        None => "top parameters (rho)",
                    },
                ],
                right: vec![false, false, true, true, true, false],
                rows: Vec::new(),
            };
            let mut previous = None;
            for row in rows
                .iter()
                .filter(|r| r.key.step == Some(step) && r.key.metric.of_usage() == usage)
            {
                // The label shows on the first variant's row only, so that the variants under
                // it read as a group.
                let first = previous != Some((row.key.metric, row.key.state));
                previous = Some((row.key.metric, row.key.state));
                let label = row_label(row.key.metric, row.key.state, data);
                let by_index = indices.and_then(|indices| {
                    ranked_by_index(
                        indices,
                        (
                            &data.arms[row.key.arm],
                            data.segment_name(row.key.segment),
                            row.key.metric.name(),
                            row.key.state.map(|k| data.state_name(row.key.metric, k)),
                        ),
                    )
                });
                let top: Vec<String> = by_index.unwrap_or_else(|| {
                    row.drivers
                        .iter()
                        .filter(|d| d.rho != 0.0)
                        .take(TOP)
                        .map(|d| {
                            let name = parameters.get(d.parameter).map_or("", String::as_str);
                            match indices {
                                // Beside index values, a correlation says what it is.
                                Some(_) => format!("{name} rho {:+.2}", d.rho),
                                None => format!("{name} {:+.2}", d.rho),
                            }
                        })
                        .collect()
                });
                section.rows.push(vec![
                    if first { label.into() } else { String::new() },
                    data.arms[row.key.arm].clone(),
                    percent(row.effect),
                    row.noise_half_width.map_or("-".into(), percent),
                    format!("{}..{}", percent(row.spread.0), percent(row.spread.1)),
                    top.join(", "),
                ]);
            }
            sections.push(section);
        }
    }
    render(&heading, &legend, &sections, layout)
}
