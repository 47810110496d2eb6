//! `run.json` (docs/FORMAT.md, run.json): what was run, with what, and how long it took, as
//! typed records that are both written and read back (by `compare`, `plot` and `merge`).
//!
//! `resolved` is the scenario after overrides with defaults filled in, each arm's event
//! timeline included; its hash identifies the work independently of how it was launched. The
//! hash is of the compact JSON, so the order of the fields below is part of it: `resolved`
//! lists the providers first, as it always has.
//!
//! A field a reader does not need may be missing (it reads as empty), so that a folder
//! written by hand, or by an earlier version, reads as long as it names what it holds.

use super::files::TableFormat;
use super::format::sha256_hex;
use crate::rng;
use crate::scenario::{EventInfo, EventTime, Scenario, Sweep};
use crate::spec::{Cost, Distribution, NetworkSpec, Setup, UncertainParameter, Weight};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The versions of the crates that make the random streams, recorded so that a reader knows
/// what produced the draws. Both are pinned exactly in Cargo.toml; a test holds them to
/// Cargo.lock.
pub const RAND_VERSION: &str = "0.10.4";
/// See [`RAND_VERSION`].
pub const LIBM_VERSION: &str = "0.2.16";

/// How the run was launched, supplied by the caller.
#[derive(Debug, Clone)]
pub struct Launch {
    /// The command line, one argument per element.
    pub command_line: Vec<String>,
    /// Worker threads.
    pub threads: usize,
    /// When the run started, RFC 3339.
    pub started_at: String,
    /// The flags that changed the file (`--set`, `--population`, ...), as JSON.
    pub overrides: Value,
}

/// `run.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunManifest {
    /// Always `blockade`: what marks a folder as blockade's.
    pub tool: String,
    /// The version that wrote the folder.
    #[serde(default)]
    pub version: String,
    /// The scenario file, as given.
    #[serde(default)]
    pub scenario_file: String,
    /// The SHA-256 of the scenario file's bytes.
    #[serde(default)]
    pub scenario_sha256: String,
    /// The SHA-256 of `resolved`'s compact JSON.
    #[serde(default)]
    pub resolved_sha256: String,
    /// The seed.
    #[serde(default)]
    pub seed: u64,
    /// Replicates per arm.
    pub replicates: u32,
    /// The baseline's population.
    #[serde(default)]
    pub population: u32,
    /// The arms run: `baseline`, then the variants in file order.
    pub variants: Vec<String>,
    /// The flags that changed the file, as the command line gave them.
    #[serde(default)]
    pub overrides: Value,
    /// What made the random streams.
    #[serde(default)]
    pub rng: RngVersions,
    /// Worker threads (the most of any shard, after a merge).
    #[serde(default)]
    pub threads: Option<u64>,
    /// The command line, one argument per element.
    #[serde(default)]
    pub command_line: Vec<String>,
    /// When the run started, RFC 3339 (the earliest shard's, after a merge).
    #[serde(default)]
    pub started_at: Option<String>,
    /// Seconds spent simulating (summed over shards, after a merge).
    #[serde(default)]
    pub wall_time_s: f64,
    /// Agents × steps simulated.
    #[serde(default)]
    pub agent_steps: u64,
    /// `agent_steps / wall_time_s`, 0 when no time passed.
    #[serde(default)]
    pub agent_steps_per_s: f64,
    /// The tables written, by name (docs/FORMAT.md, `--tables`); missing in folders of
    /// versions that wrote every table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tables: Option<Vec<String>>,
    /// The scenario as run.
    pub resolved: Resolved,
    /// After a merge: what each shard recorded of its own run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shards: Option<Vec<ShardRun>>,
    /// The format of the tables, absent for CSV (docs/FORMAT.md, `--format`). A shard's
    /// tables are CSV whatever it records: it records the format its merge writes.
    #[serde(default, skip_serializing_if = "TableFormat::is_csv")]
    pub format: TableFormat,
}

