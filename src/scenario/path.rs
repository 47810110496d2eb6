//! The paths a `set` may name (docs/FORMAT.md, set paths), and how a value is written at a path.
//!
//! One grammar serves events, variants and `--set`; what differs is the scope each may reach:
//! events change only what can change during a run, variants may also reshape the population
//! and the network, and the command line may also move the horizon and the seed.

use super::raw::{RawScenario, RawSegment};
use crate::spec::{Cost, Weight, named_enum};
use indexmap::IndexMap;
use std::fmt;

/// A parameter a `set` can name, with the names of its segment, provider, task, ... unresolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamPath {
    /// `scenario.<key>`.
    Scenario(ScenarioKey),
    /// `network.<key>`.
    Network(NetworkKey),
    /// `adoption.<key>`.
    Adoption(AdoptionKey),
    /// `segments.<name>.<key>`.
    Segment(String, SegmentKey),
    /// `providers.<id>.<key>`.
    Provider(String, ProviderKey),
}

named_enum! {
    /// The settable keys of `[scenario]`.
    pub enum ScenarioKey {
        /// `scenario.population`.
        Population = "population",
        /// `scenario.steps`.
        Steps = "steps",
        /// `scenario.replicates`.
        Replicates = "replicates",
        /// `scenario.seed`.
        Seed = "seed",
        /// `scenario.start`.
        Start = "start",
        /// `scenario.step`.
        Step = "step",
    }
}

named_enum! {
    /// The keys of `[network]`.
    pub enum NetworkKey {
        /// `network.kind`.
        Kind = "kind",
        /// `network.degree`.
        Degree = "degree",
        /// `network.rewire`.
        Rewire = "rewire",
    }
}

named_enum! {
    /// The keys of `[adoption]`.
    pub enum AdoptionKey {
        /// `adoption.innovation`.
        Innovation = "innovation",
        /// `adoption.imitation`.
        Imitation = "imitation",
        /// `adoption.reconsider`.
        Reconsider = "reconsider",
        /// `adoption.outside_utility`.
        OutsideUtility = "outside_utility",
        /// `adoption.price_reference`.
        PriceReference = "price_reference",
    }
}

/// The settable keys of a segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SegmentKey {
    Share,
    InitialAdoption,
    Potential,
    Heterogeneity,
    Task(String),
    Language(String),
    Capability(String),
    Weight(Weight),
}

/// The settable keys of a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderKey {
    Available,
    AcceptsNew,
    Cost(Cost),
    Quality(String),
    Language(String),
}

/// Who is setting a path. Each scope reaches everything the one before it reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// An event, during the run.
    Event,
    /// A variant's `set`, before step 0.
    Variant,
    /// A `--set` flag, on the file itself.
    CommandLine,
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scope::Event => "an event",
            Scope::Variant => "a variant's set",
            Scope::CommandLine => "--set",
        })
    }
}

/// The key of `table` named `key`, or the message listing the keys it has.
fn one_of<T>(
    key: &str,
    table: &str,
    parse: fn(&str) -> Option<T>,
    names: String,
) -> Result<T, String> {
    parse(key).ok_or_else(|| format!("unknown path: {table} has {names}"))
}

