//! `compare`'s work on an output folder, which `run` and `merge` also do on theirs: read it
//! back, compute the metrics (and their robustness across points), write `metrics.csv` (and
//! `robustness.csv`).

use super::files::{METRICS_FILE, ROBUSTNESS_FILE};
use super::metrics::metrics_file;
use super::read::{has_counts, load_metrics, load_run, manifest};
use super::robustness::robustness_file;
use super::staging::{FolderIdentity, write_file_atomically};
use crate::compare::{Compared, RunData, RunPoints, compare, robustness};
use crate::error::{InputError, Result};
use chrono::NaiveDate;
use std::path::Path;

/// The step `--at DATE` names: the first on or after `date`; refused past the last step.
pub fn at_step(data: &RunData, at: Option<NaiveDate>) -> Result<Option<u32>> {
    let Some(date) = at else {
        return Ok(None);
    };
    let step = data.step_on_or_after(date).ok_or_else(|| {
        InputError::new(format!(
            "{date} is after the last step's date, {}",
            data.dates[data.dates.len() - 1]
        ))
        .in_origin("--at")
    })?;
    Ok(Some(step))
}

/// Writes what `compare` computed into the output folder `dir`, each file by way of a
/// temporary file: `metrics.csv`, and for a swept run `robustness.csv` (as `.parquet` files
/// when run.json records that format).
pub fn write_compared(dir: &Path, run: &RunPoints, compared: &Compared) -> Result<()> {
    let format = manifest(dir)?.format;
    let bytes = metrics_file(run, &compared.metrics, format)?;
    write_file_atomically(&dir.join(format.file(METRICS_FILE)), &bytes)?;
    if let Some(rows) = &compared.robustness {
        let bytes = robustness_file(run, rows, format)?;
        write_file_atomically(&dir.join(format.file(ROBUSTNESS_FILE)), &bytes)?;
    }
    Ok(())
}

/// Rewrites `metrics.csv` (and `robustness.csv`) in the folder `read` names, from what was
/// read from it (`compare --write-metrics`); refused if the folder was replaced meanwhile.
pub fn rewrite_compared(read: &FolderIdentity, run: &RunPoints, compared: &Compared) -> Result<()> {
    let format = manifest(read.path())?.format;
    let metrics = metrics_file(run, &compared.metrics, format)?;
    let robustness = match &compared.robustness {
        Some(rows) => Some(robustness_file(run, rows, format)?),
        None => None,
    };
    read.write_file(&format.file(METRICS_FILE), &metrics)?;
    if let Some(bytes) = robustness {
        read.write_file(&format.file(ROBUSTNESS_FILE), &bytes)?;
    }
    Ok(())
}

/// `compare`'s work on an output folder: reads it back (every sweep point), computes the
/// metrics (with the shares at the first step on or after `at`, if given) and their
/// robustness across points when swept, and writes `metrics.csv` (and `robustness.csv`)
/// into it. `run` and `merge` call it on their staging folder before the commit.
pub fn compare_folder(dir: &Path, at: Option<NaiveDate>) -> Result<(RunPoints, Compared)> {
    let run = load_run(dir)?;
    let at = at_step(&run.points[0], at)?;
    let compared = compare(&run, at);
    write_compared(dir, &run, &compared)?;
    Ok((run, compared))
}

/// What [`read_compared`] computed the metrics from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFrom {
    /// The counts (adoption and flows): anything can be computed again.
    Counts,
    /// The metrics file alone, for a run that wrote no counts: its points hold no counts, and
    /// only the metrics it wrote (at the last step) are known.
    MetricsFile,
}

/// `compare`'s reading of an output folder, which does not write: from its counts when it
/// has them (with the shares at the first step on or after `at`, if given), else from its
/// metrics file, where `at` is refused (those shares come from the counts); with the
/// robustness across points when swept.
pub fn read_compared(dir: &Path, at: Option<NaiveDate>) -> Result<(RunPoints, Compared, ReadFrom)> {
    if has_counts(dir)? {
        let run = load_run(dir)?;
        let at = at_step(&run.points[0], at)?;
        let compared = compare(&run, at);
        return Ok((run, compared, ReadFrom::Counts));
    }
    let (run, metrics) = load_metrics(dir)?;
    if at.is_some() {
        return Err(InputError::new(format!(
            "{} holds no adoption.csv, from which the shares at another date are computed \
             (the run wrote metrics at the last step only): run it again with --tables all",
            dir.display()
        ))
        .in_origin("--at")
        .into());
    }
    let robustness = run.sweep.as_ref().map(|_| robustness(&metrics));
    Ok((
        run,
        Compared {
            metrics,
            robustness,
        },
        ReadFrom::MetricsFile,
    ))
}
