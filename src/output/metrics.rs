//! `metrics.csv` and the views of it that `compare` prints: CSV, JSON, an aligned text table
//! that reads at 100 columns, and Markdown to paste into a report. With a sweep, every row
//! starts with its point; `robustness.csv` and its views are in [`super::robustness`].
//!
//! The numbers come from [`crate::compare`]; this module only names and formats them.

use super::files::{METRICS_FILE, TableFormat};
use super::format::{
    Layout, Section, clean, count, csv_bytes, json_bytes, percent, render, row_label,
};
use super::rows::{MetricsRow, header, table_bytes};
use crate::compare::{Metric, MetricRow, RunData, RunPoints, UNSERVED};
use crate::error::Result;

pub(super) fn named<'a>(data: &'a RunData, row: &MetricRow) -> MetricsRow<'a> {
    MetricsRow {
        variant: &data.arms[row.arm],
        segment: data.segment_name(row.segment),
        metric: row.metric.name(),
        state: row.state.map(|k| data.state_name(row.metric, k)),
        step: row.step,
        date: row.step.map(|s| data.dates[s as usize].to_string()),
        unit: row.metric.unit(),
        mean: clean(row.mean),
        ci95_low: row.ci95.map(|c| clean(c.0)),
        ci95_high: row.ci95.map(|c| clean(c.1)),
        diff_mean: row.diff.map(|d| clean(d.0)),
        diff_ci95_low: row.diff.map(|d| clean(d.1)),
        diff_ci95_high: row.diff.map(|d| clean(d.2)),
        unpaired_ci95_low: row.unpaired.map(|u| clean(u.0)),
        unpaired_ci95_high: row.unpaired.map(|u| clean(u.1)),
    }
}

/// The rows of every point, named, with their point when the run is swept.
fn named_rows<'a>(
    run: &'a RunPoints,
    metrics: &[Vec<MetricRow>],
) -> Vec<(Option<usize>, MetricsRow<'a>)> {
    let swept = run.sweep.is_some();
    metrics
        .iter()
        .enumerate()
        .flat_map(|(point, rows)| {
            let data = &run.points[point];
            rows.iter()
                .map(move |row| (swept.then_some(point), named(data, row)))
        })
        .collect()
}

/// `metrics.csv` as bytes: the header, then one line per row, point by point (`metrics[p]`
/// holds point p's rows); with a sweep every line starts with its point.
pub fn metrics_csv(run: &RunPoints, metrics: &[Vec<MetricRow>]) -> Result<Vec<u8>> {
    let header = header::<MetricsRow>(run.sweep.is_some());
    csv_bytes(METRICS_FILE, &header, &named_rows(run, metrics))
}

/// `metrics.csv`'s rows as the bytes of the metrics file of a folder whose tables are in
/// `format`.
pub(crate) fn metrics_file(
    run: &RunPoints,
    metrics: &[Vec<MetricRow>],
    format: TableFormat,
) -> Result<Vec<u8>> {
    let header = header::<MetricsRow>(run.sweep.is_some());
    table_bytes(format, METRICS_FILE, &header, &named_rows(run, metrics))
}

/// The rows as a JSON array of objects with the CSV's keys, `null` where undefined.
pub fn metrics_json(run: &RunPoints, metrics: &[Vec<MetricRow>]) -> Vec<u8> {
    json_bytes(&named_rows(run, metrics))
}

/// The three value cells of a row: `mean ± half`, `diff ± half` and `± unpaired half`.
/// Student-t and Welch intervals are symmetric, so a half-width says all of it.
fn value_cells(row: &MetricRow, format: fn(f64) -> String) -> [String; 3] {
    let half = |(low, high): (f64, f64)| format((high - low) / 2.0);
    let mean = match row.ci95 {
        Some(ci) => format!("{} ± {}", format(row.mean), half(ci)),
        None => format(row.mean),
    };
    let diff = row.diff.map_or(String::new(), |(d, low, high)| {
        format!("{} ± {}", format(d), half((low, high)))
    });
    let unpaired = row
        .unpaired
        .map_or(String::new(), |ci| format!("± {}", half(ci)));
    [mean, diff, unpaired]
}

fn date_and_step(data: &RunData, step: Option<u32>) -> String {
    step.map_or("never".into(), |s| {
        format!("{} (step {s})", data.dates[s as usize])
    })
}