impl ParamPath {
    /// Parses a dotted path such as `providers.qwen.price`.
    pub fn parse(text: &str) -> Result<ParamPath, String> {
        let parts: Vec<&str> = text.split('.').collect();
        let leaf = || format!("unknown path: '{text}' names a table, not a value");
        match parts.as_slice() {
            ["scenario", key] => Ok(ParamPath::Scenario(one_of(
                key,
                "scenario",
                ScenarioKey::parse,
                ScenarioKey::names(),
            )?)),
            ["network", key] => Ok(ParamPath::Network(one_of(
                key,
                "network",
                NetworkKey::parse,
                NetworkKey::names(),
            )?)),
            ["adoption", key] => Ok(ParamPath::Adoption(one_of(
                key,
                "adoption",
                AdoptionKey::parse,
                AdoptionKey::names(),
            )?)),
            ["segments", name, rest @ ..] => {
                let key = match rest {
                    ["share"] => SegmentKey::Share,
                    ["initial_adoption"] => SegmentKey::InitialAdoption,
                    ["potential"] => SegmentKey::Potential,
                    ["heterogeneity"] => SegmentKey::Heterogeneity,
                    ["tasks", task] => SegmentKey::Task(task.to_string()),
                    ["languages", language] => SegmentKey::Language(language.to_string()),
                    ["capabilities", cap] => SegmentKey::Capability(cap.to_string()),
                    ["weights", weight] => SegmentKey::Weight(one_of(
                        weight,
                        "weights",
                        Weight::parse,
                        Weight::names(),
                    )?),
                    ["tasks" | "languages" | "capabilities" | "weights"] | [] => return Err(leaf()),
                    _ => {
                        return Err("unknown path: a segment has share, initial_adoption, \
                                    potential, heterogeneity, tasks.<task>, languages.<language>, \
                                    capabilities.<capability>, weights.<weight>"
                            .into());
                    }
                };
                Ok(ParamPath::Segment(name.to_string(), key))
            }
            ["providers", id, rest @ ..] => {
                let unknown = || {
                    format!(
                        "unknown path: a provider has available, accepts_new, {}, \
                         quality.<task>, languages.<language>",
                        Cost::names()
                    )
                };
                let key = match rest {
                    ["available"] => ProviderKey::Available,
                    ["accepts_new"] => ProviderKey::AcceptsNew,
                    ["quality", task] => ProviderKey::Quality(task.to_string()),
                    ["languages", language] => ProviderKey::Language(language.to_string()),
                    ["quality" | "languages"] | [] => return Err(leaf()),
                    [key] => ProviderKey::Cost(Cost::parse(key).ok_or_else(unknown)?),
                    _ => return Err(unknown()),
                };
                Ok(ParamPath::Provider(id.to_string(), key))
            }
            _ => Err(
                "unknown path: a path starts with scenario, network, adoption, segments.<name> \
                 or providers.<id>"
                    .into(),
            ),
        }
    }

    /// The narrowest scope that may set this path.
    pub fn scope(&self) -> Scope {
        match self {
            ParamPath::Adoption(_) | ParamPath::Provider(..) => Scope::Event,
            ParamPath::Segment(_, key) => match key {
                SegmentKey::Capability(_)
                | SegmentKey::Weight(_)
                | SegmentKey::Heterogeneity
                | SegmentKey::Potential => Scope::Event,
                _ => Scope::Variant,
            },
            ParamPath::Network(_) | ParamPath::Scenario(ScenarioKey::Population) => Scope::Variant,
            ParamPath::Scenario(_) => Scope::CommandLine,
        }
    }

    /// Checks that `scope` may set this path.
    pub fn check_scope(&self, scope: Scope) -> Result<(), String> {
        if self.scope() <= scope {
            return Ok(());
        }
        let who = match self.scope() {
            Scope::Variant => "a variant's set or --set",
            _ => "--set",
        };
        Err(format!("{scope} cannot set {self}: only {who} can"))
    }
}

impl fmt::Display for ParamPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamPath::Scenario(key) => write!(f, "scenario.{key}"),
            ParamPath::Network(key) => write!(f, "network.{key}"),
            ParamPath::Adoption(key) => write!(f, "adoption.{key}"),
            ParamPath::Segment(name, key) => {
                write!(f, "segments.{name}.")?;
                match key {
                    SegmentKey::Share => f.write_str("share"),
                    SegmentKey::InitialAdoption => f.write_str("initial_adoption"),
                    SegmentKey::Potential => f.write_str("potential"),
                    SegmentKey::Heterogeneity => f.write_str("heterogeneity"),
                    SegmentKey::Task(t) => write!(f, "tasks.{t}"),
                    SegmentKey::Language(l) => write!(f, "languages.{l}"),
                    SegmentKey::Capability(c) => write!(f, "capabilities.{c}"),
                    SegmentKey::Weight(w) => write!(f, "weights.{w}"),
                }
            }
            ParamPath::Provider(id, key) => {
                write!(f, "providers.{id}.")?;
                match key {
                    ProviderKey::Available => f.write_str("available"),
                    ProviderKey::AcceptsNew => f.write_str("accepts_new"),
                    ProviderKey::Cost(c) => write!(f, "{c}"),
                    ProviderKey::Quality(t) => write!(f, "quality.{t}"),
                    ProviderKey::Language(l) => write!(f, "languages.{l}"),
                }
            }
        }
    }
}