/// The versions of what made the random streams.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RngVersions {
    /// The keyed generator's name.
    pub generator: String,
    /// The `rand` crate's version.
    pub rand: String,
    /// The `libm` crate's version.
    pub libm: String,
}

/// What a merged `run.json` keeps of each shard's own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardRun {
    /// `I/N`.
    pub shard: String,
    /// The shard's folder, as given to `merge`.
    pub folder: String,
    /// The shard's command line.
    pub command_line: Vec<String>,
    /// The shard's worker threads.
    pub threads: Option<u64>,
    /// When the shard started.
    pub started_at: Option<String>,
    /// Seconds the shard spent simulating.
    pub wall_time_s: f64,
    /// Agents × steps the shard simulated.
    pub agent_steps: u64,
}

/// The scenario after overrides, with defaults filled in and each arm's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resolved {
    /// The providers, as the baseline has them.
    pub providers: Vec<ResolvedProvider>,
    /// The network, as the baseline has it.
    #[serde(default)]
    pub network: ResolvedNetwork,
    /// The adoption parameters, as the baseline has them.
    #[serde(default)]
    pub adoption: ResolvedAdoption,
    /// The segments, as the baseline has them.
    pub segments: Vec<ResolvedSegment>,
    /// The scenario's own keys.
    pub scenario: ResolvedScenario,
    /// The baseline's events, in file order.
    #[serde(default)]
    pub events: Vec<ResolvedEvent>,
    /// The baseline's events by step.
    pub timeline: Vec<TimelineEntry>,
    /// Every variant of the file, run or not.
    #[serde(default)]
    pub variants: Vec<ResolvedVariant>,
    /// The sweep, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<ResolvedSweep>,
    /// `[uncertainty]`, when the file has one: each path's `{ distribution, ..., source }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<IndexMap<String, Value>>,
    /// `[sensitivity]` (or `sensitivity --method`), when the run is a sensitivity design.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<crate::sensitivity::Settings>,
}

/// `resolved.scenario`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolvedScenario {
    /// The scenario's name.
    pub name: String,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// The date of step 0.
    #[serde(default)]
    pub start: String,
    /// The step unit: `day`, `week` or `month`.
    #[serde(default)]
    pub step: String,
    /// Steps after step 0.
    pub steps: u32,
    /// The date of the last step.
    #[serde(default)]
    pub end: String,
    /// The baseline's population.
    #[serde(default)]
    pub population: u32,
    /// Replicates per arm.
    #[serde(default)]
    pub replicates: u32,
    /// The seed.
    #[serde(default)]
    pub seed: u64,
}

/// The network of an arm: its kind, and the parameters the kind has.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResolvedNetwork {
    /// `complete`, `small_world` or `scale_free`.
    pub kind: String,
    /// Neighbours on the ring (small world) or links per new node (scale free).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub degree: Option<u32>,
    /// The rewiring probability (small world).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewire: Option<f64>,
}

/// `[adoption]` of an arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolvedAdoption {
    /// The Bass innovation coefficient.
    pub innovation: f64,
    /// The Bass imitation coefficient.
    pub imitation: f64,
    /// The probability that an adopter reconsiders at a step.
    pub reconsider: f64,
    /// The utility of staying out, if any.
    pub outside_utility: Option<f64>,
    /// What prices are measured against; left out of the file when 1 (the default).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub price_reference: f64,
}

impl Default for ResolvedAdoption {
    /// What a run.json without `adoption` reads as: zero rates, no outside option, the
    /// default price reference.
    fn default() -> ResolvedAdoption {
        ResolvedAdoption {
            innovation: 0.0,
            imitation: 0.0,
            reconsider: 0.0,
            outside_utility: None,
            price_reference: 1.0,
        }
    }
}

/// The default of a price reference and of a potential.
fn one() -> f64 {
    1.0
}

/// Whether a price reference or a potential is its default, so that run.json reads as before.
fn is_one(x: &f64) -> bool {
    *x == 1.0
}

