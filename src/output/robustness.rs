//! `robustness.csv` (swept runs only) and the views of it that `compare` prints on a swept run:
//! CSV, JSON, an aligned text table that reads at 100 columns, and Markdown.
//!
//! The numbers come from [`crate::compare::robustness()`]; this module only names and formats
//! them. The file has no `point` column: each row summarises every point.

use super::files::{METRICS_FILE, ROBUSTNESS_FILE, TableFormat};
use super::format::{
    Layout, Section, clean, count, csv_bytes, json_bytes, percent, render, row_label,
};
use super::rows::{RobustnessCsvRow, Row, table_bytes};
use crate::compare::{Better, Metric, RobustnessRow, RunData, RunPoints, UNSERVED};
use crate::error::Result;

fn named<'a>(data: &'a RunData, row: &RobustnessRow) -> (Option<usize>, RobustnessCsvRow<'a>) {
    let named = RobustnessCsvRow {
        variant: &data.arms[row.arm],
        segment: data.segment_name(row.segment),
        metric: row.metric.name(),
        state: row.state.map(|k| data.state_name(row.metric, k)),
        step: row.step,
        date: row.step.map(|s| data.dates[s as usize].to_string()),
        unit: row.metric.unit(),
        better: row.better.name(),
        points: row.points,
        diff_mean: clean(row.mean),
        diff_worst: clean(row.worst),
        diff_worst_p10: clean(row.worst_p10),
        fraction_beats: clean(row.beats),
        fraction_positive: clean(row.positive),
        fraction_negative: clean(row.negative),
    };
    // Each row summarises every point: there is no point column.
    (None, named)
}

fn named_rows<'a>(
    run: &'a RunPoints,
    rows: &[RobustnessRow],
) -> Vec<(Option<usize>, RobustnessCsvRow<'a>)> {
    // Names and dates are the same at every point.
    rows.iter().map(|r| named(&run.points[0], r)).collect()
}

/// `robustness.csv` as bytes: the header, then one line per row, in the rows' order.
pub fn robustness_csv(run: &RunPoints, rows: &[RobustnessRow]) -> Result<Vec<u8>> {
    csv_bytes(
        ROBUSTNESS_FILE,
        RobustnessCsvRow::COLUMNS,
        &named_rows(run, rows),
    )
}

/// `robustness.csv`'s rows as the bytes of the robustness file of a folder whose tables are
/// in `format`.
pub(crate) fn robustness_file(
    run: &RunPoints,
    rows: &[RobustnessRow],
    format: TableFormat,
) -> Result<Vec<u8>> {
    robustness_file_named(&run.points[0], rows, format)
}

/// As [`robustness_file`], its rows named by `names` (any point's data: names and dates are
/// the same at every point).
pub(super) fn robustness_file_named(
    names: &RunData,
    rows: &[RobustnessRow],
    format: TableFormat,
) -> Result<Vec<u8>> {
    let named: Vec<_> = rows.iter().map(|r| named(names, r)).collect();
    table_bytes(format, ROBUSTNESS_FILE, RobustnessCsvRow::COLUMNS, &named)
}

/// The rows as a JSON array of objects with the CSV's keys, `null` where undefined.
pub fn robustness_json(run: &RunPoints, rows: &[RobustnessRow]) -> Vec<u8> {
    json_bytes(&named_rows(run, rows))
}

