//! Raw scenario to [`Scenario`]: overrides, ranges, sums, names, dates and events.
//!
//! Problems are collected, not returned at the first one, so that the message can say how many
//! there are; the first in the file is the one reported.

use super::path::{self, Known, ParamPath, ProviderKey, Scope, SegmentKey};
use super::raw::{RawEvent, RawScenario, RawSweep};
use super::spans::SpanIndex;
use super::sweep::{self, Design, MAX_POINTS, Point, Range, Sweep, SweepParameter};
use super::{
    EventInfo, EventTime, Overrides, ProviderInfo, RESERVED, Scenario, SegmentInfo, Variant,
};
use crate::calendar::{Calendar, StepUnit, parse_iso_date};
use crate::error::InputError;
use crate::spec::{
    Bound, Cost, Costs, NetworkKind, NetworkSpec, Params, Patch, ProviderParams, SegmentParams,
    SegmentSetup, Setup, TimedPatches, Timeline, Weight, Weights, segment_sizes,
};
use indexmap::IndexMap;
use sha2::{Digest, Sha256};

/// Sums of shares must be within this of 1 (contract 2).
const SUM_TOLERANCE: f64 = 1e-6;
/// States are stored in a byte: `not_adopted`, `unserved` and the providers.
const MAX_PROVIDERS: usize = 254;
/// Capabilities held are a bit mask per agent.
const MAX_CAPABILITIES: usize = 32;
/// Tasks and languages are stored in a byte per agent.
const MAX_CATEGORIES: usize = 256;
/// Agents are indexed by u32.
const MAX_POPULATION: i64 = u32::MAX as i64 - 1;

/// Collects problems, each with its key, the line the key is on and the file (or the flag
/// that changed the key).
struct Checker<'a> {
    file: &'a str,
    spans: &'a SpanIndex,
    /// (path, flag) for each key a command-line flag changed: its problems name the flag.
    overridden: Vec<(String, String)>,
    problems: Vec<InputError>,
}

impl Checker<'_> {
    fn report(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.report_nth(key, 0, message);
    }

    /// Reports a problem at the `n`-th (0-based) occurrence of `key` in the file: a repeated
    /// name is reported where it repeats, not where it first appears.
    fn report_nth(&mut self, key: impl Into<String>, n: usize, message: impl Into<String>) {
        let key = key.into();
        let flag = self
            .overridden
            .iter()
            .rev()
            // A flag that changed the key, or a key within it (a share within a sum).
            .find(|(path, _)| *path == key || path.starts_with(&format!("{key}.")))
            .map(|(_, flag)| flag.clone());
        let error = match flag {
            Some(flag) => InputError::at_key(key, message).in_origin(flag),
            None => InputError {
                line: self.spans.line_of_nth_key(&key, n),
                ..InputError::at_key(key, message).in_origin(self.file)
            },
        };
        self.problems.push(error);
    }

    /// Reports a failed range check at `key`; returns the value either way.
    fn check(&mut self, key: &str, x: f64, bound: Bound) -> f64 {
        if let Err(message) = bound.check(x) {
            self.report(key, message);
        }
        x
    }

    /// An integer in `min..=max`, or `None` after reporting.
    fn in_range(&mut self, key: &str, x: i64, min: i64, max: i64) -> Option<i64> {
        if (min..=max).contains(&x) {
            Some(x)
        } else {
            self.report(key, format!("must be an integer in {min}..={max}, not {x}"));
            None
        }
    }

    /// An integer in `min..=max`, or `min` after reporting.
    fn integer(&mut self, key: &str, x: i64, min: i64, max: i64) -> i64 {
        self.in_range(key, x, min, max).unwrap_or(min)
    }

    /// An identifier: `[a-z0-9_-]+`, and not a reserved word where `reserved_too`.
    fn identifier(&mut self, key: &str, name: &str, reserved_too: bool) {
        let well_formed = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !well_formed {
            self.report(key, format!("'{name}' is not an identifier ([a-z0-9_-]+)"));
        } else if reserved_too && RESERVED.contains(&name) {
            self.report(
                key,
                format!("'{name}' is a reserved word ({})", RESERVED.join(", ")),
            );
        }
    }

    fn unique<'n>(&mut self, key: impl Fn(&str) -> String, names: impl Iterator<Item = &'n str>) {
        let mut seen: Vec<&str> = Vec::new();
        for name in names {
            let earlier = seen.iter().filter(|&&s| s == name).count();
            if earlier > 0 {
                self.report_nth(key(name), earlier, format!("duplicate name '{name}'"));
            }
            seen.push(name);
        }
    }

    /// A map of fractions that must each be probabilities and sum to 1; returned per known
    /// name, normalised by their sum (contract 7.6).
    fn fractions(&mut self, key: &str, map: &IndexMap<String, f64>, known: &[String]) -> Vec<f64> {
        if map.is_empty() {
            self.report(key, "must name at least one entry");
            return vec![0.0; known.len()];
        }
        for (name, &x) in map {
            self.check(&format!("{key}.{name}"), x, Bound::Probability);
        }
        let sum: f64 = map.values().sum();
        if (sum - 1.0).abs() > SUM_TOLERANCE || !sum.is_finite() {
            self.report(key, format!("fractions sum to {sum}, not 1"));
        }
        let sum = if sum > 0.0 { sum } else { 1.0 };
        known
            .iter()
            .map(|name| map.get(name).copied().unwrap_or(0.0) / sum)
            .collect()
    }

    /// The error to report: the first problem in file order (problems without a line come
    /// last), saying how many more there are.
    fn failure(mut self) -> InputError {
        if self.problems.is_empty() {
            return InputError::new("invalid scenario").in_origin(self.file);
        }
        let more = self.problems.len() - 1;
        let file = self.file;
        self.problems.sort_by_key(|p| {
            (
                p.origin.as_deref() != Some(file),
                p.line.unwrap_or(usize::MAX),
            )
        });
        let mut first = self.problems.swap_remove(0);
        if more > 0 {
            let plural = if more == 1 { "" } else { "s" };
            first.message += &format!(" (and {more} more problem{plural})");
        }
        first
    }
}