/// The sections printed for one segment.
fn sections(data: &RunData, rows: &[MetricRow], segment: usize) -> Vec<Section> {
    let rows: Vec<&MetricRow> = rows.iter().filter(|r| r.segment == segment).collect();
    let values_header = vec!["", "variant", "mean", "diff paired", "unpaired"];
    let values_right = vec![false, false, true, true, true];
    let mut sections = Vec::new();

    // Shares, one section per step that has them (the last step, then --at).
    let mut share_steps: Vec<u32> = Vec::new();
    for r in &rows {
        if r.metric.at_step() && !share_steps.contains(&r.step.unwrap_or(0)) {
            share_steps.push(r.step.unwrap_or(0));
        }
    }
    for step in share_steps {
        for usage in [false, true] {
            let at_step: Vec<&&MetricRow> = rows
                .iter()
                .filter(|r| {
                    r.step == Some(step) && r.metric.at_step() && r.metric.of_usage() == usage
                })
                .collect();
            if at_step.is_empty() {
                continue;
            }
            let mut section = Section {
                title: format!(
                    "Share of {} at {} (step {step}), %",
                    if usage { "usage" } else { "agents" },
                    data.dates[step as usize]
                ),
                header: values_header.clone(),
                right: values_right.clone(),
                rows: Vec::new(),
            };
            let mut groups = Groups::default();
            for row in at_step {
                let label = groups.label(row, row_label(row.metric, row.state, data));
                section.rows.push(labelled(data, row, label, percent));
            }
            sections.push(section);
        }
    }

    let mut when = Section {
        title: "When (medians over replicates)".into(),
        header: vec!["variant", "domestic > 50%", "crossed", "unserved peaks"],
        right: vec![false, false, true, false],
        rows: Vec::new(),
    };
    for arm in 0..data.arms.len() {
        let find = |metric| rows.iter().find(|r| r.arm == arm && r.metric == metric);
        let (Some(crossing), Some(peak)) =
            (find(Metric::DomesticCrossing), find(Metric::PeakUnserved))
        else {
            continue;
        };
        let crossed = (crossing.mean * f64::from(data.replicates())).round();
        when.rows.push(vec![
            data.arms[arm].clone(),
            date_and_step(data, crossing.step),
            format!("{crossed}/{}", data.replicates()),
            date_and_step(data, peak.step),
        ]);
    }
    sections.push(when);

    let mut unserved = Section {
        title: "Unserved: peak share (%) and exposure (agent-steps)".into(),
        header: values_header.clone(),
        right: values_right.clone(),
        rows: Vec::new(),
    };
    let mut groups = Groups::default();
    for row in rows.iter().filter(|r| r.metric == Metric::PeakUnserved) {
        let label = groups.label(row, "peak %");
        unserved.rows.push(labelled(data, row, label, percent));
    }
    for row in rows
        .iter()
        .filter(|r| r.metric == Metric::UnservedExposure && r.state == Some(UNSERVED))
    {
        let label = groups.label(row, "exposure");
        unserved.rows.push(labelled(data, row, label, count));
    }
    sections.push(unserved);

    let mut switches = Section {
        title: "Switches away from each provider over the horizon (agents)".into(),
        header: values_header,
        right: values_right,
        rows: Vec::new(),
    };
    let mut groups = Groups::default();
    for row in rows.iter().filter(|r| r.metric == Metric::SwitchesAway) {
        let label = groups.label(row, row.state.map_or("", |k| data.states[k].as_str()));
        switches.rows.push(labelled(data, row, label, count));
    }
    sections.push(switches);
    sections
}

/// The rows of a values section as groups, one per metric and state: a group's label shows
/// on its first row only, so that the variants under it read as a group (the baseline's row
/// when it is shown, else the first variant's).
#[derive(Default)]
struct Groups {
    last: Option<(Metric, Option<usize>)>,
}

impl Groups {
    /// `label` when `row` starts a group, else empty.
    fn label<'a>(&mut self, row: &MetricRow, label: &'a str) -> &'a str {
        let key = Some((row.metric, row.state));
        let first = self.last != key;
        self.last = key;
        if first { label } else { "" }
    }
}

/// A row of a values section, with its label (empty within a group).
fn labelled(
    data: &RunData,
    row: &MetricRow,
    label: &str,
    format: fn(f64) -> String,
) -> Vec<String> {
    let [mean, diff, unpaired] = value_cells(row, format);
    vec![
        label.into(),
        data.arms[row.arm].clone(),
        mean,
        diff,
        unpaired,
    ]
}

/// The metrics of one segment (`segments.len()` is `all`) as text or Markdown tables.
pub fn metrics_table(data: &RunData, rows: &[MetricRow], segment: usize, layout: Layout) -> String {
    let heading = format!(
        "Policy metrics: {}, segment {}, {} replicate{}",
        data.scenario,
        data.segment_name(segment),
        data.replicates(),
        if data.replicates() == 1 { "" } else { "s" }
    );
    let legend = "mean ± 95% half-width over replicates; diff = variant - baseline, paired by \
                  replicate (common random numbers), with the unpaired (Welch) half-width \
                  beside it; simulation noise only, not the uncertainty of the scenario's \
                  assumed parameters (a [sweep] shows that)";
    // Markdown ends the legend as a sentence.
    let legend = match layout {
        Layout::Text => legend.to_owned(),
        Layout::Markdown => format!("{legend}."),
    };
    render(&heading, &legend, &sections(data, rows, segment), layout)
}
