//! Which tables a run writes (docs/FORMAT.md, `[output]` and `run --tables`): the per-replicate
//! tables (adoption, flows, usage) and the statistics (summary, comparison, metrics).
//! `points.csv`, `robustness.csv` and `run.json` are always written and are not among them.
//! And in which format they are written ([`TableFormat`], `[output] format` and `--format`).

use crate::spec::named_enum;
use serde::{Deserialize, Serialize};
use std::path::Path;

named_enum! {
    /// A table a run may write or skip, in the order [`Tables`] lists them.
    pub enum Table {
        /// `adoption.csv`: agents per replicate, step, segment and state.
        Adoption = "adoption",
        /// `flows.csv`: changes of state per replicate and step.
        Flows = "flows",
        /// `usage.csv`: usage weight per replicate, step, segment and state (only when some
        /// segment declares usage).
        Usage = "usage",
        /// `summary.csv`: the share's statistics over replicates.
        Summary = "summary",
        /// `comparison.csv`: each variant minus the baseline.
        Comparison = "comparison",
        /// `metrics.csv`: the policy metrics of each point.
        Metrics = "metrics",
    }
}

/// A set of tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tables {
    chosen: [bool; Table::COUNT],
}

impl Tables {
    /// Every table: what a run without a `[sweep]` writes unless told otherwise.
    pub const ALL: Tables = Tables {
        chosen: [true; Table::COUNT],
    };

    /// What a swept run writes unless told otherwise: the metrics. The per-replicate tables
    /// grow with every replicate of every point, and summary and comparison, a row per arm,
    /// step, segment and state, with every point (15 MB a point of the flagship scenario,
    /// against half a megabyte of metrics), so that a sweep of thousands of points would
    /// write tens of gigabytes by default.
    pub const SWEPT: Tables = Tables {
        chosen: [false, false, false, false, false, true],
    };

    /// The default of a run: [`Tables::SWEPT`] when swept, else [`Tables::ALL`].
    pub fn default_for(swept: bool) -> Tables {
        if swept { Tables::SWEPT } else { Tables::ALL }
    }

    /// The set of `tables` (a repeat counts once).
    pub fn of(tables: &[Table]) -> Tables {
        let mut chosen = [false; Table::COUNT];
        for &table in tables {
            chosen[table as usize] = true;
        }
        Tables { chosen }
    }

    /// Reads a comma-separated list of table names, or `all`; the message names the first
    /// problem.
    pub fn parse_list(text: &str) -> Result<Tables, String> {
        if text.trim() == "all" {
            return Ok(Tables::ALL);
        }
        let mut tables = Vec::new();
        for name in text.split(',') {
            tables.push(Tables::parse_name(name.trim())?);
        }
        Ok(Tables::of(&tables))
    }

    /// One table's name; the message says which names there are.
    pub fn parse_name(name: &str) -> Result<Table, String> {
        Table::parse(name).ok_or_else(|| {
            if name.is_empty() {
                format!(
                    "an empty table name (the tables are: {}, or all)",
                    Table::names()
                )
            } else {
                format!(
                    "unknown table '{name}' (the tables are: {}, or all)",
                    Table::names()
                )
            }
        })
    }

    /// Whether `table` is in the set.
    pub fn contains(self, table: Table) -> bool {
        self.chosen[table as usize]
    }

    /// The tables in the set, in [`Table::ALL`]'s order.
    pub fn list(self) -> Vec<Table> {
        Table::ALL
            .into_iter()
            .filter(|&t| self.contains(t))
            .collect()
    }

    /// The tables not in the set, in [`Table::ALL`]'s order.
    pub fn missing(self) -> Vec<Table> {
        Table::ALL
            .into_iter()
            .filter(|&t| !self.contains(t))
            .collect()
    }

    /// The set without `table`.
    pub fn without(mut self, table: Table) -> Tables {
        self.chosen[table as usize] = false;
        self
    }

    /// The names, comma-separated, as `--tables` takes them.
    pub fn names(self) -> String {
        self.list()
            .iter()
            .map(|t| t.name())
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_back_to_the_same_set_and_bad_names_are_refused() {
        let set = Tables::parse_list("metrics, adoption,metrics").expect("valid");
        assert_eq!(set.list(), vec![Table::Adoption, Table::Metrics]);
        assert_eq!(set.names(), "adoption,metrics");
        assert_eq!(Tables::parse_list(&set.names()), Ok(set));
        assert_eq!(Tables::parse_list("all"), Ok(Tables::ALL));
        let err = Tables::parse_list("adoption,sumary").expect_err("unknown");
        assert!(err.contains("unknown table 'sumary'"), "{err}");
        assert!(Tables::parse_list("adoption,,flows").is_err());
        assert!(Tables::parse_list("").is_err());
        assert_eq!(Tables::SWEPT.list(), vec![Table::Metrics]);
        assert_eq!(
            Tables::SWEPT.missing(),
            vec![
                Table::Adoption,
                Table::Flows,
                Table::Usage,
                Table::Summary,
                Table::Comparison
            ]
        );
    }
}

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

    /// The name of the table file `csv_name` (one of `output::files`' `.csv` names) in this
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