/// A fraction of points as a whole percent.
fn points_percent(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

/// A section of robustness rows, labelled as [`robustness_table`] shows them.
fn section(title: String) -> Section {
    Section {
        title,
        header: vec![
            "",
            "variant",
            "better",
            "mean",
            "worst",
            "10% worst",
            "beats",
            "> 0",
            "< 0",
        ],
        right: vec![false, false, false, true, true, true, true, true, true],
        rows: Vec::new(),
    }
}

/// A row of a section; the label shows on the first variant's row only, so that the
/// variants under it read as a group.
fn cells(
    data: &RunData,
    row: &RobustnessRow,
    label: &str,
    format: fn(f64) -> String,
) -> Vec<String> {
    let first = row.arm == 1;
    vec![
        if first { label.into() } else { String::new() },
        data.arms[row.arm].clone(),
        row.better.name().into(),
        format(row.mean),
        format(row.worst),
        format(row.worst_p10),
        points_percent(row.beats),
        points_percent(row.positive),
        points_percent(row.negative),
    ]
}

/// The sections printed for one segment.
fn sections(data: &RunData, rows: &[RobustnessRow], segment: usize) -> Vec<Section> {
    let rows: Vec<&RobustnessRow> = rows.iter().filter(|r| r.segment == segment).collect();
    let mut sections = Vec::new();
    // Shares, one section per step that has them (the last step, then --at).
    let mut share_steps: Vec<u32> = Vec::new();
    for step in rows
        .iter()
        .filter(|r| r.metric.at_step())
        .filter_map(|r| r.step)
    {
        if !share_steps.contains(&step) {
            share_steps.push(step);
        }
    }
    for step in share_steps {
        for usage in [false, true] {
            let at_step: Vec<&&RobustnessRow> = rows
                .iter()
                .filter(|r| {
                    r.step == Some(step) && r.metric.at_step() && r.metric.of_usage() == usage
                })
                .collect();
            if at_step.is_empty() {
                continue;
            }
            let mut shares = section(format!(
                "Share of {} at {} (step {step}): difference, percentage points",
                if usage { "usage" } else { "agents" },
                data.dates[step as usize]
            ));
            for row in at_step {
                let label = row_label(row.metric, row.state, data);
                shares.rows.push(cells(data, row, label, percent));
            }
            sections.push(shares);
        }
    }

    let mut crossing = section(
        "Domestic share above 50%: difference in the replicates that cross, percentage points"
            .into(),
    );
    for row in rows.iter().filter(|r| r.metric == Metric::DomesticCrossing) {
        crossing.rows.push(cells(data, row, "crossing", percent));
    }
    sections.push(crossing);

    let mut unserved = section(
        "Unserved: difference in peak share (percentage points) and exposure (agent-steps)".into(),
    );
    for row in rows.iter().filter(|r| r.metric == Metric::PeakUnserved) {
        unserved.rows.push(cells(data, row, "peak", percent));
    }
    for row in rows
        .iter()
        .filter(|r| r.metric == Metric::UnservedExposure && r.state == Some(UNSERVED))
    {
        unserved.rows.push(cells(data, row, "exposure", count));
    }
    sections.push(unserved);

    let mut switches = section("Switches away from each provider: difference, agents".into());
    for row in rows.iter().filter(|r| r.metric == Metric::SwitchesAway) {
        let label = row.state.map_or("", |k| data.states[k].as_str());
        switches.rows.push(cells(data, row, label, count));
    }
    sections.push(switches);
    sections
}

/// The robustness of one segment (`segments.len()` is `all`) as text or Markdown tables, of
/// a folder whose tables are in `format` (the legend names its metrics file).
pub fn robustness_table(
    run: &RunPoints,
    rows: &[RobustnessRow],
    segment: usize,
    layout: Layout,
    format: TableFormat,
) -> String {
    let metrics_file = format.file(METRICS_FILE);
    let data = &run.points[0];
    let points = run.points.len();
    let heading = format!(
        "Robustness across {points} sweep point{}: {}, segment {}, {} replicate{} per point",
        if points == 1 { "" } else { "s" },
        data.scenario,
        data.segment_name(segment),
        data.replicates(),
        if data.replicates() == 1 { "" } else { "s" }
    );
    let swept = run
        .sweep
        .as_ref()
        .map_or(String::new(), |s| s.parameters.join(", "));
    let legend = format!(
        "diff = variant - baseline at each point, paired by replicate. Across the points: the \
         mean diff, the worst point, the 10th percentile from the worst end, and the fraction \
         of points where the variant beats the baseline, where diff is above 0 and where it \
         is below 0. better: {} where less is better; {} where no direction is natural, read \
         as if higher were better (worst is the lowest diff, beats means above). Swept: \
         {swept}. Each point's metrics are in {metrics_file}.",
        Better::Lower.name(),
        Better::Neither.name()
    );
    // With the baseline alone there is no difference to summarise.
    let legend = if rows.is_empty() {
        format!(
            "No variant ran besides the baseline, so there is no difference to summarise; \
             each point's metrics are in {metrics_file}."
        )
    } else {
        legend
    };
    let sections = if rows.is_empty() {
        Vec::new()
    } else {
        sections(data, rows, segment)
    };
    render(&heading, &legend, &sections, layout)
}
