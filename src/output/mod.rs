//! Everything blockade writes: the CSV files, `run.json`, shard folders, and the folders they
//! live in. Only this module knows file formats; the model and the statistics never touch a
//! file.

mod calibration;
mod calibration_progress;
mod compared;
mod counts;
mod extend;
mod files;
mod format;
mod given;
pub mod manifest;
mod merge;
mod metrics;
mod os;
mod parquet;
mod partial;
mod pointwise;
pub mod read;
mod robustness;
mod rows;
mod sensitivity;
mod shard;
mod staging;
mod tables;
mod uncertainty;

pub use calibration::{
    CalibrationFolder, IMPLAUSIBILITY, PARAMETERS, POSTERIOR, ParameterRow, TARGETS, TargetRow,
    WAVE_POINTS, WAVES, read_calibration, read_posterior, write_calibration,
};
pub use calibration_progress::{
    CALIBRATION_POINTS, CALIBRATION_PROGRESS, CalibrationRun, ComputedPoint,
    absorb_calibration_shards, begin_calibration_record, calibration_shard_file, computed_points,
    record_calibration_points, remove_calibration_record, write_calibration_shard,
};
pub use compared::{
    ReadFrom, at_step, compare_folder, read_compared, rewrite_compared, write_compared,
};
pub use extend::{Earlier, read_earlier};
pub use files::{
    ADOPTION, COMPARISON, FLOWS, METRICS_FILE, POINTS, ROBUSTNESS_FILE, SENSITIVITY_FILE,
    SHARD_MANIFEST, SUMMARY, TableFormat, USAGE, table_file,
};
pub use format::Layout;
pub use given::{WEIGHT_COLUMN, read_given_points};
pub use manifest::{Launch, RunManifest, json_sha256, manifest, resolved};
pub use merge::{Merged, read_shards};
pub use metrics::{metrics_csv, metrics_json, metrics_table};
pub use partial::{PartialRun, Resume, record_progress, remove_record, resume_point};
pub use pointwise::{PointWriter, write_robustness};
pub use robustness::{robustness_csv, robustness_json, robustness_table};
pub use sensitivity::{
    analyse_folder, read_sensitivity, sensitivity_csv, sensitivity_rows, sensitivity_settings,
    sensitivity_table,
};
pub use shard::{ShardContents, shard_tables, write_shard};
pub use staging::{
    FolderIdentity, MANIFEST, Staging, abandon_temporaries, check_replaceable, describe_folder,
    partial_folder, write_file_atomically,
};
pub use tables::Labels;
pub use uncertainty::{two_intervals_csv, two_intervals_json, two_intervals_table};

use crate::error::{Error, Result};
use crate::results::Results;
use crate::scenario::{Sweep, Table, Tables};

/// The files of a run that writes every table, in the order they are listed; a swept run
/// adds [`POINTS`] and [`ROBUSTNESS_FILE`], and `run --plot` adds its charts.
pub const FILES: [&str; 6] = [ADOPTION, SUMMARY, COMPARISON, FLOWS, MANIFEST, METRICS_FILE];

/// The tables a run writes: `requested`, without usage when no segment declares it.
pub fn written_tables(requested: Tables, has_usage: bool) -> Tables {
    if has_usage {
        requested
    } else {
        requested.without(Table::Usage)
    }
}

/// Writes `points.csv`: each point's number and values.
pub fn write_points(staging: &Staging, sweep: &Sweep) -> Result<()> {
    let parameters: Vec<String> = sweep.parameters.iter().map(|p| p.path.clone()).collect();
    let points: Vec<Vec<toml::Value>> = sweep.points.iter().map(|p| p.values.clone()).collect();
    tables::write_points(
        staging,
        POINTS,
        &parameters,
        &points,
        sweep.weights.as_deref(),
    )
}

/// Writes `run.json` into a staging folder.
pub fn write_manifest(staging: &Staging, manifest: &RunManifest) -> Result<()> {
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
    let shape = results.shape();
    (0..shape.arms())
        .map(|arm| {
            (0..shape.states())
                .map(|state| results.summary(arm, shape.steps(), shape.segments(), state))
                .collect()
        })
        .collect()
}