/// The tasks, languages and capabilities a file knows: those some segment names, in order of
/// first appearance (docs/FORMAT.md, Names, dates and numbers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Known {
    pub tasks: Vec<String>,
    pub languages: Vec<String>,
    pub capabilities: Vec<String>,
}

impl Known {
    /// Collects the names from the segments of a file.
    pub(crate) fn of(segments: &[RawSegment]) -> Known {
        fn add(into: &mut Vec<String>, names: impl Iterator<Item = String>) {
            for name in names {
                if !into.contains(&name) {
                    into.push(name);
                }
            }
        }
        let mut known = Known::default();
        for s in segments {
            add(&mut known.tasks, s.tasks.keys().cloned());
            add(&mut known.languages, s.languages.keys().cloned());
            if let Some(caps) = &s.capabilities {
                add(&mut known.capabilities, caps.keys().cloned());
            }
        }
        known
    }

    /// Checks that a task, language or capability named by a path is known.
    pub(crate) fn check(kind: &str, name: &str, names: &[String]) -> Result<(), String> {
        if names.iter().any(|n| n == name) {
            Ok(())
        } else {
            Err(format!(
                "unknown {kind} '{name}': no segment names it (known: {})",
                names.join(", ")
            ))
        }
    }
}

/// Flattens a `set` table into (dotted path, value) pairs in file order: quoted dotted keys and
/// nested tables mean the same.
pub(crate) fn flatten(table: &toml::Table) -> Vec<(String, toml::Value)> {
    fn walk(prefix: &str, table: &toml::Table, out: &mut Vec<(String, toml::Value)>) {
        for (key, value) in table {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match value {
                toml::Value::Table(inner) => walk(&path, inner, out),
                _ => out.push((path, value.clone())),
            }
        }
    }
    let mut out = Vec::new();
    walk("", table, &mut out);
    out
}

/// The first path a flattened `set` table names twice, once quoted (`"a.b" = 1`) and once
/// dotted (`a.b = 2`), which TOML allows but leaves ambiguous.
pub(crate) fn repeated(set: &[(String, toml::Value)]) -> Option<&str> {
    set.iter()
        .enumerate()
        .find(|(i, (path, _))| set[..*i].iter().any(|(earlier, _)| earlier == path))
        .map(|(_, (path, _))| path.as_str())
}

/// A value read as a number: an integer is accepted where a float is expected.
pub(crate) fn number(value: &toml::Value) -> Result<f64, String> {
    match value {
        toml::Value::Float(x) => Ok(*x),
        toml::Value::Integer(i) => Ok(*i as f64),
        other => Err(format!("expected a number, found {}", describe(other))),
    }
}

/// A value read as an integer: a float is never accepted.
pub(crate) fn integer(value: &toml::Value) -> Result<i64, String> {
    match value {
        toml::Value::Integer(i) => Ok(*i),
        other => Err(format!("expected an integer, found {}", describe(other))),
    }
}

/// A value read as a boolean.
pub(crate) fn boolean(value: &toml::Value) -> Result<bool, String> {
    match value {
        toml::Value::Boolean(b) => Ok(*b),
        other => Err(format!("expected true or false, found {}", describe(other))),
    }
}

fn text(value: &toml::Value) -> Result<String, String> {
    match value {
        toml::Value::String(s) => Ok(s.clone()),
        other => Err(format!("expected a string, found {}", describe(other))),
    }
}

