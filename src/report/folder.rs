//! What a report is made from, read from an output folder: the one place the report touches
//! the folder, through the same reader `compare` and `plot` use.

use crate::compare::{self, Compared, RunPoints};
use crate::error::Result;
use crate::output;
use crate::output::manifest::RunManifest;
use std::path::Path;

/// An output folder as the report needs it: the run read back point by point, its metrics
/// (and, when swept, their robustness) as `compare` computes them, and `run.json`.
#[derive(Debug, Clone)]
pub struct Folder {
    /// The run's counts, names and dates, one entry per sweep point.
    pub run: RunPoints,
    /// The rows of `metrics.csv` per point, and of `robustness.csv` when swept.
    pub compared: Compared,
    /// `run.json`: provenance, settings and the resolved scenario.
    pub manifest: RunManifest,
}

/// Reads the output folder `dir`; a folder that is not a complete blockade run is refused
/// with one line naming it.
pub fn read(dir: &Path) -> Result<Folder> {
    let run = output::read::load_run(dir)?;
    // The metrics are those `compare` writes to metrics.csv: the last step, every segment.
    let compared = compare::compare(&run, None);
    let manifest = output::read::manifest(dir)?;
    Ok(Folder {
        run,
        compared,
        manifest,
    })
}