/// Validates `raw` after applying `overrides`; `file` and `bytes` name and identify it.
pub(super) fn validate(
    file: &str,
    bytes: &[u8],
    mut raw: RawScenario,
    spans: &SpanIndex,
    overrides: &Overrides,
) -> Result<Scenario, InputError> {
    let known = Known::of(&raw.segments);
    let overridden = apply_overrides(&mut raw, &known, overrides)?;
    let mut ck = Checker {
        file,
        spans,
        overridden,
        problems: Vec::new(),
    };
    check_names(&raw, &known, &mut ck);
    let meta = check_meta(&raw, &mut ck);
    let mut baseline = build_setup(&raw, &known, &mut ck);
    // Events and variants are placed on the calendar; without one, report what was found.
    let Some((calendar, replicates, seed)) = meta else {
        return Err(ck.failure());
    };
    let names = Names::of(&raw, &known);
    let events = check_events("events", &raw.events, &names, &calendar, &mut ck);
    let variants: Vec<Variant> = raw
        .variants
        .iter()
        .map(|rv| check_variant(&raw, rv, &known, &names, &events, &calendar, &mut ck))
        .collect();
    if !ck.problems.is_empty() {
        return Err(ck.failure());
    }
    baseline.timeline = timeline_of(events.iter(), &[]);

    let mut warnings = Vec::new();
    warn_empty_segments("baseline", &baseline, &raw, &mut warnings);
    for variant in &variants {
        warn_empty_segments(&variant.name, &variant.setup, &raw, &mut warnings);
        warn_overridden_sets(variant, &events, &calendar, &mut warnings);
    }
    warn_unused_network_keys(&raw, &mut warnings);

    let sweep = match &raw.sweep {
        None => None,
        Some(rs) => {
            let sweep = check_sweep(&raw, rs, &known, &baseline, &variants, &mut ck);
            if !ck.problems.is_empty() {
                return Err(ck.failure());
            }
            if let Some(sweep) = &sweep {
                warn_sweep(sweep, rs, &ck, &variants, &events, &raw, &mut warnings);
            }
            sweep
        }
    };

    Ok(Scenario {
        file: file.to_owned(),
        file_sha256: hex_sha256(bytes),
        name: raw.scenario.name.clone(),
        description: raw.scenario.description.clone(),
        calendar,
        replicates,
        seed,
        tasks: known.tasks.clone(),
        languages: known.languages.clone(),
        capabilities: known.capabilities.clone(),
        segments: raw
            .segments
            .iter()
            .map(|s| SegmentInfo {
                name: s.name.clone(),
                source: s.source.clone(),
            })
            .collect(),
        providers: raw
            .providers
            .iter()
            .map(|p| ProviderInfo {
                id: p.id.clone(),
                name: p.name.clone().unwrap_or_else(|| p.id.clone()),
                origin: p.origin.clone(),
                source: p.source.clone(),
                requires: p.requires.clone().unwrap_or_default(),
            })
            .collect(),
        events,
        baseline,
        variants,
        sweep,
        warnings,
    })
}

/// Writes `--set`, `--population`, `--replicates` and `--seed` into the file (contract 7.11):
/// the `--set` flags in order, then the dedicated flags. Returns which flag changed which path.
fn apply_overrides(
    raw: &mut RawScenario,
    known: &Known,
    overrides: &Overrides,
) -> Result<Vec<(String, String)>, InputError> {
    let mut changed = Vec::new();
    for flag in &overrides.sets {
        let origin = format!("--set '{flag}'");
        let fail = |message: String| InputError::new(message).in_origin(&origin);
        let (path, value) = path::parse_assignment(flag).map_err(fail)?;
        path.check_scope(Scope::CommandLine).map_err(fail)?;
        path::apply(raw, known, &path, &value).map_err(fail)?;
        changed.push((path.to_string(), origin));
    }
    let flags = [
        ("--population", "scenario.population", overrides.population),
        ("--replicates", "scenario.replicates", overrides.replicates),
        ("--seed", "scenario.seed", overrides.seed),
    ];
    for (flag, path, value) in flags {
        let Some(value) = value else { continue };
        let value = i64::try_from(value)
            .map_err(|_| InputError::new(format!("{value} is too large")).in_origin(flag))?;
        let path = ParamPath::parse(path).map_err(InputError::new)?;
        path::apply(raw, known, &path, &toml::Value::Integer(value))
            .map_err(|e| InputError::new(e).in_origin(flag))?;
        changed.push((path.to_string(), flag.to_owned()));
    }
    Ok(changed)
}

