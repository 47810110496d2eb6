//! Writing a run's tables point by point (docs/FORMAT.md, Output files). The runner hands
//! over each sweep point's results as soon as its last task ends, in point order
//! ([`crate::runner::run_points`]); [`PointWriter`] appends that point's rows to every table
//! asked for, computes its metrics from the same counts a reader of the files would find, and
//! keeps only its metric values ([`MetricsByPoint`]), so that a run holds a few points at a
//! time whatever the number of points. After the last point, those values give
//! `robustness.csv`: [`PointWriter::finish`] returns them, the one place where every point's
//! metric values are available together.

use super::files::{ADOPTION, COMPARISON, FLOWS, METRICS_FILE, ROBUSTNESS_FILE, SUMMARY, USAGE};
use super::manifest::RunManifest;
use super::metrics::named;
use super::partial::Resume;
use super::read::{point_names, read_metric_rows};
use super::robustness::robustness_file_named;
use super::rows::{
    AdoptionRow, ComparisonRow, FlowRow, MetricsRow, Row, RowWriter, SummaryRow, UsageRow, header,
    refuse,
};
use super::staging::{Staging, write_file_atomically};
use super::tables::{self, Labels};
use crate::compare::{MetricsByPoint, RunData, metrics};
use crate::error::Result;
use crate::results::{Results, Switches};
use crate::scenario::{Table, Tables};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::path::Path;

/// The tables of a run being written, one point after the other.
pub struct PointWriter {
    labels: Labels,
    /// A point's data without its counts, named as `run.json` names it.
    names: RunData,
    adoption: Option<RowWriter>,
    flows: Option<RowWriter>,
    usage: Option<RowWriter>,
    summary: Option<RowWriter>,
    comparison: Option<RowWriter>,
    metrics: Option<RowWriter>,
    /// Whether each point's metric values are kept (for `robustness.csv`).
    keep_values: bool,
    values: MetricsByPoint,
}

/// Opens `name` in `staging` with the header of `R` rows, when `wanted`: a new file, or
/// with `resume` the file an interrupted run left, cut to the length it recorded.
fn open<R: Row>(
    staging: &Staging,
    name: &str,
    wanted: bool,
    swept: bool,
    resume: Option<&Resume>,
) -> Result<Option<RowWriter>> {
    if !wanted {
        return Ok(None);
    }
    match resume {
        None => Ok(Some(RowWriter::create(staging, name, &header::<R>(swept))?)),
        Some(resume) => {
            let len = resume.files.get(name).copied().ok_or_else(|| {
                refuse(
                    staging.folder(),
                    format!("records no {name}: run without --resume to start again"),
                )
            })?;
            Ok(Some(RowWriter::reopen(staging, name, len)?))
        }
    }
}

impl PointWriter {
    /// Creates the files of `tables` in `staging` (usage.csv only if `tables` holds it: the
    /// caller leaves it out of a run without usage), named by `labels` and by `manifest`, the
    /// run's `run.json`. `keep_values` keeps each point's metric values for
    /// [`PointWriter::finish`]; the metrics are computed when either it or
    /// [`Table::Metrics`] asks for them.
    pub fn create(
        staging: &Staging,
        labels: &Labels,
        tables: Tables,
        manifest: &RunManifest,
        keep_values: bool,
    ) -> Result<PointWriter> {
        PointWriter::open(staging, labels, tables, manifest, keep_values, None)
    }

    /// As [`PointWriter::create`], going on from where an interrupted run stopped: its files
    /// cut back to the lengths it recorded, and, when kept, the metric values of its complete
    /// points read back from its `metrics.csv` (which `tables` must then hold).
    pub fn resume(
        staging: &Staging,
        labels: &Labels,
        tables: Tables,
        manifest: &RunManifest,
        keep_values: bool,
        resume: &Resume,
    ) -> Result<PointWriter> {
        let mut writer =
            PointWriter::open(staging, labels, tables, manifest, keep_values, Some(resume))?;
        if keep_values {
            writer.values = read_metric_values(
                &staging.path(METRICS_FILE),
                &writer.names,
                labels.point_column,
            )?;
        }
        Ok(writer)
    }

    fn open(
        staging: &Staging,
        labels: &Labels,
        tables: Tables,
        manifest: &RunManifest,
        keep_values: bool,
        resume: Option<&Resume>,
    ) -> Result<PointWriter> {
        let dates = labels
            .dates
            .iter()
            .map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d"))
            .collect::<std::result::Result<Vec<_>, _>>()
            .expect("the labels' dates are the calendar's");
        let names = point_names(manifest, dates)?;
        let swept = labels.point_column;
        let wants = |t| tables.contains(t);
        Ok(PointWriter {
            labels: labels.clone(),
            names,
            adoption: open::<AdoptionRow>(
                staging,
                ADOPTION,
                wants(Table::Adoption),
                swept,
                resume,
            )?,
            flows: open::<FlowRow>(staging, FLOWS, wants(Table::Flows), swept, resume)?,
            usage: open::<UsageRow>(staging, USAGE, wants(Table::Usage), swept, resume)?,
            summary: open::<SummaryRow>(staging, SUMMARY, wants(Table::Summary), swept, resume)?,
            comparison: open::<ComparisonRow>(
                staging,
                COMPARISON,
                wants(Table::Comparison),
                swept,
                resume,
            )?,
            metrics: open::<MetricsRow>(
                staging,
                METRICS_FILE,
                wants(Table::Metrics),
                swept,
                resume,
            )?,
            keep_values,
            values: MetricsByPoint::default(),
        })
    }

