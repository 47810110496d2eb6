//! `metrics.csv` and the views of it that `compare` prints: CSV, JSON, an aligned text table
//! that reads at 100 columns, and Markdown to paste into a report. With a sweep, every row
//! starts with its point; `robustness.csv` and its views are in [`super::robustness`].
//!
//! The numbers come from [`crate::compare`]; this module only names and formats them.

use crate::compare::{Compared, Metric, MetricRow, RunData, RunPoints, UNSERVED};
use crate::error::{Error, Result};
use serde::Serialize;

/// The columns of `metrics.csv` (contract 9).
pub const METRICS_HEADER: [&str; 15] = [
    "variant",
    "segment",
    "metric",
    "state",
    "step",
    "date",
    "unit",
    "mean",
    "ci95_low",
    "ci95_high",
    "diff_mean",
    "diff_ci95_low",
    "diff_ci95_high",
    "unpaired_ci95_low",
    "unpaired_ci95_high",
];

/// Turns -0 into 0 (contract 6); the statistics of finite counts are finite.
pub(super) fn clean(x: f64) -> f64 {
    debug_assert!(x.is_finite(), "non-finite metric");
    if x == 0.0 { 0.0 } else { x }
}

/// One row as written: names instead of indices, empty (or null) where undefined; the
/// `point` column only with a sweep.
#[derive(Serialize)]
struct Row<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    point: Option<usize>,
    variant: &'a str,
    segment: &'a str,
    metric: &'a str,
    state: Option<&'a str>,
    step: Option<u32>,
    date: Option<String>,
    unit: &'a str,
    mean: f64,
    ci95_low: Option<f64>,
    ci95_high: Option<f64>,
    diff_mean: Option<f64>,
    diff_ci95_low: Option<f64>,
    diff_ci95_high: Option<f64>,
    unpaired_ci95_low: Option<f64>,
    unpaired_ci95_high: Option<f64>,
}

fn named<'a>(data: &'a RunData, point: Option<usize>, row: &MetricRow) -> Row<'a> {
    Row {
        point,
        variant: &data.arms[row.arm],
        segment: data.segment_name(row.segment),
        metric: row.metric.name(),
        state: row.state.map(|k| data.states[k].as_str()),
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
fn named_rows<'a>(run: &'a RunPoints, metrics: &[Vec<MetricRow>]) -> Vec<Row<'a>> {
    let swept = run.sweep.is_some();
    metrics
        .iter()
        .enumerate()
        .flat_map(|(point, rows)| {
            let data = &run.points[point];
            rows.iter()
                .map(move |row| named(data, swept.then_some(point), row))
        })
        .collect()
}

/// A CSV file as bytes: `header`, then one line per row (serialised in header order).
pub(super) fn csv_bytes<R: Serialize>(file: &str, header: &[&str], rows: &[R]) -> Result<Vec<u8>> {
    let fail = |e: csv::Error| Error::io(format!("formatting {file}"), e.into());
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .has_headers(false)
        .from_writer(Vec::new());
    // Written by hand, so that a file with no rows still has its header.
    w.write_record(header).map_err(fail)?;
    for row in rows {
        w.serialize(row).map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| Error::io(format!("formatting {file}"), e.into_error()))
}

/// Rows as a JSON array of objects with the CSV's keys, `null` where undefined.
pub(super) fn json_bytes<R: Serialize>(rows: &[R]) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(rows).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// `metrics.csv` as bytes: the header, then one line per row, point by point (`metrics[p]`
/// holds point p's rows); with a sweep every line starts with its point.
pub fn metrics_csv(run: &RunPoints, metrics: &[Vec<MetricRow>]) -> Result<Vec<u8>> {
    let mut header = Vec::from(METRICS_HEADER);
    if run.sweep.is_some() {
        header.insert(0, "point");
    }
    csv_bytes(METRICS_FILE, &header, &named_rows(run, metrics))
}

/// The rows as a JSON array of objects with the CSV's keys, `null` where undefined.
pub fn metrics_json(run: &RunPoints, metrics: &[Vec<MetricRow>]) -> Vec<u8> {
    json_bytes(&named_rows(run, metrics))
}