/// Names: identifiers, reserved words, duplicates, and names that must refer to known ones.
fn check_names(raw: &RawScenario, known: &Known, ck: &mut Checker) {
    ck.identifier("scenario.name", &raw.scenario.name, false);
    if raw.segments.is_empty() {
        ck.report("segments", "a scenario needs at least one [[segments]]");
    }
    if raw.providers.is_empty() {
        ck.report("providers", "a scenario needs at least one [[providers]]");
    }
    for s in &raw.segments {
        let key = format!("segments.{}", s.name);
        ck.identifier(&format!("{key}.name"), &s.name, true);
        let categories = [
            ("tasks", s.tasks.keys().collect::<Vec<_>>()),
            ("languages", s.languages.keys().collect()),
            (
                "capabilities",
                s.capabilities.iter().flat_map(|c| c.keys()).collect(),
            ),
        ];
        for (table, names) in categories {
            for name in names {
                ck.identifier(&format!("{key}.{table}.{name}"), name, true);
            }
        }
    }
    ck.unique(
        |n| format!("segments.{n}.name"),
        raw.segments.iter().map(|s| s.name.as_str()),
    );
    for p in &raw.providers {
        let key = format!("providers.{}", p.id);
        ck.identifier(&format!("{key}.id"), &p.id, true);
        for cap in p.requires.iter().flatten() {
            if let Err(e) = Known::check("capability", cap, &known.capabilities) {
                ck.report(format!("{key}.requires"), e);
            }
        }
        for task in p.quality.keys() {
            if let Err(e) = Known::check("task", task, &known.tasks) {
                ck.report(format!("{key}.quality.{task}"), e);
            }
        }
        for language in p.languages.keys() {
            if let Err(e) = Known::check("language", language, &known.languages) {
                ck.report(format!("{key}.languages.{language}"), e);
            }
        }
    }
    ck.unique(
        |n| format!("providers.{n}.id"),
        raw.providers.iter().map(|p| p.id.as_str()),
    );
    let limits = [
        ("providers", raw.providers.len(), MAX_PROVIDERS),
        ("segments", known.capabilities.len(), MAX_CAPABILITIES),
        ("segments", known.tasks.len(), MAX_CATEGORIES),
        ("segments", known.languages.len(), MAX_CATEGORIES),
    ];
    for ((key, count, max), what) in
        limits
            .into_iter()
            .zip(["providers", "capabilities", "tasks", "languages"])
    {
        if count > max {
            ck.report(
                key,
                format!("{count} {what}; blockade handles at most {max}"),
            );
        }
    }
    let all_events =
        raw.events
            .iter()
            .map(|e| ("events".to_owned(), e))
            .chain(raw.variants.iter().flat_map(|v| {
                v.events
                    .iter()
                    .flatten()
                    .map(move |e| (format!("variants.{}.events", v.name), e))
            }));
    // (name, key) of each event so far; a repeat within one table shares its key.
    let mut seen: Vec<(&str, String)> = Vec::new();
    for (prefix, e) in all_events {
        let key = format!("{prefix}.{}.name", e.name);
        ck.identifier(&key, &e.name, true);
        if seen.iter().any(|(name, _)| *name == e.name) {
            let earlier = seen.iter().filter(|(_, k)| *k == key).count();
            ck.report_nth(key.clone(), earlier, format!("duplicate event name '{}': event names are unique across [[events]] and every [[variants.events]]", e.name));
        }
        seen.push((&e.name, key));
    }
    for v in &raw.variants {
        ck.identifier(&format!("variants.{}.name", v.name), &v.name, true);
    }
    ck.unique(
        |n| format!("variants.{n}.name"),
        raw.variants.iter().map(|v| v.name.as_str()),
    );
}

/// The calendar, replicates and seed; `None` when the calendar cannot be built.
fn check_meta(raw: &RawScenario, ck: &mut Checker) -> Option<(Calendar, u32, u64)> {
    let meta = &raw.scenario;
    let replicates = ck.integer(
        "scenario.replicates",
        meta.replicates,
        1,
        i64::from(u32::MAX),
    );
    let seed = ck.integer("scenario.seed", meta.seed, 0, i64::MAX);
    // A horizon clamped after an error would misplace every event: without a valid one, no
    // event is placed, and the steps are the one problem reported.
    let steps = ck.in_range("scenario.steps", meta.steps, 1, i64::from(u32::MAX));
    let unit = StepUnit::parse(&meta.step);
    if unit.is_none() {
        ck.report(
            "scenario.step",
            format!("'{}' is not a step unit ({})", meta.step, StepUnit::names()),
        );
    }
    let start = match date_of(&meta.start) {
        Ok(date) => Some(date),
        Err(e) => {
            ck.report("scenario.start", e);
            None
        }
    };
    let calendar = Calendar::new(start?, unit?, u32::try_from(steps?).ok()?);
    if calendar.is_none() {
        ck.report(
            "scenario.steps",
            format!(
                "{} steps run past the last date blockade can represent",
                meta.steps
            ),
        );
    }
    Some((
        calendar?,
        u32::try_from(replicates).ok()?,
        u64::try_from(seed).ok()?,
    ))
}