    /// Writes the rows of `point`, whose results `results` holds (of one point, as
    /// [`crate::runner::run_points`] hands them over). The per-replicate tables get the
    /// tasks that ran; the statistics need every task of the point, which a whole run and a
    /// shard of whole points have.
    pub fn write_point(&mut self, point: usize, results: Results) -> Result<()> {
        let tasks: Vec<usize> = (0..results.shape().tasks())
            .filter(|&k| !results.task(k).counts().is_empty())
            .collect();
        let labels = &self.labels;
        if let Some(w) = &mut self.adoption {
            tables::adoption_rows(w, &results, labels, point, &tasks)?;
        }
        if let Some(w) = &mut self.flows {
            tables::flow_rows(w, &results, labels, point, &tasks)?;
        }
        if let Some(w) = &mut self.usage {
            tables::usage_rows(w, &results, labels, point, &tasks)?;
        }
        if let Some(w) = &mut self.summary {
            tables::summary_rows(w, &results, labels, point)?;
        }
        if let Some(w) = &mut self.comparison {
            tables::comparison_rows(w, &results, labels, point)?;
        }
        if self.metrics.is_none() && !self.keep_values {
            return Ok(());
        }
        let switches = switches_of(&results);
        let data = self.names.with_counts(results, switches);
        let rows = metrics(&data, None);
        if let Some(w) = &mut self.metrics {
            let point_column = labels.point(point);
            for row in &rows {
                w.write(point_column, &named(&data, row))?;
            }
        }
        if self.keep_values {
            self.values.push(&rows);
        }
        Ok(())
    }

    /// Hands every row written so far to the operating system and returns each file's
    /// length: a process killed now leaves these bytes complete.
    pub fn checkpoint(&mut self) -> Result<BTreeMap<String, u64>> {
        let mut lengths = BTreeMap::new();
        for (name, w) in [
            (ADOPTION, &mut self.adoption),
            (FLOWS, &mut self.flows),
            (USAGE, &mut self.usage),
            (SUMMARY, &mut self.summary),
            (COMPARISON, &mut self.comparison),
            (METRICS_FILE, &mut self.metrics),
        ] {
            if let Some(w) = w {
                lengths.insert(name.to_owned(), w.flush()?);
            }
        }
        Ok(lengths)
    }

    /// Closes every file, each flushed to the disk, and returns every point's metric values
    /// (empty unless kept).
    pub fn finish(self) -> Result<MetricsByPoint> {
        for w in [
            self.adoption,
            self.flows,
            self.usage,
            self.summary,
            self.comparison,
            self.metrics,
        ]
        .into_iter()
        .flatten()
        {
            w.finish()?;
        }
        Ok(self.values)
    }

    /// A point's data with no counts: what names the rows of `robustness.csv`.
    pub fn names(&self) -> &RunData {
        &self.names
    }
}

/// The agents leaving each state of `results`' tasks, summed from their flows as a reader of
/// `flows.csv` sums them.
fn switches_of(results: &Results) -> Switches {
    let shape = *results.shape();
    let mut switches = Switches::new(shape);
    for k in 0..shape.tasks() {
        for flow in results.task(k).flows() {
            switches.add(
                k,
                usize::from(flow.segment),
                usize::from(flow.from),
                flow.agents,
            );
        }
    }
    switches
}

/// Writes `robustness.csv` into `staging`: every variant row's difference from its baseline
/// summarised across the points of `values`, named by `names`.
pub fn write_robustness(staging: &Staging, names: &RunData, values: &MetricsByPoint) -> Result<()> {
    let format = staging.table_format();
    let bytes = robustness_file_named(names, &values.robustness(), format)?;
    write_file_atomically(&staging.path(&format.file(ROBUSTNESS_FILE)), &bytes)
}

/// Reads every point's metric values back from a `metrics.csv` that a run (or a shard)
/// wrote, as [`PointWriter`] keeps them: numbers are written in their shortest form that
/// reads back to the same value, so the values are the same bits (-0, written 0, aside,
/// which no summary across points tells from 0). `names` names the run's rows.
pub(crate) fn read_metric_values(
    path: &Path,
    names: &RunData,
    swept: bool,
) -> Result<MetricsByPoint> {
    let mut values = MetricsByPoint::default();
    read_metric_rows(path, names, swept, |_, rows| {
        values.push(rows);
        Ok(())
    })?;
    Ok(values)
}
