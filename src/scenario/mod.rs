//! Scenario files: parsing, `set` paths, overrides and validation (docs/FORMAT.md, Scenario file).
//!
//! A file is read in two stages, as ripgrep turns low-level into high-level arguments: serde
//! reads the TOML into `raw` structs that mirror it, command-line overrides are written into
//! those, and `validate` turns them into a [`Scenario`] whose every invariant holds, with
//! names resolved to indices. Every problem names the file, the key and, where known, the line.

mod path;
mod raw;
mod spans;
mod sweep;
mod tables;
mod targets;
mod validate;

pub use path::{ParamPath, Scope};
pub use sweep::{
    Design, GivenPoints, MAX_POINTS, Point, Sweep, SweepParameter, design_points, unit_points,
};
pub use tables::{Table, TableFormat, Tables};

use crate::calendar::Calendar;
use crate::error::InputError;
use crate::spec::{FIXED_STATES, Patch, Setup, Target, UncertainParameter};
use chrono::NaiveDate;
use serde::Deserialize;
use std::path::Path;

/// The state names no identifier may take.
pub const RESERVED: [&str; 6] = [
    "not_adopted",
    "unserved",
    "all",
    "baseline",
    "domestic",
    "foreign",
];

/// Words that pandas, polars or R read as a missing value or a number rather than a name;
/// no identifier may be one.
pub const MISSING_WORDS: [&str; 6] = ["na", "nan", "null", "none", "inf", "infinity"];

/// The flags that change a file before it is validated (docs/FORMAT.md, Command line).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--set PATH=VALUE`, in the order given; a later one wins.
    pub sets: Vec<String>,
    /// `--population`.
    pub population: Option<u64>,
    /// `--replicates`.
    pub replicates: Option<u64>,
    /// `--seed`.
    pub seed: Option<u64>,
    /// `--points`: points given rather than drawn, which replace the file's `[sweep]`.
    pub points: Option<GivenPoints>,
    /// `sensitivity --method`: the method of a sensitivity analysis, over the file's
    /// `[sensitivity]` (or its defaults when the file has none).
    pub method: Option<crate::sensitivity::Method>,
    /// `calibrate --prior FILE`: a file holding only an `[uncertainty]` table, which replaces
    /// the scenario's.
    pub prior: Option<PriorFile>,
}

/// A file holding only an `[uncertainty]` table (docs/FORMAT.md, calibrate), read by the
/// caller and checked against the scenario it replaces the table of.
#[derive(Debug, Clone)]
pub struct PriorFile {
    /// Its name as the user wrote it, for messages.
    pub file: String,
    /// Its text.
    pub text: String,
}

/// A validated scenario: the file after overrides, with every variant resolved.
#[expect(
    clippy::manual_non_exhaustive,
    reason = "the private field keeps construction to validation inside the crate too"
)]
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file's name as the user wrote it, for messages.
    pub file: String,
    /// The SHA-256 of the file's bytes, hex.
    pub file_sha256: String,
    /// `scenario.name`.
    pub name: String,
    /// `scenario.description`.
    pub description: Option<String>,
    /// The dates of the steps.
    pub calendar: Calendar,
    /// Replicates per variant.
    pub replicates: u32,
    /// The seed of every random stream.
    pub seed: u64,
    /// Known tasks, in order of first appearance.
    pub tasks: Vec<String>,
    /// Known languages, in order of first appearance.
    pub languages: Vec<String>,
    /// Known capabilities, in order of first appearance.
    pub capabilities: Vec<String>,
    /// Segment names and sources, in file order.
    pub segments: Vec<SegmentInfo>,
    /// Provider names, origins and sources, in file order.
    pub providers: Vec<ProviderInfo>,
    /// The baseline's events, in file order.
    pub events: Vec<EventInfo>,
    /// The baseline: the file as written (after overrides).
    pub baseline: Setup,
    /// The variants, in file order.
    pub variants: Vec<Variant>,
    /// The `[sweep]`, with every point validated; `baseline` and `variants` above are then the
    /// file before any point is written over it.
    pub sweep: Option<Sweep>,
    /// `[uncertainty]`: the uncertain parameters in file order, empty without the table.
    pub uncertainty: Vec<UncertainParameter>,
    /// `[output] tables`, when the file names them; `run --tables` overrides it.
    pub tables: Option<Tables>,
    /// The `[[targets]]`, in file order: observations `calibrate` fits to or holds out.
    pub targets: Vec<Target>,
    /// `[sensitivity]` (or `sensitivity --method`): the analysis whose design `sweep` then
    /// holds as given points, one per design point.
    pub sensitivity: Option<crate::sensitivity::Settings>,
    /// `[output] format`, when the file names one; `run --format` overrides it.
    pub format: Option<TableFormat>,
    /// Things worth saying that do not stop a run.
    pub warnings: Vec<String>,
    /// Private, so that only validation (this module) builds a `Scenario`.
    _validated: (),
}

/// A segment's fixed description.
#[derive(Debug, Clone)]
pub struct SegmentInfo {
    /// Its name.
    pub name: String,
    /// Its evidence.
    pub source: Option<String>,
}

/// A provider's fixed description.
#[derive(Debug, Clone)]
pub struct ProviderInfo {
    /// Its id, the state name in the outputs.
    pub id: String,
    /// Its free-text name.
    pub name: String,
    /// Its country; `cn` is domestic.
    pub origin: Option<String>,
    /// The vendor it belongs to (its id unless the file names another).
    pub vendor: String,
    /// Its evidence.
    pub source: Option<String>,
    /// The capabilities it requires, by name.
    pub requires: Vec<String>,
}