/// A date written as a TOML local date or a "YYYY-MM-DD" string.
fn date_of(value: &toml::Value) -> Result<chrono::NaiveDate, String> {
    let bad = || {
        format!(
            "expected a date such as 2024-07-09, found {}",
            path::describe(value)
        )
    };
    match value {
        toml::Value::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => chrono::NaiveDate::from_ymd_opt(
                i32::from(d.year),
                u32::from(d.month),
                u32::from(d.day),
            )
            .ok_or_else(bad),
            _ => Err(format!("{}: a date takes no time or offset", bad())),
        },
        toml::Value::String(text) => parse_iso_date(text).ok_or_else(bad),
        _ => Err(bad()),
    }
}

/// Population, network, segments and parameters of one arm; its timeline is added later.
fn build_setup(raw: &RawScenario, known: &Known, ck: &mut Checker) -> Setup {
    let population = ck
        .in_range(
            "scenario.population",
            raw.scenario.population,
            1,
            MAX_POPULATION,
        )
        .and_then(|n| u32::try_from(n).ok());
    let network = check_network(raw, population, ck);
    let population = population.unwrap_or(1);

    let mut segments = Vec::new();
    let mut segment_params = Vec::new();
    for s in &raw.segments {
        let key = format!("segments.{}", s.name);
        let weights = Weights::new(Weight::ALL.map(|w| {
            ck.check(
                &format!("{key}.weights.{w}"),
                s.weights.get(w),
                Bound::Finite,
            )
        }));
        let empty = IndexMap::new();
        let caps = s.capabilities.as_ref().unwrap_or(&empty);
        for (name, &x) in caps {
            ck.check(&format!("{key}.capabilities.{name}"), x, Bound::Probability);
        }
        segment_params.push(SegmentParams {
            capabilities: known
                .capabilities
                .iter()
                .map(|c| caps.get(c).copied().unwrap_or(0.0))
                .collect(),
            weights,
            heterogeneity: ck.check(
                &format!("{key}.heterogeneity"),
                s.heterogeneity.unwrap_or(0.0),
                Bound::Heterogeneity,
            ),
        });
        segments.push(SegmentSetup {
            share: ck.check(&format!("{key}.share"), s.share, Bound::Probability),
            agents: 0,
            initial_adoption: ck.check(
                &format!("{key}.initial_adoption"),
                s.initial_adoption,
                Bound::Probability,
            ),
            tasks: ck.fractions(&format!("{key}.tasks"), &s.tasks, &known.tasks),
            languages: ck.fractions(&format!("{key}.languages"), &s.languages, &known.languages),
        });
    }
    let share_sum: f64 = segments.iter().map(|s| s.share).sum();
    if !raw.segments.is_empty()
        && ((share_sum - 1.0).abs() > SUM_TOLERANCE || !share_sum.is_finite())
    {
        ck.report(
            "segments",
            format!("segment shares sum to {share_sum}, not 1"),
        );
    }
    if share_sum > 0.0 && share_sum.is_finite() {
        let shares: Vec<f64> = segments.iter().map(|s| s.share).collect();
        for (segment, agents) in segments.iter_mut().zip(segment_sizes(&shares, population)) {
            segment.agents = agents;
        }
    }

    let a = &raw.adoption;
    let params = Params {
        innovation: ck.check("adoption.innovation", a.innovation, Bound::Probability),
        imitation: ck.check("adoption.imitation", a.imitation, Bound::Probability),
        reconsider: ck.check("adoption.reconsider", a.reconsider, Bound::Probability),
        outside_utility: a
            .outside_utility
            .map(|x| ck.check("adoption.outside_utility", x, Bound::Finite)),
        segments: segment_params,
        providers: raw
            .providers
            .iter()
            .map(|p| {
                let key = format!("providers.{}", p.id);
                let per_known = |map: &IndexMap<String, f64>,
                                 names: &[String],
                                 table: &str,
                                 ck: &mut Checker| {
                    for (name, &x) in map {
                        ck.check(&format!("{key}.{table}.{name}"), x, Bound::Finite);
                    }
                    names.iter().map(|n| map.get(n).copied()).collect()
                };
                ProviderParams {
                    requires: p
                        .requires
                        .iter()
                        .flatten()
                        .filter_map(|c| known.capabilities.iter().position(|k| k == c))
                        .fold(0, |mask, c| mask | (1 << c)),
                    available: p.available.unwrap_or(true),
                    accepts_new: p.accepts_new.unwrap_or(true),
                    costs: Costs::new(
                        Cost::ALL.map(|c| ck.check(&format!("{key}.{c}"), p.cost(c), c.bound())),
                    ),
                    quality: per_known(&p.quality, &known.tasks, "quality", ck),
                    fit: per_known(&p.languages, &known.languages, "languages", ck),
                }
            })
            .collect(),
    };
    Setup {
        population,
        network,
        segments,
        params,
        timeline: Timeline::default(),
    }
}

