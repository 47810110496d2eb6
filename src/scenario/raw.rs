//! The scenario file as written: serde structs that mirror the TOML tables described in docs/FORMAT.md (Scenario file).
//!
//! Every table rejects unknown keys; optional keys are `Option`s whose defaults are filled in by
//! validation, so that a command-line override can tell "absent" from "set to the default".
//! Numbers are read wide (`i64`, `f64`) so that validation, not serde, words the range errors.

use crate::spec::{Cost, Weight};
use indexmap::IndexMap;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::fmt;

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScenario {
    /// `[scenario]`: name, horizon, size, seed.
    pub scenario: RawMeta,
    /// `[network]`: who influences whom.
    pub network: RawNetwork,
    /// `[adoption]`: Bass and reconsideration rates.
    pub adoption: RawAdoption,
    /// `[[segments]]`: kinds of developer.
    pub segments: Vec<RawSegment>,
    /// `[[providers]]`: the options an adopter chooses among.
    pub providers: Vec<RawProvider>,
    /// `[[events]]`: timed changes of the baseline.
    #[serde(default)]
    pub events: Vec<RawEvent>,
    /// `[[variants]]`: policies compared against the baseline.
    #[serde(default)]
    pub variants: Vec<RawVariant>,
    /// `[sweep]`: uncertain parameters varied over points (docs/FORMAT.md, [sweep]).
    pub sweep: Option<RawSweep>,
    /// `[uncertainty]`: paths to `{ distribution = .., ... }` (docs/FORMAT.md, [uncertainty]);
    /// quoted and nested keys mean the same.
    pub uncertainty: Option<toml::Table>,
    /// `[output]`: what a run writes (docs/FORMAT.md, [output]).
    pub output: Option<RawOutput>,
    /// `[[targets]]`: observations to calibrate to or validate against.
    #[serde(default)]
    pub targets: Vec<crate::scenario::targets::RawTarget>,
    /// `[sensitivity]`: a sensitivity analysis over `[uncertainty]` (docs/FORMAT.md,
    /// [sensitivity]).
    pub sensitivity: Option<RawSensitivity>,
}

/// `[output]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOutput {
    /// The tables a run writes, by name.
    pub tables: Option<Vec<String>>,
    /// The tables' file format, by name.
    pub format: Option<String>,
}

/// `[sensitivity]`; every key has a default.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSensitivity {
    pub method: Option<String>,
    pub samples: Option<i64>,
    pub trajectories: Option<i64>,
    pub levels: Option<i64>,
    pub seed: Option<i64>,
    pub bootstrap: Option<i64>,
    pub metrics: Option<Vec<String>>,
    pub segments: Option<Vec<String>>,
}

/// `[scenario]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMeta {
    pub name: String,
    pub description: Option<String>,
    /// A TOML local date or a "YYYY-MM-DD" string.
    pub start: toml::Value,
    pub step: String,
    pub steps: i64,
    pub population: i64,
    pub replicates: i64,
    pub seed: i64,
}

/// `[network]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNetwork {
    pub kind: String,
    pub degree: Option<i64>,
    pub rewire: Option<f64>,
}

/// `[adoption]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAdoption {
    pub innovation: f64,
    pub imitation: f64,
    pub reconsider: f64,
    pub outside_utility: Option<f64>,
    pub price_reference: Option<f64>,
}

/// One `[[segments]]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSegment {
    pub name: String,
    pub share: f64,
    pub initial_adoption: f64,
    pub potential: Option<f64>,
    pub tasks: IndexMap<String, f64>,
    pub languages: IndexMap<String, f64>,
    pub capabilities: Option<IndexMap<String, f64>>,
    pub weights: RawWeights,
    pub heterogeneity: Option<f64>,
    /// The log-normal usage weight of the segment's agents (docs/FORMAT.md, [[segments]]).
    pub usage: Option<RawUsage>,
    pub source: Option<String>,
}

/// A segment's `usage = { median, sigma }`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawUsage {
    pub median: f64,
    pub sigma: f64,
}

