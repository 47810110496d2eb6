//! What a report is made from, read from an output folder: the one place the report touches
//! the folder, through the same reader `compare` and `plot` use.

use crate::compare::{Compared, RunPoints};
use crate::error::Result;
use crate::output::manifest::RunManifest;
use crate::output::{self, ReadFrom};
use std::path::Path;

/// An output folder as the report needs it: the run read back point by point, its metrics
/// (and, when swept, their robustness) as `compare` computes them, and `run.json`.
#[derive(Debug, Clone)]
pub struct Folder {
    /// The run's names and dates, one entry per sweep point, with their counts when
    /// `has_counts`.
    pub run: RunPoints,
    /// The rows of `metrics.csv` per point, and of `robustness.csv` when swept.
    pub compared: Compared,
    /// `run.json`: provenance, settings and the resolved scenario.
    pub manifest: RunManifest,
    /// Whether the run wrote its counts (adoption and flows), from which the charts are
    /// drawn; a run that wrote only metrics is reported from them, without charts.
    pub has_counts: bool,
}

/// Reads the output folder `dir`; a folder that is not a complete blockade run is refused
/// with one line naming it.
pub fn read(dir: &Path) -> Result<Folder> {
    // The metrics are those `compare` writes to metrics.csv: the last step, every segment.
    let (run, compared, read_from) = output::read_compared(dir, None)?;
    let manifest = output::read::manifest(dir)?;
    Ok(Folder {
        run,
        compared,
        manifest,
        has_counts: read_from == ReadFrom::Counts,
    })
}
