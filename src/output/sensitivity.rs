//! `sensitivity.csv` (runs of a `[sensitivity]` design only) and the ranked table that
//! `blockade sensitivity` prints.
//!
//! The numbers come from [`crate::sensitivity::analyse`], over the metrics [`super::compare_folder`]
//! computed; this module reads the analysis's settings from the folder's run.json (so that
//! `merge` analyses a merged folder exactly as the run would have), names the rows and formats
//! them.

use super::files::SENSITIVITY_FILE;
use super::format::{Layout, Section, csv_bytes, render, row_label};
use super::read;
use super::rows::{Row, RowReader, refuse};
use super::staging::write_file_atomically;
use crate::compare::{Compared, RunData, RunPoints};
use crate::error::Result;
use crate::sensitivity::{Index, Method, NamedIndexRow, SensitivityRow, Settings, analyse};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A row of `sensitivity.csv`, named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SensitivityCsvRow<'a> {
    pub(crate) variant: &'a str,
    pub(crate) segment: &'a str,
    pub(crate) metric: &'a str,
    pub(crate) state: Option<&'a str>,
    pub(crate) step: Option<u32>,
    pub(crate) date: Option<String>,
    pub(crate) unit: &'a str,
    pub(crate) parameter: Option<&'a str>,
    pub(crate) index: &'a str,
    pub(crate) value: Option<f64>,
    pub(crate) low: Option<f64>,
    pub(crate) high: Option<f64>,
    pub(crate) below_noise: Option<bool>,
}

impl Row for SensitivityCsvRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "variant",
        "segment",
        "metric",
        "state",
        "step",
        "date",
        "unit",
        "parameter",
        "index",
        "value",
        "low",
        "high",
        "below_noise",
    ];
}

/// A finite number as written (-0 as 0), or empty.
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(if x == 0.0 { 0.0 } else { x })
}

/// What a run's folder analyses: its `[sensitivity]` settings, read from run.json, when it
/// has one.
pub fn sensitivity_settings(dir: &Path) -> Result<Option<Settings>> {
    Ok(read::manifest(dir)?.resolved.sensitivity)
}

/// The analysis of the output folder `dir` when its run.json holds `[sensitivity]`
/// settings: every point's metrics read back from its metrics file (or, when the run wrote
/// none, computed from its counts), and the rows of every analysed series written to
/// `sensitivity.csv` in `dir`. `run` and `merge` call it on their staging folder once its
/// tables are written.
pub fn analyse_folder(dir: &Path) -> Result<Option<(RunPoints, Settings, Vec<SensitivityRow>)>> {
    let Some(settings) = sensitivity_settings(dir)? else {
        return Ok(None);
    };
    let (run, compared) = match read::wrote(&read::manifest(dir)?, "metrics") {
        true => {
            let (run, metrics) = read::load_metrics(dir)?;
            let compared = Compared {
                metrics,
                robustness: None,
            };
            (run, compared)
        }
        false => {
            let run = read::load_run(dir)?;
            let compared = crate::compare::compare(&run, None);
            (run, compared)
        }
    };
    let rows = sensitivity_rows(&settings, &run, &compared);
    write_file_atomically(&dir.join(SENSITIVITY_FILE), &sensitivity_csv(&run, &rows)?)?;
    Ok(Some((run, settings, rows)))
}

/// The rows of the analysis `settings` asks for, over the run's points and metrics.
pub fn sensitivity_rows(
    settings: &Settings,
    run: &RunPoints,
    compared: &Compared,
) -> Vec<SensitivityRow> {
    let data = &run.points[0];
    let parameters = run.sweep.as_ref().map_or(0, |s| s.parameters.len());
    let segments: Vec<usize> = data
        .segments_and_all()
        .filter(|&s| settings.segments.iter().any(|n| n == data.segment_name(s)))
        .collect();
    analyse(
        settings,
        parameters,
        &compared.metrics,
        &segments,
        data.replicates(),
    )
}

fn named<'a>(run: &'a RunPoints, row: &SensitivityRow) -> (Option<usize>, SensitivityCsvRow<'a>) {
    let data = &run.points[0];
    let parameter = row
        .parameter
        .and_then(|j| run.sweep.as_ref().map(|s| s.parameters[j].as_str()));
    let named = SensitivityCsvRow {
        variant: &data.arms[row.arm],
        segment: data.segment_name(row.segment),
        metric: row.metric.name(),
        state: row.state.map(|k| data.state_name(row.metric, k)),
        step: row.step,
        date: row.step.map(|s| data.dates[s as usize].to_string()),
        unit: row.metric.unit(),
        parameter,
        index: row.index.name(),
        value: finite(row.value),
        low: row.interval.and_then(|i| finite(i.0)),
        high: row.interval.and_then(|i| finite(i.1)),
        below_noise: row.below_noise,
    };
    (None, named)
}

/// `sensitivity.csv` as bytes: the header, then one line per row, in the rows' order.
pub fn sensitivity_csv(run: &RunPoints, rows: &[SensitivityRow]) -> Result<Vec<u8>> {
    let named: Vec<_> = rows.iter().map(|r| named(run, r)).collect();
    csv_bytes(SENSITIVITY_FILE, SensitivityCsvRow::COLUMNS, &named)
}