/// How a value is named in an error: its type and the value itself.
pub(crate) fn describe(value: &toml::Value) -> String {
    let kind = match value {
        toml::Value::String(_) => "string",
        toml::Value::Integer(_) => "integer",
        toml::Value::Float(_) => "float",
        toml::Value::Boolean(_) => "boolean",
        toml::Value::Datetime(_) => "datetime",
        toml::Value::Array(_) => "array",
        toml::Value::Table(_) => "table",
    };
    format!("{kind} {value}")
}

fn find_segment<'a>(raw: &'a mut RawScenario, name: &str) -> Result<&'a mut RawSegment, String> {
    raw.segments
        .iter_mut()
        .find(|s| s.name == name)
        .ok_or_else(|| format!("unknown segment '{name}'"))
}

fn put(map: &mut IndexMap<String, f64>, key: &str, value: &toml::Value) -> Result<(), String> {
    map.insert(key.to_owned(), number(value)?);
    Ok(())
}

/// Writes `value` at `path` in a raw scenario (a `--set` or a variant's `set`). Names must exist
/// in the file; ranges and sums are left to validation, which runs after every `set` is applied.
pub(crate) fn apply(
    raw: &mut RawScenario,
    known: &Known,
    path: &ParamPath,
    value: &toml::Value,
) -> Result<(), String> {
    match path {
        ParamPath::Scenario(key) => {
            let meta = &mut raw.scenario;
            match key {
                ScenarioKey::Population => meta.population = integer(value)?,
                ScenarioKey::Steps => meta.steps = integer(value)?,
                ScenarioKey::Replicates => meta.replicates = integer(value)?,
                ScenarioKey::Seed => meta.seed = integer(value)?,
                ScenarioKey::Step => meta.step = text(value)?,
                ScenarioKey::Start => match value {
                    toml::Value::Datetime(_) | toml::Value::String(_) => meta.start = value.clone(),
                    other => return Err(format!("expected a date, found {}", describe(other))),
                },
            }
        }
        ParamPath::Network(key) => match key {
            NetworkKey::Kind => raw.network.kind = text(value)?,
            NetworkKey::Degree => raw.network.degree = Some(integer(value)?),
            NetworkKey::Rewire => raw.network.rewire = Some(number(value)?),
        },
        ParamPath::Adoption(key) => {
            let x = number(value)?;
            let adoption = &mut raw.adoption;
            match key {
                AdoptionKey::Innovation => adoption.innovation = x,
                AdoptionKey::Imitation => adoption.imitation = x,
                AdoptionKey::Reconsider => adoption.reconsider = x,
                AdoptionKey::OutsideUtility => adoption.outside_utility = Some(x),
                AdoptionKey::PriceReference => adoption.price_reference = Some(x),
            }
        }
        ParamPath::Segment(name, key) => {
            let segment = find_segment(raw, name)?;
            match key {
                SegmentKey::Share => segment.share = number(value)?,
                SegmentKey::InitialAdoption => segment.initial_adoption = number(value)?,
                SegmentKey::Potential => segment.potential = Some(number(value)?),
                SegmentKey::Heterogeneity => segment.heterogeneity = Some(number(value)?),
                SegmentKey::Task(task) => {
                    Known::check("task", task, &known.tasks)?;
                    put(&mut segment.tasks, task, value)?;
                }
                SegmentKey::Language(language) => {
                    Known::check("language", language, &known.languages)?;
                    put(&mut segment.languages, language, value)?;
                }
                SegmentKey::Capability(cap) => {
                    Known::check("capability", cap, &known.capabilities)?;
                    put(segment.capabilities.get_or_insert_default(), cap, value)?;
                }
                SegmentKey::Weight(w) => segment.weights.set(*w, number(value)?),
            }
        }
        ParamPath::Provider(id, key) => {
            let provider = raw
                .providers
                .iter_mut()
                .find(|p| &p.id == id)
                .ok_or_else(|| format!("unknown provider '{id}'"))?;
            match key {
                ProviderKey::Available => provider.available = Some(boolean(value)?),
                ProviderKey::AcceptsNew => provider.accepts_new = Some(boolean(value)?),
                ProviderKey::Cost(c) => provider.set_cost(*c, number(value)?),
                ProviderKey::Quality(task) => {
                    Known::check("task", task, &known.tasks)?;
                    put(&mut provider.quality, task, value)?;
                }
                ProviderKey::Language(language) => {
                    Known::check("language", language, &known.languages)?;
                    put(&mut provider.languages, language, value)?;
                }
            }
        }
    }
    Ok(())
}

