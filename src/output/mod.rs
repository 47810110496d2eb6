//! Everything blockade writes: the CSV files, `run.json`, and the folder they live in.
//! Only this module knows file formats; the model and the statistics never touch a file.

mod manifest;
mod metrics;
pub mod read;
mod staging;
mod tables;

pub use manifest::{Launch, json_sha256, manifest, resolved};
pub use metrics::{
    Layout, METRICS_FILE, METRICS_HEADER, at_step, compare_folder, metrics_csv, metrics_json,
    metrics_table, write_metrics,
};
pub use staging::{MANIFEST, Staging, check_replaceable, write_file_atomically};

use crate::error::{Error, Result};
use crate::runner::Results;
use crate::scenario::Scenario;

/// The files of a run, in the order they are written (`run --plot` adds its charts).
pub const FILES: [&str; 6] = [
    "adoption.csv",
    "summary.csv",
    "comparison.csv",
    "flows.csv",
    MANIFEST,
    METRICS_FILE,
];

/// Writes the CSV files of a run into a staging folder; `run.json` comes last, once the
/// run's wall time is known, from [`write_manifest`].
pub fn write_tables(staging: &Staging, scenario: &Scenario, results: &Results) -> Result<()> {
    let labels = tables::Labels::of(scenario);
    tables::write_adoption(&staging.path("adoption.csv"), results, &labels)?;
    tables::write_summary(&staging.path("summary.csv"), results, &labels)?;
    tables::write_comparison(&staging.path("comparison.csv"), results, &labels)?;
    tables::write_flows(&staging.path("flows.csv"), results, &labels)
}

/// Writes `run.json` into a staging folder.
pub fn write_manifest(staging: &Staging, manifest: &serde_json::Value) -> Result<()> {
    let path = staging.path(MANIFEST);
    let mut bytes = serde_json::to_vec_pretty(manifest)
        .map_err(|e| Error::io(format!("writing {}", path.display()), e.into()))?;
    bytes.push(b'\n');
    std::fs::write(&path, bytes).map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

/// Per arm, the mean share of each state in the whole population at the last step, with its
/// 95% interval: the table a run ends with. Rows are arms, columns states.
pub fn final_shares(results: &Results) -> Vec<Vec<crate::stats::Summary>> {
    (0..results.arms.len())
        .map(|arm| {
            (0..results.states)
                .map(|state| {
                    let shares = tables::replicate_shares(
                        results,
                        arm,
                        results.steps,
                        results.segments,
                        state,
                    );
                    crate::stats::Summary::of(&shares)
                })
                .collect()
        })
        .collect()
}