/// Reads `sensitivity.csv` of the output folder `dir` back, row by row by name; refused
/// (naming the file) when the folder has none or the file is not as blockade writes it.
pub fn read_sensitivity(dir: &Path) -> Result<Vec<NamedIndexRow>> {
    let path = dir.join(SENSITIVITY_FILE);
    if !path.is_file() {
        return Err(refuse(
            &path,
            "not found: the run was not a sensitivity analysis (blockade sensitivity FILE, or \
             run with [sensitivity] in the file, writes it)",
        ));
    }
    let mut reader = RowReader::open::<SensitivityCsvRow>(&path, false)?;
    let mut rows = Vec::new();
    while let Some((_, row, _)) = reader.next::<SensitivityCsvRow>()? {
        rows.push(NamedIndexRow {
            variant: row.variant.to_owned(),
            segment: row.segment.to_owned(),
            metric: row.metric.to_owned(),
            state: row.state.map(str::to_owned),
            date: row.date,
            parameter: row.parameter.map(str::to_owned),
            index: row.index.to_owned(),
            value: row.value,
            interval: row.low.zip(row.high),
            below_noise: row.below_noise,
        });
    }
    Ok(rows)
}

/// A number to three significant decimals, as the table prints indices.
fn short(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        "-".into()
    }
}

/// The ranked table: per analysed series (variant, segment, metric, state), the parameters
/// from the most to the least influential (by total index, or by mu*), each with its
/// interval, and the noise the indices are set against.
pub fn sensitivity_table(
    run: &RunPoints,
    settings: &Settings,
    rows: &[SensitivityRow],
    layout: Layout,
) -> String {
    let data: &RunData = &run.points[0];
    let parameters: Vec<&str> = run.sweep.as_ref().map_or(Vec::new(), |s| {
        s.parameters.iter().map(String::as_str).collect()
    });
    let method = settings.method();
    let points = run.points.len();
    let heading = format!(
        "Sensitivity ({}) of {}: {} parameters, {points} points × {} replicates",
        method.name(),
        data.scenario,
        parameters.len(),
        data.replicates()
    );
    let (ranked_by, columns): (Index, &[Index]) = match method {
        Method::Sobol => (Index::Total, &[Index::Total, Index::FirstOrder]),
        Method::Morris => (Index::MuStar, &[Index::MuStar, Index::Mu, Index::Sigma]),
    };
    let legend = format!(
        "Each variant's value is its paired effect (variant - baseline at the same point, mean \
         over replicates); the baseline's is its mean. Parameters are ranked by {}. \
         [low-high] is a 95% bootstrap interval over the design's {} ({} resamples): the \
         estimate's error from the finite design, simulation noise included; the spread of \
         the parameters themselves is what the indices apportion. noise: {}; a parameter \
         marked * is below it, indistinguishable from the replicates' noise.",
        ranked_by.name(),
        match method {
            Method::Sobol => "base samples",
            Method::Morris => "trajectories",
        },
        settings.bootstrap,
        match method {
            Method::Sobol =>
                "the share of the variance across points that replicate noise \
                              accounts for (an upper bound: replicates share their random \
                              numbers across points)",
            Method::Morris => "the mu* that replicate noise alone would give (an upper bound)",
        }
    );
    let mut sections = Vec::new();
    let mut start = 0;
    while start < rows.len() {
        let key = &rows[start];
        let end = rows[start..]
            .iter()
            .position(|r| {
                (r.arm, r.segment, r.metric, r.state, r.step)
                    != (key.arm, key.segment, key.metric, key.state, key.step)
            })
            .map_or(rows.len(), |n| start + n);
        let series = &rows[start..end];
        start = end;
        let noise = series
            .iter()
            .find(|r| {
                r.index
                    == match method {
                        Method::Sobol => Index::NoiseShare,
                        Method::Morris => Index::NoiseMuStar,
                    }
            })
            .map_or(f64::NAN, |r| r.value);
        let mut ranked: Vec<&SensitivityRow> =
            series.iter().filter(|r| r.index == ranked_by).collect();
        ranked.sort_by(|a, b| b.value.total_cmp(&a.value));
        let mut header = vec!["parameter"];
        header.extend(columns.iter().map(|c| c.name()));
        let mut section = Section {
            title: format!(
                "{}, segment {}, {}{}: noise {}",
                data.arms[key.arm],
                data.segment_name(key.segment),
                row_label(key.metric, key.state, data),
                if key.arm == 0 { "" } else { " (effect)" },
                short(noise)
            ),
            right: header.iter().map(|&h| h != "parameter").collect(),
            header,
            rows: Vec::new(),
        };
        for top in ranked {
            let j = top.parameter.unwrap_or(0);
            let mut cells = vec![parameters.get(j).copied().unwrap_or("").to_owned()];
            for &column in columns {
                let cell = series
                    .iter()
                    .find(|r| r.parameter == Some(j) && r.index == column)
                    .map_or(String::new(), |r| {
                        let (low, high) = r.interval.unwrap_or((f64::NAN, f64::NAN));
                        format!(
                            "{} [{}-{}]{}",
                            short(r.value),
                            short(low),
                            short(high),
                            if r.below_noise == Some(true) {
                                " *"
                            } else {
                                ""
                            }
                        )
                    });
                cells.push(cell);
            }
            section.rows.push(cells);
        }
        sections.push(section);
    }
    render(&heading, &legend, &sections, layout)
}
