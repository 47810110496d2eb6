//! A row of `sensitivity.csv` as read back (docs/FORMAT.md, sensitivity.csv): every column by
//! name, as the file holds it, for what draws the indices of a finished run without the run's
//! own indices (`plot --kind sensitivity`).

/// One row of `sensitivity.csv`, by name.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedIndexRow {
    /// The variant (`baseline`: its value; a variant: its paired effect).
    pub variant: String,
    /// The segment, or `all`.
    pub segment: String,
    /// The metric's name, as in metrics.csv.
    pub metric: String,
    /// The state of a share or a switch count.
    pub state: Option<String>,
    /// The date of a share's step.
    pub date: Option<String>,
    /// The `[uncertainty]` path; `None` for a noise row.
    pub parameter: Option<String>,
    /// The index's name: `first_order`, `total`, `mu`, `mu_star`, `sigma`, `noise_share`,
    /// `noise_mu_star`.
    pub index: String,
    /// The index, when it could be estimated.
    pub value: Option<f64>,
    /// Its 95% bootstrap interval.
    pub interval: Option<(f64, f64)>,
    /// Whether the value is below the series' noise, where that is known.
    pub below_noise: Option<bool>,
}
