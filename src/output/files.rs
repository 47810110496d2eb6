//! The names of the files blockade writes (docs/FORMAT.md, Output files), defined once, and
//! the format of its tables.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// Agents per task, step, segment and state.
pub const ADOPTION: &str = "adoption.csv";
/// Statistics of each share over replicates.
pub const SUMMARY: &str = "summary.csv";
/// Each variant minus the baseline, paired by replicate.
pub const COMPARISON: &str = "comparison.csv";
/// Usage weight per task, step, segment and state, written when some segment declares usage.
pub const USAGE: &str = "usage.csv";
/// Changes of state between consecutive steps.
pub const FLOWS: &str = "flows.csv";
/// The sweep's points, written by a swept run.
pub const POINTS: &str = "points.csv";
/// The policy metrics, written by `run`, `merge` and `compare`.
pub const METRICS_FILE: &str = "metrics.csv";
/// Each difference summarised across the points, beside `metrics.csv` when swept.
pub const ROBUSTNESS_FILE: &str = "robustness.csv";
/// The manifest of a shard folder.
pub const SHARD_MANIFEST: &str = "shard.json";

/// The format of a run's tables: CSV (the default) or Parquet. Shard folders are always CSV.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TableFormat {
    /// Comma-separated text, `adoption.csv` and so on.
    #[default]
    Csv,
    /// Apache Parquet, `adoption.parquet` and so on: typed, compressed columns.
    Parquet,
}

impl TableFormat {
    /// The formats, as `--format` and `[output] format` name them.
    pub const NAMES: [&'static str; 2] = ["csv", "parquet"];

    /// The format named `name` (one of [`TableFormat::NAMES`]).
    pub fn named(name: &str) -> Option<TableFormat> {
        match name {
            "csv" => Some(TableFormat::Csv),
            "parquet" => Some(TableFormat::Parquet),
            _ => None,
        }
    }

    /// The format's name.
    pub fn name(self) -> &'static str {
        match self {
            TableFormat::Csv => "csv",
            TableFormat::Parquet => "parquet",
        }
    }

    /// True for the default, CSV, which `run.json` does not mention.
    pub fn is_csv(&self) -> bool {
        *self == TableFormat::Csv
    }

    /// The name of the table file `csv_name` (one of the `.csv` names above) in this
    /// format: `adoption.csv` or `adoption.parquet`.
    pub fn file(self, csv_name: &str) -> String {
        match self {
            TableFormat::Csv => csv_name.to_owned(),
            TableFormat::Parquet => {
                let stem = csv_name.strip_suffix(".csv").unwrap_or(csv_name);
                format!("{stem}.parquet")
            }
        }
    }

    /// The format of the file at `path`, from its extension.
    pub(crate) fn of_path(path: &Path) -> TableFormat {
        match path.extension() {
            Some(e) if e == "parquet" => TableFormat::Parquet,
            _ => TableFormat::Csv,
        }
    }
}
/// The file of `table`.
pub fn table_file(table: crate::scenario::Table) -> &'static str {
    use crate::scenario::Table;
    match table {
        Table::Adoption => ADOPTION,
        Table::Flows => FLOWS,
        Table::Usage => USAGE,
        Table::Summary => SUMMARY,
        Table::Comparison => COMPARISON,
        Table::Metrics => METRICS_FILE,
    }
}

/// The record of a swept run's partial folder (docs/FORMAT.md, `run --resume`).
pub(super) const PARTIAL_RECORD: &str = "partial.json";

/// Sensitivity indices of the analysed metrics, written by a run of a `[sensitivity]` design.
pub const SENSITIVITY_FILE: &str = "sensitivity.csv";
