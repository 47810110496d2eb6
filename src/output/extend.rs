//! `run --extend`: more replicates for an output folder that holds fewer of the same run
//! (docs/FORMAT.md, `run --extend`).
//!
//! Replicate r of a task draws only from the streams keyed by (seed, r), so the first
//! replicates of a larger run are the replicates of the smaller one: their counts are read
//! back from the folder's per-replicate tables (adoption, flows and, with usage, usage) with
//! the reader `compare` and `merge` use, and only the new replicates are simulated. The
//! statistics are then computed from the same integers as a fresh run's, so every file is
//! byte-identical to it. That holds only for the same work: the folder's run must resolve to
//! the same scenario but for its replicate count, with the same seed, variants and flags, by
//! the same version; anything else is refused, naming what differs.

use super::counts::{
    Dates, FileLayout, FlowsInto, read_adoption, read_flows, read_usage,
    refuse_more_rows_than_bytes, segment_agents,
};
use super::files::{ADOPTION, FLOWS, USAGE};
use super::manifest::{LIBM_VERSION, RAND_VERSION, RunManifest, resolved};
use super::read;
use super::tables::Labels;
use crate::error::{Error, InputError, Result};
use crate::results::{Results, Shape, Task};
use crate::scenario::Scenario;
use serde_json::Value;
use std::path::Path;

/// The flags of run.json's `overrides` that `--extend` lets differ: the replicates it adds,
/// and where the folder is.
const MAY_DIFFER: [&str; 2] = ["replicates", "out"];

/// The counts of the replicates an output folder already holds.
#[derive(Debug)]
pub struct Earlier {
    results: Results,
}

impl Earlier {
    /// How many replicates per arm the folder holds: the new run simulates the others.
    pub fn replicates(&self) -> u32 {
        self.results.shape().replicates()
    }

    /// Moves the folder's tasks of sweep point `point` into `results`, the new run's results
    /// of that point (as the runner hands them over), where replicate r of each arm keeps
    /// its number.
    pub fn fill_point(&mut self, point: usize, results: &mut Results) {
        let earlier = *self.results.shape();
        let shape = *results.shape();
        let per_point = earlier.one_point().tasks();
        for k in point * per_point..(point + 1) * per_point {
            let task = earlier.task(k);
            let counts = std::mem::take(self.results.task_mut(k));
            let local = Task { point: 0, ..task };
            results.set_task(shape.index(local), counts);
        }
    }

    /// Moves the folder's tasks into `results`, the new run's, where replicate r of each
    /// point and arm keeps its number.
    pub fn fill(mut self, results: &mut Results) {
        for point in 0..self.results.shape().points() {
            self.move_point(point, point, results);
        }
    }

    /// Moves the folder's tasks of point `point` into point `into` of `results` (point 0 of
    /// the results of one point, for a run that hands them over point by point).
    fn move_point(&mut self, point: usize, into: usize, results: &mut Results) {
        let earlier = *self.results.shape();
        let shape = *results.shape();
        for arm in 0..earlier.arms() {
            for replicate in 0..earlier.replicates() {
                let from = earlier.index(Task {
                    point,
                    arm,
                    replicate,
                });
                let to = shape.index(Task {
                    point: into,
                    arm,
                    replicate,
                });
                results.set_task(to, std::mem::take(self.results.task_mut(from)));
            }
        }
    }
}

fn refuse(message: impl Into<String>) -> Error {
    Error::Input(InputError::new(message).in_origin("--extend"))
}

/// Reads the replicates that the output folder `dir` holds of the run of `scenario` with
/// the outputs `labels`, launched with the flags `overrides` (as run.json records them),
/// after checking that the folder holds the same run with at most as many replicates.
pub fn read_earlier(
    dir: &Path,
    scenario: &Scenario,
    labels: &Labels,
    overrides: &Value,
) -> Result<Earlier> {
    if !dir.join(super::MANIFEST).is_file() {
        return Err(refuse(format!(
            "{} holds no run to extend (no {}): run without --extend first",
            dir.display(),
            super::MANIFEST
        )));
    }
    let manifest = read::manifest(dir)?;
    check_same_run(dir, &manifest, scenario, labels, overrides)?;
    let mut needed = vec![ADOPTION, FLOWS];
    if scenario.baseline.has_usage() {
        needed.push(USAGE);
    }
    let needed: Vec<String> = needed.iter().map(|f| manifest.format.file(f)).collect();
    let missing: Vec<&str> = needed
        .iter()
        .map(String::as_str)
        .filter(|f| !dir.join(f).is_file())
        .collect();
    if !missing.is_empty() {
        return Err(refuse(format!(
            "{} lacks {}: extending needs the counts of every replicate, in {}; run it again \
             with those tables",
            dir.display(),
            missing.join(" and "),
            needed.join(", ")
        )));
    }
    read_counts(dir, &manifest, labels)
}

