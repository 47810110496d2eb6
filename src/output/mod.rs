//! Everything blockade writes: the CSV files, `run.json`, shard folders, and the folders they
//! live in. Only this module knows file formats; the model and the statistics never touch a
//! file.

mod manifest;
mod metrics;
pub mod read;
mod robustness;
mod shard;
mod staging;
mod tables;

pub use manifest::{Launch, json_sha256, manifest, resolved};
pub use metrics::{
    Layout, METRICS_FILE, METRICS_HEADER, at_step, compare_folder, metrics_csv, metrics_json,
    metrics_table, write_compared,
};
pub use robustness::{
    ROBUSTNESS_FILE, ROBUSTNESS_HEADER, robustness_csv, robustness_json, robustness_table,
};
pub use shard::{Merged, SHARD_MANIFEST, read_shards, write_shard};
pub use staging::{MANIFEST, Staging, check_replaceable, write_file_atomically};
pub use tables::Labels;

use crate::error::{Error, Result};
use crate::runner::Results;
use crate::scenario::{Scenario, Sweep};

/// The files of a run, in the order they are written; a swept run adds [`POINTS`] and
/// [`ROBUSTNESS_FILE`], and `run --plot` adds its charts.
pub const FILES: [&str; 6] = [
    "adoption.csv",
    "summary.csv",
    "comparison.csv",
    "flows.csv",
    MANIFEST,
    METRICS_FILE,
];

/// The sweep's points, written by a swept run (contract 10).
pub const POINTS: &str = "points.csv";

/// Writes the CSV files of a run into a staging folder, `points.csv` included when swept;
/// `run.json` comes last, once the run's wall time is known, from [`write_manifest`].
pub fn write_tables(staging: &Staging, scenario: &Scenario, results: &Results) -> Result<()> {
    write_results(staging, &Labels::of(scenario), results)?;
    match &scenario.sweep {
        Some(sweep) => write_points(staging, sweep),
        None => Ok(()),
    }
}

/// Writes the four CSV files of `results` (every task) into a staging folder.
fn write_results(staging: &Staging, labels: &Labels, results: &Results) -> Result<()> {
    let all: Vec<usize> = (0..results.tasks.len()).collect();
    tables::write_adoption(staging, "adoption.csv", results, labels, &all)?;
    tables::write_summary(staging, "summary.csv", results, labels)?;
    tables::write_comparison(staging, "comparison.csv", results, labels)?;
    tables::write_flows(staging, "flows.csv", results, labels, &all)
}

/// Writes `points.csv`: each point's number and values.
fn write_points(staging: &Staging, sweep: &Sweep) -> Result<()> {
    let parameters: Vec<String> = sweep.parameters.iter().map(|p| p.path.clone()).collect();
    let points: Vec<Vec<toml::Value>> = sweep.points.iter().map(|p| p.values.clone()).collect();
    tables::write_points(staging, POINTS, &parameters, &points)
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
/// 95% interval: the table a run ends with. Rows are arms (of the first sweep point, when
/// swept), columns states.
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