/// The network; `population` is `None` when it is invalid (and reported), and then the degree is
/// not compared with it, so that one mistake is one problem.
fn check_network(raw: &RawScenario, population: Option<u32>, ck: &mut Checker) -> NetworkSpec {
    let n = &raw.network;
    let limit = population.map_or(i64::from(u32::MAX), i64::from);
    let shown = population.map_or_else(String::new, |p| format!(" ({p})"));
    let mut degree = || match n.degree {
        None => {
            ck.report(
                "network.degree",
                format!("required for a {} network", n.kind),
            );
            2
        }
        Some(d) if d >= 2 && d % 2 == 0 && d < limit => d as u32,
        Some(d) => {
            ck.report(
                "network.degree",
                format!("must be even with 2 <= degree < population{shown}, not {d}"),
            );
            2
        }
    };
    match NetworkKind::parse(&n.kind) {
        Some(NetworkKind::Complete) => NetworkSpec::Complete,
        Some(NetworkKind::SmallWorld) => {
            let degree = degree();
            let rewire = match n.rewire {
                Some(x) => ck.check("network.rewire", x, Bound::Probability),
                None => {
                    ck.report("network.rewire", "required for a small_world network");
                    0.0
                }
            };
            NetworkSpec::SmallWorld { degree, rewire }
        }
        Some(NetworkKind::ScaleFree) => NetworkSpec::ScaleFree { degree: degree() },
        None => {
            ck.report(
                "network.kind",
                format!(
                    "'{}' is not a network kind ({})",
                    n.kind,
                    NetworkKind::names()
                ),
            );
            NetworkSpec::Complete
        }
    }
}

/// The names paths resolve against.
struct Names<'a> {
    segments: Vec<&'a str>,
    providers: Vec<&'a str>,
    known: &'a Known,
}

impl<'a> Names<'a> {
    fn of(raw: &'a RawScenario, known: &'a Known) -> Names<'a> {
        Names {
            segments: raw.segments.iter().map(|s| s.name.as_str()).collect(),
            providers: raw.providers.iter().map(|p| p.id.as_str()).collect(),
            known,
        }
    }

    fn index(names: &[&str], kind: &str, name: &str) -> Result<usize, String> {
        names
            .iter()
            .position(|n| *n == name)
            .ok_or_else(|| format!("unknown {kind} '{name}'"))
    }

    fn known(names: &[String], kind: &str, name: &str) -> Result<usize, String> {
        Known::check(kind, name, names)?;
        Ok(names.iter().position(|n| n == name).unwrap_or(0))
    }

    /// Resolves an event's (path, value) to a patch, checking the value's type and range.
    fn patch(&self, path: &ParamPath, value: &toml::Value) -> Result<Patch, String> {
        let ranged = |bound: Bound| -> Result<f64, String> {
            let x = path::number(value)?;
            bound.check(x).map(|()| x)
        };
        use super::path::AdoptionKey as A;
        Ok(match path {
            ParamPath::Adoption(key) => match key {
                A::Innovation => Patch::Innovation(ranged(Bound::Probability)?),
                A::Imitation => Patch::Imitation(ranged(Bound::Probability)?),
                A::Reconsider => Patch::Reconsider(ranged(Bound::Probability)?),
                A::OutsideUtility => Patch::OutsideUtility(ranged(Bound::Finite)?),
            },
            ParamPath::Segment(name, key) => {
                let segment = Self::index(&self.segments, "segment", name)?;
                match key {
                    SegmentKey::Capability(c) => Patch::Capability {
                        segment,
                        capability: Self::known(&self.known.capabilities, "capability", c)?,
                        value: ranged(Bound::Probability)?,
                    },
                    SegmentKey::Weight(weight) => Patch::Weight {
                        segment,
                        weight: *weight,
                        value: ranged(Bound::Finite)?,
                    },
                    SegmentKey::Heterogeneity => Patch::Heterogeneity {
                        segment,
                        value: ranged(Bound::Heterogeneity)?,
                    },
                    _ => return Err(path.check_scope(Scope::Event).err().unwrap_or_default()),
                }
            }
            ParamPath::Provider(id, key) => {
                let provider = Self::index(&self.providers, "provider", id)?;
                match key {
                    ProviderKey::Available => Patch::Available {
                        provider,
                        value: path::boolean(value)?,
                    },
                    ProviderKey::AcceptsNew => Patch::AcceptsNew {
                        provider,
                        value: path::boolean(value)?,
                    },
                    ProviderKey::Cost(cost) => Patch::Cost {
                        provider,
                        cost: *cost,
                        value: ranged(cost.bound())?,
                    },
                    ProviderKey::Quality(task) => Patch::Quality {
                        provider,
                        task: Self::known(&self.known.tasks, "task", task)?,
                        value: ranged(Bound::Finite)?,
                    },
                    ProviderKey::Language(language) => Patch::Fit {
                        provider,
                        language: Self::known(&self.known.languages, "language", language)?,
                        value: ranged(Bound::Finite)?,
                    },
                }
            }
            _ => return Err(path.check_scope(Scope::Event).err().unwrap_or_default()),
        })
    }
}

