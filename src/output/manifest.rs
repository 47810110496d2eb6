//! `run.json`: what was run, with what, and how long it took (contract 6).
//!
//! `resolved` is the scenario after overrides with defaults filled in, each arm's event
//! timeline included; its hash identifies the work independently of how it was launched.

use super::format::sha256_hex;
use crate::rng;
use crate::scenario::{EventInfo, EventTime, Range, Scenario, Sweep};
use crate::spec::{Cost, NetworkSpec, Setup, Weight};
use serde_json::{Map, Value, json};

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

fn set_json(set: &[(String, toml::Value)]) -> Value {
    Value::Object(
        set.iter()
            .map(|(p, v)| (p.clone(), toml_to_json(v)))
            .collect(),
    )
}

fn event_json(scenario: &Scenario, e: &EventInfo) -> Value {
    json!({
        "name": e.name,
        "at": match e.at {
            EventTime::Date(d) => json!(d.to_string()),
            EventTime::Step(s) => json!(s),
        },
        "step": e.step,
        "date": scenario.calendar.date(e.step).to_string(),
        "set": set_json(&e.set),
        "source": e.source,
    })
}

fn timeline_json<'e>(scenario: &Scenario, events: impl Iterator<Item = &'e EventInfo>) -> Value {
    let mut timeline: Vec<&EventInfo> = events.collect();
    timeline.sort_by_key(|e| e.step);
    Value::Array(
        timeline
            .iter()
            .map(|e| {
                json!({
                    "name": e.name,
                    "date": scenario.calendar.date(e.step).to_string(),
                    "step": e.step,
                })
            })
            .collect(),
    )
}

fn by_name(names: &[String], values: impl Iterator<Item = Option<f64>>) -> Value {
    Value::Object(
        names
            .iter()
            .zip(values)
            .filter_map(|(n, v)| v.map(|v| (n.clone(), json!(v))))
            .collect(),
    )
}

/// The parts of a scenario that a variant may change, as they stand for one arm.
fn setup_json(scenario: &Scenario, setup: &Setup) -> Map<String, Value> {
    let kind = setup.network.kind().name();
    let network = match setup.network {
        NetworkSpec::Complete => json!({ "kind": kind }),
        NetworkSpec::SmallWorld { degree, rewire } => {
            json!({ "kind": kind, "degree": degree, "rewire": rewire })
        }
        NetworkSpec::ScaleFree { degree } => json!({ "kind": kind, "degree": degree }),
    };
    let p = &setup.params;
    let segments: Vec<Value> = scenario
        .segments
        .iter()
        .zip(&setup.segments)
        .zip(&p.segments)
        .map(|((info, s), sp)| {
            json!({
                "name": info.name,
                "share": s.share,
                "agents": s.agents,
                "initial_adoption": s.initial_adoption,
                "tasks": by_name(&scenario.tasks, s.tasks.iter().map(|&x| Some(x))),
                "languages": by_name(&scenario.languages, s.languages.iter().map(|&x| Some(x))),
                "capabilities": by_name(&scenario.capabilities, sp.capabilities.iter().map(|&x| Some(x))),
                "weights": Value::Object(Weight::ALL.iter().map(|&w| (w.to_string(), json!(sp.weights[w]))).collect()),
                "heterogeneity": sp.heterogeneity,
                "source": info.source,
            })
        })
        .collect();
    let providers: Vec<Value> = scenario
        .providers
        .iter()
        .zip(&p.providers)
        .map(|(info, pp)| {
            let mut provider = Map::new();
            provider.insert("id".into(), json!(info.id));
            provider.insert("name".into(), json!(info.name));
            provider.insert("requires".into(), json!(info.requires));
            provider.insert(
                "quality".into(),
                by_name(&scenario.tasks, pp.quality.iter().copied()),
            );
            provider.insert(
                "languages".into(),
                by_name(&scenario.languages, pp.fit.iter().copied()),
            );
            for cost in Cost::ALL {
                provider.insert(cost.to_string(), json!(pp.costs[cost]));
            }
            provider.insert("available".into(), json!(pp.available));
            provider.insert("accepts_new".into(), json!(pp.accepts_new));
            provider.insert("origin".into(), json!(info.origin));
            provider.insert("source".into(), json!(info.source));
            Value::Object(provider)
        })
        .collect();
    let mut map = Map::new();
    map.insert("population".into(), json!(setup.population));
    map.insert("network".into(), network);
    map.insert(
        "adoption".into(),
        json!({
            "innovation": p.innovation,
            "imitation": p.imitation,
            "reconsider": p.reconsider,
            "outside_utility": p.outside_utility,
        }),
    );
    map.insert("segments".into(), Value::Array(segments));
    map.insert("providers".into(), Value::Array(providers));
    map
}

