//! `[[targets]]` as written (docs/FORMAT.md, [[targets]]): observations of the real market
//! that `calibrate` fits to or holds out. Validation (`validate/targets.rs`) resolves each to a
//! [`crate::spec::Target`].

use serde::Deserialize;

/// One `[[targets]]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTarget {
    pub name: String,
    /// `adopted`, `domestic`, `foreign`, `state:<state>` or `vendor:<vendor>`.
    pub of: String,
    /// `ratio` or `order`, with `to`.
    pub relation: Option<String>,
    /// The second quantity of a relation.
    pub to: Option<String>,
    /// `agents` (the default) or `usage`.
    pub measure: Option<String>,
    /// A segment's name, or `all` (the default).
    pub segment: Option<String>,
    /// A date inside the horizon or a step number.
    pub at: toml::Value,
    pub value: f64,
    pub observation_sd: f64,
    pub discrepancy_sd: f64,
    pub source: Option<String>,
    /// `calibrate` or `validate`.
    #[serde(rename = "use")]
    pub use_: String,
}