/// How a printed table is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Columns aligned with spaces, for a terminal.
    Text,
    /// GitHub-flavoured Markdown tables, for a report.
    Markdown,
}

/// A titled table with its own columns.
pub(super) struct Section {
    pub(super) title: String,
    pub(super) header: Vec<&'static str>,
    /// Right-aligned columns (numbers).
    pub(super) right: Vec<bool>,
    pub(super) rows: Vec<Vec<String>>,
}

/// A number as printed, without the sign of a value that rounds to zero ("-0.00").
fn unsigned_zero(text: String) -> String {
    match text.strip_prefix('-') {
        Some(rest)
            if rest
                .chars()
                .all(|c| matches!(c, '0' | '.' | ' ' | 'k' | 'M')) =>
        {
            rest.to_owned()
        }
        _ => text,
    }
}

/// A share as percent with two decimals.
pub(super) fn percent(x: f64) -> String {
    unsigned_zero(format!("{:.2}", 100.0 * x))
}

/// A count of agents or agent-steps, in k or M past ten thousand.
pub(super) fn count(x: f64) -> String {
    unsigned_zero(match x.abs() {
        a if a >= 1e6 => format!("{:.2} M", x / 1e6),
        a if a >= 1e4 => format!("{:.1} k", x / 1e3),
        _ => format!("{x:.0}"),
    })
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
        if r.metric == Metric::Share && !share_steps.contains(&r.step.unwrap_or(0)) {
            share_steps.push(r.step.unwrap_or(0));
        }
    }
    for step in share_steps {
        let mut section = Section {
            title: format!(
                "Share of agents at {} (step {step}), %",
                data.dates[step as usize]
            ),
            header: values_header.clone(),
            right: values_right.clone(),
            rows: Vec::new(),
        };
        let at_step = rows.iter().filter(|r| {
            r.step == Some(step)
                && matches!(
                    r.metric,
                    Metric::Share | Metric::DomesticShare | Metric::ForeignShare
                )
        });
        for row in at_step {
            let label = match row.metric {
                Metric::DomesticShare => "domestic (cn)",
                Metric::ForeignShare => "foreign",
                _ => row.state.map_or("", |k| data.states[k].as_str()),
            };
            section.rows.push(labelled(data, row, label, percent));
        }
        sections.push(section);
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
        let crossed = (crossing.mean * f64::from(data.replicates)).round();
        when.rows.push(vec![
            data.arms[arm].clone(),
            date_and_step(data, crossing.step),
            format!("{crossed}/{}", data.replicates),
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
    for row in rows.iter().filter(|r| r.metric == Metric::PeakUnserved) {
        unserved.rows.push(labelled(data, row, "peak %", percent));
    }
    for row in rows
        .iter()
        .filter(|r| r.metric == Metric::UnservedExposure && r.state == Some(UNSERVED))
    {
        unserved.rows.push(labelled(data, row, "exposure", count));
    }
    sections.push(unserved);

    let mut switches = Section {
        title: "Switches away from each provider over the horizon (agents)".into(),
        header: values_header,
        right: values_right,
        rows: Vec::new(),
    };
    for row in rows.iter().filter(|r| r.metric == Metric::SwitchesAway) {
        let label = row.state.map_or("", |k| data.states[k].as_str());
        switches.rows.push(labelled(data, row, label, count));
    }
    sections.push(switches);
    sections
}

/// A row of a values section; the label shows on the baseline's row only, so that the
/// variants under it read as a group.
fn labelled(
    data: &RunData,
    row: &MetricRow,
    label: &str,
    format: fn(f64) -> String,
) -> Vec<String> {
    let [mean, diff, unpaired] = value_cells(row, format);
    let label = if row.arm == 0 { label } else { "" };
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
    let mut out = String::new();
    let heading = format!(
        "Policy metrics: {}, segment {}, {} replicate{}",
        data.scenario,
        data.segment_name(segment),
        data.replicates,
        if data.replicates == 1 { "" } else { "s" }
    );
    let legend = "mean ± 95% half-width over replicates; diff = variant - baseline, paired by \
                  replicate (common random numbers), with the unpaired (Welch) half-width \
                  beside it";
    match layout {
        Layout::Text => {
            out.push_str(&heading);
            out.push('\n');
            out.push_str(&wrap(legend, 100));
        }
        Layout::Markdown => {
            out.push_str(&format!("## {heading}\n\n{legend}.\n"));
        }
    }
    for section in sections(data, rows, segment) {
        out.push('\n');
        match layout {
            Layout::Text => text_table(&mut out, &section),
            Layout::Markdown => markdown_table(&mut out, &section),
        }
    }
    out
}

/// `text` wrapped at `width` columns.
pub(super) fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

pub(super) fn text_table(out: &mut String, section: &Section) {
    let columns = section.header.len();
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            section
                .rows
                .iter()
                .map(|r| r[c].chars().count())
                .chain([section.header[c].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    out.push_str(&section.title);
    out.push('\n');
    let mut line = |cells: &[String]| {
        let mut text = String::new();
        for (c, cell) in cells.iter().enumerate() {
            if c > 0 {
                text.push_str("  ");
            }
            let pad = widths[c] - cell.chars().count();
            if section.right[c] {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(
        &section
            .header
            .iter()
            .map(|h| h.to_string())
            .collect::<Vec<_>>(),
    );
    for row in &section.rows {
        line(row);
    }
}

pub(super) fn markdown_table(out: &mut String, section: &Section) {
    out.push_str(&format!("### {}\n\n", section.title));
    out.push_str(&format!("| {} |\n", section.header.join(" | ")));
    let rule: Vec<&str> = section
        .right
        .iter()
        .map(|&r| if r { "---:" } else { "---" })
        .collect();
    out.push_str(&format!("| {} |\n", rule.join(" | ")));
    for row in &section.rows {
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
}

/// The step `--at DATE` names: the first on or after `date`; refused past the last step.
pub fn at_step(data: &RunData, at: Option<chrono::NaiveDate>) -> Result<Option<u32>> {
    let Some(date) = at else {
        return Ok(None);
    };
    let step = data.step_on_or_after(date).ok_or_else(|| {
        crate::error::InputError::new(format!(
            "{date} is after the last step's date, {}",
            data.dates[data.dates.len() - 1]
        ))
        .in_origin("--at")
    })?;
    Ok(Some(step))
}

/// Writes what `compare` computed into the output folder `dir`, each file by way of a
/// temporary file: `metrics.csv`, and for a swept run `robustness.csv`.
pub fn write_compared(dir: &std::path::Path, run: &RunPoints, compared: &Compared) -> Result<()> {
    let bytes = metrics_csv(run, &compared.metrics)?;
    super::write_file_atomically(&dir.join(METRICS_FILE), &bytes)?;
    if let Some(rows) = &compared.robustness {
        let bytes = super::robustness::robustness_csv(run, rows)?;
        super::write_file_atomically(&dir.join(super::robustness::ROBUSTNESS_FILE), &bytes)?;
    }
    Ok(())
}

/// `compare`'s work on an output folder: reads it back (every sweep point), computes the
/// metrics (with the shares at the first step on or after `at`, if given) and their
/// robustness across points when swept, and writes `metrics.csv` (and `robustness.csv`)
/// into it. `run` and `merge` call it on their staging folder before the commit.
pub fn compare_folder(
    dir: &std::path::Path,
    at: Option<chrono::NaiveDate>,
) -> Result<(RunPoints, Compared)> {
    let run = super::read::load_run(dir)?;
    let at = at_step(&run.points[0], at)?;
    let compared = crate::compare::compare(&run, at);
    write_compared(dir, &run, &compared)?;
    Ok((run, compared))
}

/// The file [`compare_folder`] writes.
pub const METRICS_FILE: &str = "metrics.csv";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_that_round_to_zero_lose_their_sign() {
        assert_eq!(percent(-0.00001), "0.00");
        assert_eq!(percent(-0.0123), "-1.23");
        assert_eq!(count(-0.3), "0");
        assert_eq!(count(-12_345.0), "-12.3 k");
        assert_eq!(count(2_500_000.0), "2.50 M");
    }
}