/// The scenario after overrides, with defaults filled in and each arm's timeline.
pub fn resolved(scenario: &Scenario) -> Value {
    let c = &scenario.calendar;
    let mut root = setup_json(scenario, &scenario.baseline);
    let population = root.remove("population");
    root.insert(
        "scenario".into(),
        json!({
            "name": scenario.name,
            "description": scenario.description,
            "start": c.start().to_string(),
            "step": c.unit().to_string(),
            "steps": c.steps(),
            "end": c.end().to_string(),
            "population": population,
            "replicates": scenario.replicates,
            "seed": scenario.seed,
        }),
    );
    root.insert(
        "events".into(),
        Value::Array(
            scenario
                .events
                .iter()
                .map(|e| event_json(scenario, e))
                .collect(),
        ),
    );
    root.insert(
        "timeline".into(),
        timeline_json(scenario, scenario.events.iter()),
    );
    let variants: Vec<Value> = scenario
        .variants
        .iter()
        .map(|v| {
            let kept = scenario
                .events
                .iter()
                .filter(|e| !v.remove_events.contains(&e.name))
                .chain(&v.events);
            let mut map = Map::new();
            map.insert("name".into(), json!(v.name));
            map.insert("description".into(), json!(v.description));
            map.insert("source".into(), json!(v.source));
            map.insert("remove_events".into(), json!(v.remove_events));
            map.insert("set".into(), set_json(&v.set));
            map.insert(
                "events".into(),
                Value::Array(v.events.iter().map(|e| event_json(scenario, e)).collect()),
            );
            map.insert("timeline".into(), timeline_json(scenario, kept));
            map.insert(
                "resolved".into(),
                Value::Object(setup_json(scenario, &v.setup)),
            );
            Value::Object(map)
        })
        .collect();
    root.insert("variants".into(), Value::Array(variants));
    // Only a swept scenario gains the key, so that an unswept one resolves as it always has.
    if let Some(sweep) = &scenario.sweep {
        root.insert("sweep".into(), sweep_json(sweep));
    }
    Value::Object(root)
}

/// The design, the parameters and every point's values.
fn sweep_json(sweep: &Sweep) -> Value {
    let parameters: Map<String, Value> = sweep
        .parameters
        .iter()
        .map(|p| {
            let range = match &p.range {
                Range::Uniform { min, max } => json!({ "min": min, "max": max }),
                Range::Values(values) => {
                    json!({ "values": values.iter().map(toml_to_json).collect::<Vec<_>>() })
                }
            };
            (p.path.clone(), range)
        })
        .collect();
    json!({
        "design": sweep.design.name(),
        "samples": sweep.samples,
        "seed": sweep.seed,
        "parameters": parameters,
        "points": sweep
            .points
            .iter()
            .map(|p| p.values.iter().map(toml_to_json).collect::<Vec<_>>())
            .collect::<Vec<_>>(),
    })
}

/// The SHA-256 of a JSON value's compact serialisation, hex.
pub fn json_sha256(value: &Value) -> String {
    sha256_hex(&serde_json::to_vec(value).unwrap_or_default())
}

/// The whole of `run.json`.
pub fn manifest(
    scenario: &Scenario,
    arms: &[String],
    launch: &Launch,
    wall_time_s: f64,
    agent_steps: u64,
) -> Value {
    let resolved = resolved(scenario);
    json!({
        "tool": "blockade",
        "version": env!("CARGO_PKG_VERSION"),
        "scenario_file": scenario.file,
        "scenario_sha256": scenario.file_sha256,
        "resolved_sha256": json_sha256(&resolved),
        "seed": scenario.seed,
        "replicates": scenario.replicates,
        "population": scenario.baseline.population,
        "variants": arms,
        "overrides": launch.overrides,
        "rng": {
            "generator": rng::GENERATOR,
            "rand": RAND_VERSION,
            "libm": LIBM_VERSION,
        },
        "threads": launch.threads,
        "command_line": launch.command_line,
        "started_at": launch.started_at,
        "wall_time_s": wall_time_s,
        "agent_steps": agent_steps,
        "agent_steps_per_s": if wall_time_s > 0.0 { agent_steps as f64 / wall_time_s } else { 0.0 },
        "resolved": resolved,
    })
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