/// A segment of an arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolvedSegment {
    /// The segment's name.
    pub name: String,
    /// Its share of the population.
    #[serde(default)]
    pub share: f64,
    /// Its agents.
    #[serde(default)]
    pub agents: u32,
    /// The share of its agents that have adopted at step 0.
    #[serde(default)]
    pub initial_adoption: f64,
    /// The share of its agents that may ever adopt; left out of the file when 1 (the default).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub potential: f64,
    /// Its mix of tasks, by task.
    #[serde(default)]
    pub tasks: IndexMap<String, f64>,
    /// Its mix of languages, by language.
    #[serde(default)]
    pub languages: IndexMap<String, f64>,
    /// The share of its agents with each capability.
    #[serde(default)]
    pub capabilities: IndexMap<String, f64>,
    /// Its choice weights, by name.
    #[serde(default)]
    pub weights: IndexMap<String, f64>,
    /// The spread of its agents' weight multipliers.
    #[serde(default)]
    pub heterogeneity: f64,
    /// The distribution of its agents' usage weights, when the file declares one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<ResolvedUsage>,
    /// Where its numbers come from.
    #[serde(default)]
    pub source: Option<String>,
}

/// A provider of an arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolvedProvider {
    /// The provider's id: its state's name.
    pub id: String,
    /// Its display name.
    #[serde(default)]
    pub name: String,
    /// The capabilities an agent needs to use it.
    #[serde(default)]
    pub requires: Vec<String>,
    /// Its quality per task, where it serves the task.
    #[serde(default)]
    pub quality: IndexMap<String, f64>,
    /// Its fit per language, where it serves the language.
    #[serde(default)]
    pub languages: IndexMap<String, f64>,
    /// Its costs (price, friction, risk), by name.
    #[serde(flatten)]
    pub costs: IndexMap<String, f64>,
    /// Whether it serves anyone at step 0.
    #[serde(default)]
    pub available: bool,
    /// Whether it takes new users at step 0.
    #[serde(default)]
    pub accepts_new: bool,
    /// Its origin: `cn` counts as domestic; any other, or none, as foreign.
    #[serde(default)]
    pub origin: Option<String>,
    /// Its vendor, written only when it is not the provider's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// Where its numbers come from.
    #[serde(default)]
    pub source: Option<String>,
}

/// A segment's usage weight: `median * exp(sigma * z)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ResolvedUsage {
    /// The median weight.
    pub median: f64,
    /// The sd of the log of the weight.
    pub sigma: f64,
}

/// When an event happens, as written: a date or a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EventAt {
    /// A date, YYYY-MM-DD.
    Date(String),
    /// A step.
    Step(u32),
}

/// An event as the file gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolvedEvent {
    /// The event's name.
    pub name: String,
    /// When it happens, as written.
    pub at: EventAt,
    /// The first step on or after it, where it applies.
    #[serde(default)]
    pub step: u32,
    /// The date of that step.
    #[serde(default)]
    pub date: String,
    /// What it sets, by `set` path.
    #[serde(default)]
    pub set: IndexMap<String, Value>,
    /// Where it comes from.
    #[serde(default)]
    pub source: Option<String>,
}

/// An event of an arm's timeline, by the step it applies at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// The event's name.
    pub name: String,
    /// The date of the step it applies at.
    #[serde(default)]
    pub date: String,
    /// The step it applies at.
    pub step: u32,
}

/// A variant of the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolvedVariant {
    /// The variant's name.
    pub name: String,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// Where it comes from.
    #[serde(default)]
    pub source: Option<String>,
    /// The baseline's events it removes.
    #[serde(default)]
    pub remove_events: Vec<String>,
    /// What it sets, by `set` path.
    #[serde(default)]
    pub set: IndexMap<String, Value>,
    /// Its own events.
    #[serde(default)]
    pub events: Vec<ResolvedEvent>,
    /// Its events and the baseline's it keeps, by step.
    pub timeline: Vec<TimelineEntry>,
    /// Its set-up after its sets.
    #[serde(default)]
    pub resolved: Option<ResolvedArm>,
}