/// Events: when each applies and what it changes.
fn check_events(
    prefix: &str,
    raw_events: &[RawEvent],
    names: &Names,
    calendar: &Calendar,
    ck: &mut Checker,
) -> Vec<EventInfo> {
    let mut events = Vec::new();
    for e in raw_events {
        let key = format!("{prefix}.{}", e.name);
        let placed = match &e.at {
            toml::Value::Integer(step) => match u32::try_from(*step) {
                Ok(step) if step <= calendar.steps() => Ok((EventTime::Step(step), step)),
                _ => Err(format!(
                    "step {step} is outside the horizon 0..={}",
                    calendar.steps()
                )),
            },
            toml::Value::Datetime(_) | toml::Value::String(_) => date_of(&e.at).and_then(|date| {
                if date < calendar.start() {
                    return Err(format!("{date} is before the start ({})", calendar.start()));
                }
                calendar
                    .step_on_or_after(date)
                    .map(|step| (EventTime::Date(date), step))
                    .ok_or_else(|| {
                        format!(
                            "{date} is after the horizon's last step ({}, step {})",
                            calendar.end(),
                            calendar.steps()
                        )
                    })
            }),
            other => Err(format!(
                "expected a date such as 2024-07-09 or a step number, found {}",
                path::describe(other)
            )),
        };
        let (at, step) = match placed {
            Ok(placed) => placed,
            Err(message) => {
                ck.report(format!("{key}.at"), message);
                continue;
            }
        };
        let set = path::flatten(&e.set);
        let mut patches = Vec::new();
        for (text, value) in &set {
            let resolved = ParamPath::parse(text)
                .and_then(|p| p.check_scope(Scope::Event).map(|()| p))
                .and_then(|p| names.patch(&p, value));
            match resolved {
                Ok(patch) => patches.push(patch),
                Err(message) => ck.report(format!("{key}.set.{text}"), message),
            }
        }
        events.push(EventInfo {
            name: e.name.clone(),
            at,
            step,
            set,
            patches,
            source: e.source.clone(),
        });
    }
    events
}

/// A variant: its `set` written over the file and validated as a whole, its events resolved.
fn check_variant(
    raw: &RawScenario,
    rv: &super::raw::RawVariant,
    known: &Known,
    names: &Names,
    baseline_events: &[EventInfo],
    calendar: &Calendar,
    ck: &mut Checker,
) -> Variant {
    let key = format!("variants.{}", rv.name);
    let remove_events = rv.remove_events.clone().unwrap_or_default();
    for name in &remove_events {
        if !raw.events.iter().any(|e| &e.name == name) {
            ck.report(
                format!("{key}.remove_events"),
                format!("unknown event '{name}': [[events]] has no event of that name"),
            );
        }
    }
    let set = rv.set.as_ref().map(path::flatten).unwrap_or_default();
    let mut changed = raw.clone();
    for (text, value) in &set {
        let applied = ParamPath::parse(text)
            .and_then(|p| p.check_scope(Scope::Variant).map(|()| p))
            .and_then(|p| path::apply(&mut changed, known, &p, value));
        if let Err(message) = applied {
            ck.report(format!("{key}.set.{text}"), message);
        }
    }
    // The variant's values are checked as a whole file and reported at its `set`.
    let mut inner = Checker {
        file: ck.file,
        spans: ck.spans,
        overridden: Vec::new(),
        problems: Vec::new(),
    };
    let mut setup = build_setup(&changed, known, &mut inner);
    for problem in inner.problems {
        // A problem the file (or a flag) already has is reported once, at its own key, not
        // again at every variant's `set`.
        let repeated = ck
            .problems
            .iter()
            .any(|p| p.key == problem.key && p.message == problem.message);
        if repeated {
            continue;
        }
        let message = match &problem.key {
            Some(k) => format!("{k}: {}", problem.message),
            None => problem.message,
        };
        ck.report(format!("{key}.set"), message);
    }
    let events = check_events(
        &format!("{key}.events"),
        rv.events.as_deref().unwrap_or(&[]),
        names,
        calendar,
        ck,
    );
    let kept = baseline_events
        .iter()
        .filter(|e| !remove_events.contains(&e.name));
    setup.timeline = timeline_of(kept, &events);
    Variant {
        name: rv.name.clone(),
        description: rv.description.clone(),
        source: rv.source.clone(),
        remove_events,
        set,
        events,
        setup,
    }
}

