//! `compare`'s work on an output folder, which `run` and `merge` also do on theirs: read it
//! back, compute the metrics (and their robustness across points), write `metrics.csv` (and
//! `robustness.csv`).

use super::files::{METRICS_FILE, ROBUSTNESS_FILE};
use super::metrics::metrics_file;
use super::read::{load_run, manifest};
use super::robustness::robustness_file;
use super::staging::{FolderIdentity, write_file_atomically};
use crate::compare::{Compared, RunData, RunPoints, compare};
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