/// The parts of a scenario that a variant may change, as they stand for a variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolvedArm {
    /// Its population.
    pub population: u32,
    /// Its network.
    pub network: ResolvedNetwork,
    /// Its adoption parameters.
    pub adoption: ResolvedAdoption,
    /// Its segments.
    pub segments: Vec<ResolvedSegment>,
    /// Its providers.
    pub providers: Vec<ResolvedProvider>,
}

/// `[sweep]`: the design, the parameters and every point's values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolvedSweep {
    /// `grid`, `latin_hypercube` or `random`.
    #[serde(default)]
    pub design: String,
    /// The samples asked for, if any.
    #[serde(default)]
    pub samples: Option<u32>,
    /// The design's seed, if any.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Each swept path's range: `{min, max}`, `{values}`, `{distribution, ...}` when drawn
    /// from `[uncertainty]`'s other distributions, or `{}` when the points are given.
    #[serde(default)]
    pub parameters: IndexMap<String, Value>,
    /// Per point, one value per parameter.
    pub points: Vec<Vec<Value>>,
    /// Given points: the SHA-256 of the points file, when they came from one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points_sha256: Option<String>,
    /// Given points: each point's weight, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<Vec<f64>>,
}

fn toml_to_json(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => json!(i),
        toml::Value::Float(x) => json!(x),
        toml::Value::Boolean(b) => json!(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => Value::Object(
            table
                .iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

fn set_json(set: &[(String, toml::Value)]) -> IndexMap<String, Value> {
    set.iter()
        .map(|(p, v)| (p.clone(), toml_to_json(v)))
        .collect()
}

fn event_json(scenario: &Scenario, e: &EventInfo) -> ResolvedEvent {
    ResolvedEvent {
        name: e.name.clone(),
        at: match e.at {
            EventTime::Date(d) => EventAt::Date(d.to_string()),
            EventTime::Step(s) => EventAt::Step(s),
        },
        step: e.step,
        date: scenario.calendar.date(e.step).to_string(),
        set: set_json(&e.set),
        source: e.source.clone(),
    }
}

fn timeline_json<'e>(
    scenario: &Scenario,
    events: impl Iterator<Item = &'e EventInfo>,
) -> Vec<TimelineEntry> {
    let mut timeline: Vec<&EventInfo> = events.collect();
    timeline.sort_by_key(|e| e.step);
    timeline
        .iter()
        .map(|e| TimelineEntry {
            name: e.name.clone(),
            date: scenario.calendar.date(e.step).to_string(),
            step: e.step,
        })
        .collect()
}

fn by_name(names: &[String], values: impl Iterator<Item = Option<f64>>) -> IndexMap<String, f64> {
    names
        .iter()
        .zip(values)
        .filter_map(|(n, v)| v.map(|v| (n.clone(), v)))
        .collect()
}

/// The parts of a scenario that a variant may change, as they stand for one arm.
fn setup_json(scenario: &Scenario, setup: &Setup) -> ResolvedArm {
    let (degree, rewire) = match setup.network {
        NetworkSpec::Complete => (None, None),
        NetworkSpec::SmallWorld { degree, rewire } => (Some(degree), Some(rewire)),
        NetworkSpec::ScaleFree { degree } => (Some(degree), None),
    };
    let network = ResolvedNetwork {
        kind: setup.network.kind().name().to_owned(),
        degree,
        rewire,
    };
    let p = &setup.params;
    let segments = scenario
        .segments
        .iter()
        .zip(setup.segments.iter())
        .zip(&p.segments)
        .map(|((info, s), sp)| ResolvedSegment {
            name: info.name.clone(),
            share: s.share,
            agents: s.agents,
            initial_adoption: s.initial_adoption,
            potential: sp.potential,
            tasks: by_name(&scenario.tasks, s.tasks.iter().map(|&x| Some(x))),
            languages: by_name(&scenario.languages, s.languages.iter().map(|&x| Some(x))),
            capabilities: by_name(
                &scenario.capabilities,
                sp.capabilities.iter().map(|&x| Some(x)),
            ),
            weights: Weight::ALL
                .iter()
                .map(|&w| (w.to_string(), sp.weights[w]))
                .collect(),
            heterogeneity: sp.heterogeneity,
            usage: s.usage.map(|u| ResolvedUsage {
                median: u.median,
                sigma: u.sigma,
            }),
            source: info.source.clone(),
        })
        .collect();
    let providers = scenario
        .providers
        .iter()
        .zip(&p.providers)
        .map(|(info, pp)| ResolvedProvider {
            id: info.id.clone(),
            name: info.name.clone(),
            requires: info.requires.clone(),
            quality: by_name(&scenario.tasks, pp.quality.iter().copied()),
            languages: by_name(&scenario.languages, pp.fit.iter().copied()),
            costs: Cost::ALL
                .iter()
                .map(|&cost| (cost.to_string(), pp.costs[cost]))
                .collect(),
            available: pp.available,
            accepts_new: pp.accepts_new,
            origin: info.origin.clone(),
            vendor: (info.vendor != info.id).then(|| info.vendor.clone()),
            source: info.source.clone(),
        })
        .collect();
    ResolvedArm {
        population: setup.population,
        network,
        adoption: ResolvedAdoption {
            innovation: p.innovation,
            imitation: p.imitation,
            reconsider: p.reconsider,
            outside_utility: p.outside_utility,
            price_reference: p.price_reference,
        },
        segments,
        providers,
    }
}

/// The scenario after overrides, with defaults filled in and each arm's timeline.
pub fn resolved(scenario: &Scenario) -> Resolved {
    let c = &scenario.calendar;
    let baseline = setup_json(scenario, &scenario.baseline);
    let variants = scenario
        .variants
        .iter()
        .map(|v| {
            let kept = scenario
                .events
                .iter()
                .filter(|e| !v.remove_events.contains(&e.name))
                .chain(&v.events);
            ResolvedVariant {
                name: v.name.clone(),
                description: v.description.clone(),
                source: v.source.clone(),
                remove_events: v.remove_events.clone(),
                set: set_json(&v.set),
                events: v.events.iter().map(|e| event_json(scenario, e)).collect(),
                timeline: timeline_json(scenario, kept),
                resolved: Some(setup_json(scenario, &v.setup)),
            }
        })
        .collect();
    Resolved {
        providers: baseline.providers,
        network: baseline.network,
        adoption: baseline.adoption,
        segments: baseline.segments,
        scenario: ResolvedScenario {
            name: scenario.name.clone(),
            description: scenario.description.clone(),
            start: c.start().to_string(),
            step: c.unit().to_string(),
            steps: c.steps(),
            end: c.end().to_string(),
            population: baseline.population,
            replicates: scenario.replicates,
            seed: scenario.seed,
        },
        events: scenario
            .events
            .iter()
            .map(|e| event_json(scenario, e))
            .collect(),
        timeline: timeline_json(scenario, scenario.events.iter()),
        variants,
        // Only a swept scenario gains the key, so that an unswept one resolves as it always
        // has.
        sweep: scenario.sweep.as_ref().map(sweep_json),
        uncertainty: (!scenario.uncertainty.is_empty())
            .then(|| uncertainty_json(&scenario.uncertainty)),
        sensitivity: scenario.sensitivity.clone(),
    }
}

/// A distribution as `{ distribution, <its keys> }`, the keys `[uncertainty]` writes.
fn distribution_json(distribution: &Distribution) -> serde_json::Map<String, Value> {
    let kind = distribution.kind().name();
    let value = match distribution {
        Distribution::Uniform { min, max } | Distribution::LogUniform { min, max } => {
            json!({ "distribution": kind, "min": min, "max": max })
        }
        Distribution::TruncatedNormal { mean, sd, min, max } => {
            json!({ "distribution": kind, "mean": mean, "sd": sd, "min": min, "max": max })
        }
        Distribution::Values(values) => json!({
            "distribution": kind,
            "values": values.iter().map(toml_to_json).collect::<Vec<_>>()
        }),
    };
    match value {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

/// `[uncertainty]`: each path's distribution and, when given, its source.
fn uncertainty_json(parameters: &[UncertainParameter]) -> IndexMap<String, Value> {
    parameters
        .iter()
        .map(|p| {
            let mut map = distribution_json(&p.distribution);
            if let Some(source) = &p.source {
                map.insert("source".into(), Value::String(source.clone()));
            }
            (p.path.clone(), Value::Object(map))
        })
        .collect()
}

/// The design, the parameters and every point's values.
fn sweep_json(sweep: &Sweep) -> ResolvedSweep {
    let parameters = sweep
        .parameters
        .iter()
        .map(|p| {
            let range = match &p.distribution {
                Some(Distribution::Uniform { min, max }) => json!({ "min": min, "max": max }),
                Some(Distribution::Values(values)) => {
                    json!({ "values": values.iter().map(toml_to_json).collect::<Vec<_>>() })
                }
                Some(other) => Value::Object(distribution_json(other)),
                None => json!({}),
            };
            (p.path.clone(), range)
        })
        .collect();
    ResolvedSweep {
        design: sweep.design.name().to_owned(),
        samples: sweep.samples,
        seed: sweep.seed,
        parameters,
        points: sweep
            .points
            .iter()
            .map(|p| p.values.iter().map(toml_to_json).collect())
            .collect(),
        points_sha256: sweep.points_sha256.clone(),
        weights: sweep.weights.clone(),
    }
}

/// The SHA-256 of a value's compact JSON, hex.
pub fn json_sha256<T: Serialize>(value: &T) -> String {
    sha256_hex(&serde_json::to_vec(value).unwrap_or_default())
}

/// The whole of `run.json`.
pub fn manifest(
    scenario: &Scenario,
    arms: &[String],
    launch: &Launch,
    wall_time_s: f64,
    agent_steps: u64,
) -> RunManifest {
    let resolved = resolved(scenario);
    RunManifest {
        tool: "blockade".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        scenario_file: scenario.file.clone(),
        scenario_sha256: scenario.file_sha256.clone(),
        resolved_sha256: json_sha256(&resolved),
        seed: scenario.seed,
        replicates: scenario.replicates,
        population: scenario.baseline.population,
        variants: arms.to_vec(),
        overrides: launch.overrides.clone(),
        rng: RngVersions {
            generator: rng::GENERATOR.into(),
            rand: RAND_VERSION.into(),
            libm: LIBM_VERSION.into(),
        },
        threads: Some(launch.threads as u64),
        command_line: launch.command_line.clone(),
        started_at: Some(launch.started_at.clone()),
        wall_time_s,
        agent_steps,
        agent_steps_per_s: agent_steps_per_s(agent_steps, wall_time_s),
        tables: None,
        resolved,
        shards: None,
        format: TableFormat::Csv,
    }
}

/// The rate of a run: agent-steps per second of simulation, 0 when no time passed.
pub(crate) fn agent_steps_per_s(agent_steps: u64, wall_time_s: f64) -> f64 {
    if wall_time_s > 0.0 {
        agent_steps as f64 / wall_time_s
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// run.json names the versions that made the draws; they must be the ones built.
    #[test]
    fn recorded_rng_versions_are_the_locked_ones() {
        let lock = include_str!("../../Cargo.lock");
        for (name, version) in [("rand", RAND_VERSION), ("libm", LIBM_VERSION)] {
            let entry = format!("name = \"{name}\"\nversion = \"{version}\"");
            assert!(lock.contains(&entry), "Cargo.lock has no {name} {version}");
        }
    }
}
