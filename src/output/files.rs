//! The names of the files blockade writes (docs/FORMAT.md, Output files), defined once, and
//! the format of its tables ([`TableFormat`], which a scenario file may choose).

pub use crate::scenario::TableFormat;

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