/// Parses a `--set PATH=VALUE` flag: VALUE is a TOML value, or else a string.
pub(crate) fn parse_assignment(flag: &str) -> Result<(ParamPath, toml::Value), String> {
    let (path, value) = flag
        .split_once('=')
        .ok_or_else(|| "expected PATH=VALUE".to_owned())?;
    let path = ParamPath::parse(path.trim())?;
    let value = value.trim();
    if value.is_empty() {
        return Err("expected PATH=VALUE, the value is empty".into());
    }
    let value = value
        .parse::<toml::Value>()
        .unwrap_or_else(|_| toml::Value::String(value.to_owned()));
    Ok((path, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_back_as_written() {
        for text in [
            "scenario.population",
            "network.rewire",
            "adoption.outside_utility",
            "adoption.price_reference",
            "segments.startup.potential",
            "segments.startup.tasks.video",
            "segments.startup.weights.inertia",
            "providers.openai_vpn.languages.cantonese",
            "providers.kling.accepts_new",
        ] {
            assert_eq!(ParamPath::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn unknown_paths_say_what_exists() {
        let err = ParamPath::parse("adoption.imitaton").unwrap_err();
        assert!(err.starts_with("unknown path"), "{err}");
        assert!(err.contains("imitation"), "{err}");
        assert!(ParamPath::parse("providers.qwen").is_err());
        assert!(ParamPath::parse("providers.qwen.quality").is_err());
        assert!(ParamPath::parse("segments.a.weights.beauty").is_err());
        assert!(ParamPath::parse("scenario.name").is_err());
    }

    #[test]
    fn scopes_widen_from_events_to_the_command_line() {
        let share = ParamPath::parse("segments.a.share").unwrap();
        assert!(share.check_scope(Scope::Event).is_err());
        assert!(share.check_scope(Scope::Variant).is_ok());
        let steps = ParamPath::parse("scenario.steps").unwrap();
        assert!(steps.check_scope(Scope::Variant).is_err());
        assert!(steps.check_scope(Scope::CommandLine).is_ok());
        let price = ParamPath::parse("providers.a.price").unwrap();
        assert!(price.check_scope(Scope::Event).is_ok());
        let potential = ParamPath::parse("segments.a.potential").unwrap();
        assert!(potential.check_scope(Scope::Event).is_ok());
    }

    #[test]
    fn nested_and_quoted_keys_flatten_alike() {
        let quoted: toml::Table = toml::from_str(r#""providers.a.price" = 2"#).unwrap();
        let nested: toml::Table = toml::from_str("providers.a.price = 2").unwrap();
        assert_eq!(flatten(&quoted), flatten(&nested));
        assert_eq!(flatten(&quoted)[0].0, "providers.a.price");
    }

    #[test]
    fn assignments_parse_toml_values_or_fall_back_to_strings() {
        let (path, value) = parse_assignment("network.kind=complete").unwrap();
        assert_eq!(path.to_string(), "network.kind");
        assert_eq!(value, toml::Value::String("complete".into()));
        let (_, value) = parse_assignment("adoption.imitation=0.3").unwrap();
        assert_eq!(value, toml::Value::Float(0.3));
        assert!(parse_assignment("adoption.imitation").is_err());
        assert!(parse_assignment("adoption.imitation=").is_err());
    }
}