/// `[sweep]`: the design, the parameters, and every point written over the file and validated
/// as a whole, for the baseline and each variant (contract 10). A point's problems are
/// reported at the swept parameter they concern, naming the point and its values.
fn check_sweep(
    raw: &RawScenario,
    rs: &RawSweep,
    known: &Known,
    baseline: &Setup,
    variants: &[Variant],
    ck: &mut Checker,
) -> Option<Sweep> {
    let before = ck.problems.len();
    let design = Design::parse(&rs.design);
    if design.is_none() {
        ck.report(
            "sweep.design",
            format!("'{}' is not a design ({})", rs.design, Design::names()),
        );
    }
    let samples = match (design, rs.samples) {
        (Some(Design::Grid), Some(_)) => {
            ck.report(
                "sweep.samples",
                "a grid takes no samples: its points are every combination of its values lists",
            );
            None
        }
        (Some(d), None) if d != Design::Grid => {
            ck.report(
                "sweep.samples",
                format!("required for a {} design", d.name()),
            );
            None
        }
        (Some(_), Some(n)) => ck
            .in_range("sweep.samples", n, 1, MAX_POINTS as i64)
            .map(|n| n as u32),
        _ => None,
    };
    let seed = match (design, rs.seed) {
        (Some(d), None) if d != Design::Grid => {
            ck.report(
                "sweep.seed",
                format!(
                    "required for a {} design: the design has its own seed",
                    d.name()
                ),
            );
            None
        }
        (_, Some(seed)) => ck
            .in_range("sweep.seed", seed, 0, i64::MAX)
            .map(|s| s as u64),
        _ => None,
    };

    let specs = sweep::parameter_specs(&rs.parameters);
    if specs.is_empty() {
        ck.report("sweep.parameters", "must name at least one parameter");
    }
    let mut parameters: Vec<SweepParameter> = Vec::new();
    let mut paths: Vec<ParamPath> = Vec::new();
    for (text, spec) in specs {
        let key = format!("sweep.parameters.{text}");
        let path =
            match ParamPath::parse(&text).and_then(|p| p.check_scope(Scope::Variant).map(|()| p)) {
                Ok(path) => path,
                Err(message) => {
                    ck.report(key, message);
                    continue;
                }
            };
        if paths.contains(&path) {
            ck.report(key, format!("{path} is swept twice"));
            continue;
        }
        let range = match sweep::parse_range(spec) {
            Ok(range) => range,
            Err(message) => {
                ck.report(key, message);
                continue;
            }
        };
        // Each value's type and name are checked once here, so that a point reports only
        // what the combination of values does to the file.
        let candidates = match &range {
            Range::Uniform { min, .. } => vec![toml::Value::Float(*min)],
            Range::Values(values) => values.clone(),
        };
        for value in &candidates {
            let mut scratch = raw.clone();
            if let Err(message) = path::apply(&mut scratch, known, &path, value) {
                let hint = match range {
                    Range::Uniform { .. } => ": { min, max } draws numbers; give values = [...]",
                    Range::Values(_) => "",
                };
                ck.report(&key, format!("{message}{hint}"));
                break;
            }
        }
        if design == Some(Design::Grid) && matches!(range, Range::Uniform { .. }) {
            ck.report(
                &key,
                "a grid takes values lists ({ values = [...] }), not { min, max }",
            );
        }
        paths.push(path.clone());
        parameters.push(SweepParameter {
            path: path.to_string(),
            range,
        });
    }
    if ck.problems.len() > before {
        return None;
    }
    let design = design?;
    let ranges: Vec<Range> = parameters.iter().map(|p| p.range.clone()).collect();
    let count = match design {
        Design::Grid => match sweep::grid_size(&ranges) {
            Some(n) => n,
            None => {
                ck.report(
                    "sweep.parameters",
                    format!(
                        "the grid has more than {MAX_POINTS} points: sweep fewer values, or \
                         use latin_hypercube with samples"
                    ),
                );
                return None;
            }
        },
        _ => samples? as usize,
    };

    let mut points = Vec::with_capacity(count);
    let values = sweep::design_points(design, &ranges, count, seed.unwrap_or(0));
    for (index, values) in values.into_iter().enumerate() {
        let mut at = raw.clone();
        for (path, value) in paths.iter().zip(&values) {
            // Every value was applied once above; names and types cannot fail here.
            let _ = path::apply(&mut at, known, path, value);
        }
        let mut inner = Checker {
            file: ck.file,
            spans: ck.spans,
            overridden: Vec::new(),
            problems: Vec::new(),
        };
        let mut point_baseline = build_setup(&at, known, &mut inner);
        point_baseline.timeline = baseline.timeline.clone();
        let baseline_problems = std::mem::take(&mut inner.problems);
        report_point(ck, index, &parameters, &values, None, &baseline_problems);
        let mut point_variants = Vec::with_capacity(variants.len());
        for variant in variants {
            let mut changed = at.clone();
            for (text, value) in &variant.set {
                // The variant's own `set` was validated with the file.
                if let Ok(path) = ParamPath::parse(text) {
                    let _ = path::apply(&mut changed, known, &path, value);
                }
            }
            let mut setup = build_setup(&changed, known, &mut inner);
            setup.timeline = variant.setup.timeline.clone();
            let own: Vec<InputError> = std::mem::take(&mut inner.problems)
                .into_iter()
                .filter(|p| {
                    !baseline_problems
                        .iter()
                        .any(|b| b.key == p.key && b.message == p.message)
                })
                .collect();
            report_point(ck, index, &parameters, &values, Some(&variant.name), &own);
            point_variants.push(setup);
        }
        points.push(Point {
            values,
            baseline: point_baseline,
            variants: point_variants,
        });
    }
    Some(Sweep {
        design,
        samples,
        seed,
        parameters,
        points,
    })
}

/// Reports the problems a point makes, at the swept parameter they concern (or the whole
/// `[sweep.parameters]` table), naming the point, the values and the variant.
fn report_point(
    ck: &mut Checker,
    index: usize,
    parameters: &[SweepParameter],
    values: &[toml::Value],
    variant: Option<&str>,
    problems: &[InputError],
) {
    for problem in problems {
        let problem_key = problem.key.as_deref().unwrap_or("");
        let concerns = |path: &str| {
            path == problem_key
                || path.starts_with(&format!("{problem_key}."))
                || problem_key.starts_with(&format!("{path}."))
        };
        let related: Vec<usize> = (0..parameters.len())
            .filter(|&j| !problem_key.is_empty() && concerns(&parameters[j].path))
            .collect();
        let shown: Vec<usize> = if related.is_empty() {
            (0..parameters.len()).collect()
        } else {
            related.clone()
        };
        let assignments: Vec<String> = shown
            .iter()
            .map(|&j| format!("{} = {}", parameters[j].path, values[j]))
            .collect();
        let key = match related.first() {
            Some(&j) => format!("sweep.parameters.{}", parameters[j].path),
            None => "sweep.parameters".to_owned(),
        };
        let in_variant = variant.map_or(String::new(), |v| format!(", variant '{v}'"));
        let at_key = if problem_key.is_empty() || problem_key == parameters[shown[0]].path {
            String::new()
        } else {
            format!("{problem_key}: ")
        };
        ck.report(
            key,
            format!(
                "point {index} ({}{in_variant}): {at_key}{}",
                assignments.join(", "),
                problem.message
            ),
        );
    }
}