/// A segment's `weights`: one number per [`Weight`], by name. A weight left out takes its
/// default ([`Weight::default_value`]) and is an error when it has none; an unknown name is an
/// error.
#[derive(Debug, Clone)]
pub(crate) struct RawWeights([f64; Weight::COUNT]);

impl RawWeights {
    /// The value of `weight`.
    pub(crate) fn get(&self, weight: Weight) -> f64 {
        self.0[weight as usize]
    }

    /// Sets `weight` (a `set` path).
    pub(crate) fn set(&mut self, weight: Weight, value: f64) {
        self.0[weight as usize] = value;
    }
}

/// A key of a `weights` table.
struct WeightKey(Weight);

impl<'de> Deserialize<'de> for WeightKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<WeightKey, D::Error> {
        struct Name;
        impl Visitor<'_> for Name {
            type Value = WeightKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a weight's name")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<WeightKey, E> {
                Weight::parse(text)
                    .map(WeightKey)
                    .ok_or_else(|| E::unknown_field(text, &Weight::NAMES))
            }
        }
        deserializer.deserialize_identifier(Name)
    }
}

impl<'de> Deserialize<'de> for RawWeights {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RawWeights, D::Error> {
        struct Table;
        impl<'de> Visitor<'de> for Table {
            type Value = RawWeights;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("struct RawWeights")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawWeights, A::Error> {
                let mut given = [None; Weight::COUNT];
                while let Some(WeightKey(weight)) = map.next_key()? {
                    if given[weight as usize].is_some() {
                        return Err(de::Error::duplicate_field(weight.name()));
                    }
                    given[weight as usize] = Some(map.next_value::<f64>()?);
                }
                let mut values = [0.0; Weight::COUNT];
                for weight in Weight::ALL {
                    values[weight as usize] = given[weight as usize]
                        .or(weight.default_value())
                        .ok_or_else(|| de::Error::missing_field(weight.name()))?;
                }
                Ok(RawWeights(values))
            }
        }
        deserializer.deserialize_struct("RawWeights", &Weight::NAMES, Table)
    }
}

/// One `[[providers]]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProvider {
    pub id: String,
    pub name: Option<String>,
    pub requires: Option<Vec<String>>,
    pub quality: IndexMap<String, f64>,
    pub languages: IndexMap<String, f64>,
    pub price: f64,
    pub friction: f64,
    pub risk: f64,
    pub available: Option<bool>,
    pub accepts_new: Option<bool>,
    pub origin: Option<String>,
    /// The vendor the provider belongs to; its id when absent.
    pub vendor: Option<String>,
    pub source: Option<String>,
}

impl RawProvider {
    /// The value of a cost as written (or its default).
    pub(crate) fn cost(&self, cost: Cost) -> f64 {
        match cost {
            Cost::Price => self.price,
            Cost::Friction => self.friction,
            Cost::Risk => self.risk,
        }
    }

    /// Sets a cost (a `set` path).
    pub(crate) fn set_cost(&mut self, cost: Cost, value: f64) {
        match cost {
            Cost::Price => self.price = value,
            Cost::Friction => self.friction = value,
            Cost::Risk => self.risk = value,
        }
    }
}

/// One `[[events]]` or `[[variants.events]]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEvent {
    pub name: String,
    /// A date inside the horizon or a step number.
    pub at: toml::Value,
    /// Paths to new values; quoted dotted keys and nested tables mean the same.
    pub set: toml::Table,
    pub source: Option<String>,
}

/// One `[[variants]]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVariant {
    pub name: String,
    pub description: Option<String>,
    pub source: Option<String>,
    pub remove_events: Option<Vec<String>>,
    pub set: Option<toml::Table>,
    pub events: Option<Vec<RawEvent>>,
}

/// `[sweep]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSweep {
    /// `grid`, `latin_hypercube` or `random`.
    pub design: String,
    /// Points of a latin_hypercube or random design; a grid has none.
    pub samples: Option<i64>,
    /// The design's own seed, for latin_hypercube and random.
    pub seed: Option<i64>,
    /// Paths to `{ min, max }` or `{ values = [...] }`; quoted and nested keys mean the same.
    /// Absent, a latin_hypercube or random design takes `[uncertainty]`.
    pub parameters: Option<toml::Table>,
}