/// When an event was written to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventTime {
    /// A date inside the horizon.
    Date(NaiveDate),
    /// A step number.
    Step(u32),
}

/// An event as written, with the step it applies at.
#[derive(Debug, Clone)]
pub struct EventInfo {
    /// Its unique name.
    pub name: String,
    /// When the file says it happens.
    pub at: EventTime,
    /// The first step on or after `at`.
    pub step: u32,
    /// Its changes as (path, value), in file order.
    pub set: Vec<(String, toml::Value)>,
    /// The same changes, resolved.
    pub patches: Vec<Patch>,
    /// Its evidence.
    pub source: Option<String>,
}

/// A policy variant.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Its unique name.
    pub name: String,
    /// What it changes, in words.
    pub description: Option<String>,
    /// Its evidence.
    pub source: Option<String>,
    /// Baseline events it removes.
    pub remove_events: Vec<String>,
    /// Its changes before step 0, as (path, value).
    pub set: Vec<(String, toml::Value)>,
    /// Its own events.
    pub events: Vec<EventInfo>,
    /// Everything the model needs to run it.
    pub setup: Setup,
}

/// One run's worth of work: the baseline or a variant, at one sweep point.
#[derive(Debug, Clone, Copy)]
pub struct Arm<'a> {
    /// `baseline` or the variant's name.
    pub name: &'a str,
    /// The sweep point, from 0; always 0 without a `[sweep]`.
    pub point: usize,
    /// What to simulate.
    pub setup: &'a Setup,
}

impl Scenario {
    /// Reads, overrides and validates a scenario file.
    pub fn load(file: &Path, overrides: &Overrides) -> Result<Scenario, InputError> {
        let shown = file.display().to_string();
        let bytes = std::fs::read(file)
            .map_err(|e| InputError::new(format!("cannot read: {e}")).in_origin(&shown))?;
        Scenario::from_bytes(&shown, &bytes, overrides)
    }

    /// Validates a scenario from its bytes; `file` names it in messages.
    pub fn from_bytes(
        file: &str,
        bytes: &[u8],
        overrides: &Overrides,
    ) -> Result<Scenario, InputError> {
        let text = std::str::from_utf8(bytes)
            .map_err(|e| InputError::new(format!("not UTF-8: {e}")).in_origin(file))?;
        let (raw, spans) = parse::<raw::RawScenario>(file, text)?;
        validate::validate(file, bytes, raw, &spans, overrides)
    }

    /// The baseline, then the variants named in `names` in file order (all when `names` is
    /// empty; `baseline` alone runs the baseline alone), at each sweep point in turn: arm a of
    /// point p is element p × (arms per point) + a. An unknown name is an error.
    pub fn arms(&self, names: &[String]) -> Result<Vec<Arm<'_>>, InputError> {
        for name in names {
            if name != "baseline" && !self.variants.iter().any(|v| &v.name == name) {
                let known: Vec<&str> = self.variants.iter().map(|v| v.name.as_str()).collect();
                return Err(InputError::new(format!(
                    "unknown variant '{name}' (the file has: baseline{}{})",
                    if known.is_empty() { "" } else { ", " },
                    known.join(", ")
                ))
                .in_origin("--variant"));
            }
        }
        let selected: Vec<usize> = (0..self.variants.len())
            .filter(|&v| names.is_empty() || names.contains(&self.variants[v].name))
            .collect();
        let points = self.sweep.as_ref().map_or(1, |s| s.points.len());
        let mut arms = Vec::with_capacity(points * (1 + selected.len()));
        for point in 0..points {
            let at = self.sweep.as_ref().map(|s| &s.points[point]);
            arms.push(Arm {
                name: "baseline",
                point,
                setup: at.map_or(&self.baseline, |p| &p.baseline),
            });
            for &v in &selected {
                arms.push(Arm {
                    name: &self.variants[v].name,
                    point,
                    setup: at.map_or(&self.variants[v].setup, |p| &p.variants[v]),
                });
            }
        }
        Ok(arms)
    }

    /// The states of the outputs, in order: `not_adopted`, `unserved`, then the providers.
    pub fn states(&self) -> Vec<&str> {
        FIXED_STATES
            .into_iter()
            .chain(self.providers.iter().map(|p| p.id.as_str()))
            .collect()
    }
}

/// Parses `text` (the file `file`) as TOML into `T`, with the index of where each key is;
/// a syntax error or a key `T` does not take is one error naming the file, key and line.
fn parse<T: for<'de> Deserialize<'de>>(
    file: &str,
    text: &str,
) -> Result<(T, spans::SpanIndex), InputError> {
    let document = toml::de::DeTable::parse(text).map_err(|e| {
        let mut err =
            InputError::new(format!("syntax error: {}", first_line(e.message()))).in_origin(file);
        err.line = e.span().map(|span| line_of(text, span.start));
        err
    })?;
    let spans = spans::SpanIndex::new(text, &document);
    let parsed = T::deserialize(toml::de::Deserializer::from(document)).map_err(|e| {
        let offset = e.span().map(|span| span.start);
        InputError {
            origin: Some(file.to_owned()),
            line: offset.map(|o| spans.line_of(o)),
            key: offset.and_then(|o| spans.key_at(o)).map(str::to_owned),
            message: plain_types(first_line(e.message())),
        }
    })?;
    Ok((parsed, spans))
}

/// serde's messages name Rust types; a scenario's author knows TOML's.
fn plain_types(message: &str) -> String {
    message
        .replace("expected i64", "expected an integer")
        .replace("expected f64", "expected a number")
        .replace("expected a boolean", "expected true or false")
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or(message).trim()
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
