//! Raw scenario to [`Scenario`]: overrides, then checks in parts, each in its own file:
//! names ([`names`]), the horizon ([`horizon`]), each arm's set-up ([`setup`]), events
//! ([`events`]), variants ([`variants`]), sweep points ([`points`]) and warnings
//! ([`warnings`]).
//!
//! Problems are collected, not returned at the first one ([`checker`]), so that the message
//! can say how many there are; the first in the file is the one reported.

mod checker;
mod events;
mod horizon;
mod names;
mod points;
mod sensitivity;
mod setup;
mod targets;
mod uncertainty;
mod variants;
mod warnings;

use self::checker::Checker;
use self::events::{Names, check_events, timeline_of};
use self::horizon::check_meta;
use self::names::check_names;
use self::points::{Arms, check_given, check_sweep, warn_sweep};
use self::sensitivity::check_sensitivity;
use self::setup::build_setup;
use self::targets::check_targets;
use self::uncertainty::{check_prior_file, check_uncertainty};
use self::variants::check_variant;
use self::warnings::{warn_empty_segments, warn_overridden_sets, warn_unused_network_keys};
use crate::error::InputError;
use crate::scenario::path::{self, Known, ParamPath, Scope};
use crate::scenario::raw::RawScenario;
use crate::scenario::spans::SpanIndex;
use crate::scenario::{
    GivenPoints, Overrides, ProviderInfo, Scenario, SegmentInfo, TableFormat, Tables, Variant,
};
use sha2::{Digest, Sha256};

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
    let uncertainty = match &overrides.prior {
        Some(prior) => check_prior_file(&raw, prior, &known)?,
        None => raw
            .uncertainty
            .as_ref()
            .map(|table| check_uncertainty(&raw, table, &known, &mut ck))
            .unwrap_or_default(),
    };
    let targets = check_targets(&raw, &calendar, &mut ck);
    let mut sensitivity = (raw.sensitivity.is_some() || overrides.method.is_some())
        .then(|| check_sensitivity(&raw, overrides.method, seed, &uncertainty, &mut ck))
        .flatten();
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

    let arms = Arms {
        baseline: &baseline,
        variants: &variants,
    };
    if overrides.points.is_some() && sensitivity.take().is_some() {
        warnings.push(
            "[sensitivity] is not analysed: --points gives the points, not its design".into(),
        );
    }
    let sweep = match (&overrides.points, &raw.sweep) {
        (None, None) => sensitivity.as_ref().and_then(|settings| {
            let units = settings.unit_points(uncertainty.len());
            let given = GivenPoints::from_unit_points("[sensitivity]", &uncertainty, &units);
            check_given(&raw, &given, &known, arms, &mut ck)
        }),
        (Some(given), rs) => {
            if rs.is_some() {
                warnings.push(format!(
                    "the file's [sweep] is not used: {} gives the points",
                    given.origin
                ));
            }
            check_given(&raw, given, &known, arms, &mut ck)
        }
        (None, Some(rs)) => check_sweep(&raw, rs, &uncertainty, &known, arms, &mut ck),
    };
    if !ck.problems.is_empty() {
        return Err(ck.failure());
    }
    if let Some(sweep) = &sweep {
        let rs = raw.sweep.as_ref().filter(|_| overrides.points.is_none());
        warn_sweep(sweep, rs, &ck, &variants, &events, &raw, &mut warnings);
    }

    let tables = check_tables(&raw, &mut ck);
    let format = check_format(&raw, &mut ck);
    if !ck.problems.is_empty() {
        return Err(ck.failure());
    }

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
                vendor: p.vendor.clone().unwrap_or_else(|| p.id.clone()),
                source: p.source.clone(),
                requires: p.requires.clone().unwrap_or_default(),
            })
            .collect(),
        events,
        baseline,
        variants,
        sweep,
        uncertainty,
        tables,
        targets,
        sensitivity,
        format,
        warnings,
        _validated: (),
    })
}

/// `[output] tables`: each name a table's, at least one.
fn check_tables(raw: &RawScenario, ck: &mut Checker<'_>) -> Option<Tables> {
    let names = raw.output.as_ref()?.tables.as_ref()?;
    if names.is_empty() {
        ck.report("output.tables", "names no table: list at least one");
        return None;
    }
    let mut tables = Vec::new();
    for name in names {
        match Tables::parse_name(name) {
            Ok(table) => tables.push(table),
            Err(message) => ck.report("output.tables", message),
        }
    }
    Some(Tables::of(&tables))
}

/// `[output] format`: `csv` or `parquet`.
fn check_format(raw: &RawScenario, ck: &mut Checker<'_>) -> Option<TableFormat> {
    let name = raw.output.as_ref()?.format.as_ref()?;
    let format = TableFormat::named(name);
    if format.is_none() {
        ck.report(
            "output.format",
            format!(
                "'{name}' is not a format: {}",
                TableFormat::NAMES.join(" or ")
            ),
        );
    }
    format
}

/// Writes `--set`, `--population`, `--replicates` and `--seed` into the file (docs/FORMAT.md, set paths):
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

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::checker::fixture::SMALL;
    use super::*;

    #[test]
    fn flags_are_written_over_the_file_and_named_in_its_problems() {
        let overrides = Overrides {
            sets: vec!["adoption.imitation=0.5".into()],
            population: Some(300),
            ..Overrides::default()
        };
        let scenario = Scenario::from_bytes("t.toml", SMALL.as_bytes(), &overrides).expect("valid");
        assert_eq!(scenario.baseline.params.imitation, 0.5);
        assert_eq!(scenario.baseline.population, 300);
        let overrides = Overrides {
            sets: vec!["adoption.imitation=2".into()],
            ..Overrides::default()
        };
        let error = Scenario::from_bytes("t.toml", SMALL.as_bytes(), &overrides)
            .expect_err("not a probability");
        assert_eq!(
            error.origin.as_deref(),
            Some("--set 'adoption.imitation=2'")
        );
        assert_eq!(error.key.as_deref(), Some("adoption.imitation"));
    }

    #[test]
    fn the_file_is_identified_by_the_sha256_of_its_bytes() {
        assert_eq!(
            hex_sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