/// What a sweep overrides, or what overrides it: a `--set` of a swept path (the point wins),
/// a variant's `set` of one (the variant wins), a baseline event setting one later (the event
/// wins from its step), an unused grid seed, segments left empty at some points.
fn warn_sweep(
    sweep: &Sweep,
    rs: &RawSweep,
    ck: &Checker,
    variants: &[Variant],
    events: &[EventInfo],
    raw: &RawScenario,
    warnings: &mut Vec<String>,
) {
    if sweep.design == Design::Grid && rs.seed.is_some() {
        warnings.push("sweep.seed is not used by a grid design: ignored".into());
    }
    let same =
        |text: &str, swept: &str| ParamPath::parse(text).is_ok_and(|p| p.to_string() == swept);
    for parameter in &sweep.parameters {
        let path = &parameter.path;
        for (changed, flag) in &ck.overridden {
            if changed == path {
                warnings.push(format!(
                    "the sweep varies {path}, so {flag} has no effect on it"
                ));
            }
        }
        for variant in variants {
            if variant.set.iter().any(|(text, _)| same(text, path)) {
                warnings.push(format!(
                    "variant '{}' sets {path}, which the sweep varies: the variant's value \
                     applies at every point",
                    variant.name
                ));
            }
        }
        for event in events {
            if event.set.iter().any(|(text, _)| same(text, path)) {
                warnings.push(format!(
                    "baseline event '{}' sets {path} at step {}: from then on it overrides \
                     the swept value",
                    event.name, event.step
                ));
            }
        }
    }
    for (segment, info) in raw.segments.iter().enumerate() {
        let empty = sweep
            .points
            .iter()
            .filter(|p| {
                std::iter::once(&p.baseline)
                    .chain(&p.variants)
                    .any(|s| s.segments[segment].agents == 0)
            })
            .count();
        if empty > 0 {
            warnings.push(format!(
                "segment '{}' has no agents at {empty} of {} sweep points: its shares are \
                 written as 0 there",
                info.name,
                sweep.points.len()
            ));
        }
    }
}

fn timeline_of<'a>(
    baseline: impl Iterator<Item = &'a EventInfo>,
    own: &'a [EventInfo],
) -> Timeline {
    Timeline::new(
        baseline
            .chain(own)
            .map(|e| TimedPatches {
                step: e.step,
                patches: e.patches.clone(),
            })
            .collect(),
    )
}

fn warn_empty_segments(arm: &str, setup: &Setup, raw: &RawScenario, warnings: &mut Vec<String>) {
    for (segment, raw_segment) in setup.segments.iter().zip(&raw.segments) {
        if segment.agents == 0 {
            warnings.push(format!(
                "segment '{}' has no agents at population {} ({arm}): its shares are written as 0",
                raw_segment.name, setup.population
            ));
        }
    }
}

/// A variant's `set` applies before step 0, so a baseline event setting the same path later
/// undoes it (contract 7.18).
fn warn_overridden_sets(
    variant: &Variant,
    baseline_events: &[EventInfo],
    calendar: &Calendar,
    warnings: &mut Vec<String>,
) {
    for (path, _) in &variant.set {
        let Ok(path) = ParamPath::parse(path) else {
            continue;
        };
        for e in baseline_events
            .iter()
            .filter(|e| !variant.remove_events.contains(&e.name))
        {
            let overrides = e
                .set
                .iter()
                .any(|(p, _)| ParamPath::parse(p).is_ok_and(|p| p == path));
            if overrides {
                warnings.push(format!(
                    "variant '{}' sets {path}, but baseline event '{}' sets it again at step {} ({}); \
                     timed changes of a variant belong in its [[variants.events]]",
                    variant.name,
                    e.name,
                    e.step,
                    calendar.date(e.step)
                ));
            }
        }
    }
}

fn warn_unused_network_keys(raw: &RawScenario, warnings: &mut Vec<String>) {
    let n = &raw.network;
    // An unknown kind is reported by validation; no warning about its keys then.
    let Some(kind) = NetworkKind::parse(&n.kind) else {
        return;
    };
    let (uses_degree, uses_rewire) = (kind.uses_degree(), kind.uses_rewire());
    if n.degree.is_some() && !uses_degree {
        warnings.push(format!(
            "network.degree is not used by a {} network: ignored",
            n.kind
        ));
    }
    if n.rewire.is_some() && !uses_rewire {
        warnings.push(format!(
            "network.rewire is not used by a {} network: ignored",
            n.kind
        ));
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