/// Refuses a folder whose run is not the one asked for but for its replicates.
fn check_same_run(
    dir: &Path,
    manifest: &RunManifest,
    scenario: &Scenario,
    labels: &Labels,
    overrides: &Value,
) -> Result<()> {
    let shown = dir.display();
    let version = env!("CARGO_PKG_VERSION");
    if manifest.version != version
        || manifest.rng.rand != RAND_VERSION
        || manifest.rng.libm != LIBM_VERSION
    {
        return Err(refuse(format!(
            "{shown} was written by blockade {} (rand {}, libm {}), not by this one ({version}, \
             rand {RAND_VERSION}, libm {LIBM_VERSION}): its replicates may not be this \
             version's",
            manifest.version, manifest.rng.rand, manifest.rng.libm
        )));
    }
    let earlier = manifest.replicates;
    if earlier > scenario.replicates {
        return Err(refuse(format!(
            "{shown} holds {earlier} replicates, more than the {} asked for",
            scenario.replicates
        )));
    }
    if manifest.seed != scenario.seed {
        return Err(refuse(format!(
            "{shown} was run with seed {}, not {}",
            manifest.seed, scenario.seed
        )));
    }
    if manifest.variants != labels.arms {
        return Err(refuse(format!(
            "{shown} holds the variants {}, not {}",
            manifest.variants.join(", "),
            labels.arms.join(", ")
        )));
    }
    let mut asked = resolved(scenario);
    asked.scenario.replicates = earlier;
    if asked != manifest.resolved {
        let what = differing_key(&asked, &manifest.resolved);
        return Err(refuse(format!(
            "{shown} holds another scenario: its resolved scenario differs in {what} (beyond \
             the replicates, which --extend may add to)"
        )));
    }
    for (flag, value) in flags(overrides) {
        let recorded = flags(&manifest.overrides)
            .find(|(f, _)| *f == flag)
            .map(|(_, v)| v);
        if recorded != Some(value) {
            return Err(refuse(format!(
                "{shown} was run with {flag} = {}, not {value}: extend with the flags of the \
                 run that wrote it, but --replicates",
                recorded.map_or_else(|| "nothing".to_owned(), Value::to_string),
            )));
        }
    }
    for (flag, value) in flags(&manifest.overrides) {
        if !flags(overrides).any(|(f, _)| f == flag) {
            return Err(refuse(format!(
                "{shown} was run with {flag} = {value}, which this run does not give"
            )));
        }
    }
    Ok(())
}

/// The flags of an `overrides` object that must agree, with their values.
fn flags(overrides: &Value) -> impl Iterator<Item = (&str, &Value)> {
    overrides
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(flag, _)| !MAY_DIFFER.contains(&flag.as_str()))
        .map(|(flag, value)| (flag.as_str(), value))
}

/// The first top-level key of `resolved` (`resolved.network`, ...) whose values differ.
fn differing_key<T: serde::Serialize>(asked: &T, recorded: &T) -> String {
    let (Ok(Value::Object(a)), Ok(Value::Object(b))) =
        (serde_json::to_value(asked), serde_json::to_value(recorded))
    else {
        return "resolved".to_owned();
    };
    a.keys()
        .chain(b.keys())
        .find(|key| a.get(*key) != b.get(*key))
        .map_or_else(|| "resolved".to_owned(), |key| format!("resolved.{key}"))
}

/// Reads the counts, flows and usage of every task of the folder.
fn read_counts(dir: &Path, manifest: &RunManifest, labels: &Labels) -> Result<Earlier> {
    let table = |name: &str| dir.join(manifest.format.file(name));
    let points = manifest
        .resolved
        .sweep
        .as_ref()
        .map_or(1, |s| s.points.len());
    let too_large = || refuse(format!("{}: the run is too large to read", dir.display()));
    let shape = Shape::new(
        points,
        labels.arms.len(),
        manifest.replicates,
        (labels.dates.len() - 1) as u32,
        labels.segments.len(),
        labels.states.len(),
    )
    .ok_or_else(too_large)?;
    refuse_more_rows_than_bytes(
        &table(ADOPTION),
        (shape.tasks() as u64).saturating_mul(shape.cells() as u64),
        None,
        super::MANIFEST,
    )?;
    let layout = FileLayout {
        arms: &labels.arms,
        segments: &labels.segments,
        states: &labels.states,
        swept: labels.point_column,
        points,
        kept: 0..points,
        source: super::MANIFEST,
    };
    let mut results = Results::empty(shape, vec![vec![0; shape.segments()]; shape.slots()]);
    let mut dates = Dates::unknown(shape.steps());
    let every_task = 0..shape.tasks();
    read_adoption(
        &table(ADOPTION),
        &layout,
        &mut results,
        &every_task,
        &mut dates,
    )?;
    let agents = segment_agents(&results, &labels.arms, &labels.segments)
        .map_err(|(_, message)| super::rows::refuse(&table(ADOPTION), message))?;
    results.set_segment_agents(agents);
    if table(USAGE).is_file() {
        read_usage(
            &table(USAGE),
            &layout,
            &mut results,
            &every_task,
            &mut dates,
        )?;
    }
    read_flows(
        &table(FLOWS),
        &layout,
        &mut results,
        &every_task,
        &dates,
        FlowsInto::Flows,
    )?;
    Ok(Earlier { results })
}
