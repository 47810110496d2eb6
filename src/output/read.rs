//! Reading files back: an output folder for `compare` and `plot` (`run.json` for the names,
//! origins and timelines, `adoption.csv` for the counts, `flows.csv` for the switches, and,
//! for a swept run, `points.csv` for the points' values), and the rows of a shard folder for
//! `merge`. One reader of `adoption.csv` and `flows.csv` serves both, into [`Results`].
//!
//! Only the files' format is relied on, never the run that wrote them, so a folder from an
//! earlier run (or another machine) reads the same. A folder that is not blockade's, or whose
//! files do not hold together, is refused with one line naming the file and, where it helps,
//! the line (docs/FORMAT.md, Exit status: 2).
//!
//! A swept run (run.json's `resolved.sweep`) has a `point` column first in every CSV file;
//! it is read into one [`RunData`] per point, or only the point asked for.

use super::files::{ADOPTION, FLOWS, POINTS};
use super::manifest::{EventAt, Resolved, ResolvedEvent, RunManifest};
use super::rows::{AdoptionRow, FlowRow, PointRow, RowReader, refuse, refuse_line};
use crate::compare::{FIRST_PROVIDER, RunData, RunPoints, SweepValues, TimelineEvent};
use crate::error::{InputError, Result};
use crate::results::{Flow, Results, Shape, Switches, Task};
use chrono::NaiveDate;
use serde_json::Value;
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

/// Reads the output folder `dir` of a run without a `[sweep]`; a swept folder is refused
/// (read it with [`load_run`] or [`load_point`]).
pub fn load(dir: &Path) -> Result<RunData> {
    // `Which::Unswept` refuses a swept folder, so there is exactly one point.
    let (mut points, _) = read(dir, Which::Unswept)?;
    Ok(points.swap_remove(0))
}

/// Reads the output folder `dir`, swept or not, every point of it.
pub fn load_run(dir: &Path) -> Result<RunPoints> {
    let (points, sweep) = read(dir, Which::All)?;
    Ok(RunPoints { points, sweep })
}

/// Reads one point of the output folder `dir`: `point` of a swept run (point 0 when `None`),
/// or the whole of an unswept run, which refuses `Some` point. Rows of other points are
/// skipped, so that a chart of one point of a large sweep needs the memory of one point.
/// Returns the point's data and, when swept, every point's values.
pub fn load_point(dir: &Path, point: Option<usize>) -> Result<(RunData, Option<SweepValues>)> {
    let (mut points, sweep) = read(dir, Which::One(point))?;
    Ok((points.swap_remove(0), sweep))
}

/// Which points [`read`] keeps.
#[derive(Debug, Clone, Copy)]
enum Which {
    /// An unswept run; a swept one is refused.
    Unswept,
    /// Every point.
    All,
    /// One point (0 when `None`); `Some` is refused on an unswept run.
    One(Option<usize>),
}

/// What `run.json` says of a run's results: names, origins and sizes.
struct Described {
    scenario: String,
    arms: Vec<String>,
    segments: Vec<String>,
    states: Vec<String>,
    domestic: Vec<bool>,
    replicates: u32,
    steps: u32,
}

/// Reads a folder: the kept points' data, in point order, and the sweep's values.
fn read(dir: &Path, which: Which) -> Result<(Vec<RunData>, Option<SweepValues>)> {
    if !dir.is_dir() {
        return Err(refuse(dir, "not a folder"));
    }
    let manifest_path = dir.join(super::MANIFEST);
    let manifest = read_manifest(dir, &manifest_path)?;
    let described = describe(&manifest_path, &manifest)?;
    let sweep = match &manifest.resolved.sweep {
        None => None,
        Some(sweep) if sweep.points.is_empty() => {
            return Err(refuse(&manifest_path, "resolved.sweep.points: empty"));
        }
        Some(sweep) => Some(read_points(&dir.join(POINTS), sweep.points.len())?),
    };
    let points = sweep.as_ref().map_or(1, |s| s.values.len());
    // The points kept, as a range of point numbers.
    let kept = match (which, &sweep) {
        (Which::Unswept, Some(_)) => {
            return Err(refuse(
                dir,
                format!("a swept run ({points} points): read it with load_run or load_point"),
            ));
        }
        (Which::One(Some(_)), None) => {
            return Err(InputError::new(
                "this run has no [sweep], so it has no points to choose from",
            )
            .in_origin("--point")
            .into());
        }
        (Which::One(Some(p)), Some(_)) if p >= points => {
            return Err(InputError::new(format!(
                "point {p} is not in this run: it has {points} sweep points, 0 to {}",
                points - 1
            ))
            .in_origin("--point")
            .into());
        }
        (Which::One(point), _) => {
            let p = point.unwrap_or(0);
            p..p + 1
        }
        (Which::Unswept | Which::All, _) => 0..points,
    };
    let d = &described;
    let too_large = || refuse(&manifest_path, "the run is too large to compare in memory");
    let shape = Shape::new(
        kept.len(),
        d.arms.len(),
        d.replicates,
        d.steps,
        d.segments.len(),
        d.states.len(),
    )
    .ok_or_else(too_large)?;
    shape
        .tasks()
        .checked_mul(shape.cells())
        .filter(|&n| n <= 1 << 32)
        .ok_or_else(too_large)?;
    let layout = FileLayout {
        arms: &d.arms,
        segments: &d.segments,
        states: &d.states,
        swept: sweep.is_some(),
        points,
        kept: kept.clone(),
        source: super::MANIFEST,
    };
    let mut results = Results::empty(shape, vec![vec![0; shape.segments()]; shape.slots()]);
    let mut dates = Dates::unknown(shape.steps());
    let every_task = 0..shape.tasks();
    read_adoption(
        &dir.join(ADOPTION),
        &layout,
        &mut results,
        &every_task,
        &mut dates,
    )?;
    let agents = segment_agents(&results, &d.arms, &d.segments).map_err(|(slot, message)| {
        let point = if layout.swept {
            format!("point {}: ", kept.start + slot / shape.arms())
        } else {
            String::new()
        };
        refuse(&dir.join(ADOPTION), format!("{point}{message}"))
    })?;
    results.set_segment_agents(agents);
    let mut switches = Switches::new(shape);
    read_flows(
        &dir.join(FLOWS),
        &layout,
        &mut results,
        &every_task,
        &dates,
        FlowsInto::Switches(&mut switches),
    )?;
    let dates = dates.known();
    let timelines = timelines(&manifest_path, &manifest.resolved, &d.arms, &dates)?;
    let data = results
        .into_points()
        .into_iter()
        .zip(switches.into_points())
        .map(|(results, switches)| {
            RunData::new(
                d.scenario.clone(),
                d.arms.clone(),
                d.segments.clone(),
                d.states.clone(),
                d.domestic.clone(),
                dates.clone(),
                timelines.clone(),
                results,
                switches,
            )
        })
        .collect();
    Ok((data, sweep))
}

/// `points.csv`: `point,<path1>,<path2>,...`, one row per point numbered from 0, as many as
/// run.json lists.
fn read_points(path: &Path, count: usize) -> Result<SweepValues> {
    let file = std::fs::File::open(path).map_err(|e| refuse(path, format!("cannot read: {e}")))?;
    let mut reader = csv::ReaderBuilder::new().from_reader(file);
    let header = reader
        .headers()
        .map_err(|e| refuse(path, format!("not CSV: {e}")))?
        .clone();
    if header.get(0) != Some("point") {
        return Err(refuse(path, "the first column must be point"));
    }
    let parameters: Vec<String> = header.iter().skip(1).map(String::from).collect();
    let mut values = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            refuse_line(path, line, format!("malformed CSV: {e}"))
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let row: Option<PointRow<String>> = record.deserialize(None).ok();
        let Some(row) = row.filter(|r| r.point == values.len()) else {
            return Err(refuse_line(
                path,
                line,
                format!(
                    "expected point {} (points count from 0, in order)",
                    values.len()
                ),
            ));
        };
        values.push(row.values);
    }
    if values.len() != count {
        return Err(refuse(
            path,
            format!(
                "has {} point{} where run.json lists {count}",
                values.len(),
                if values.len() == 1 { "" } else { "s" }
            ),
        ));
    }
    Ok(SweepValues { parameters, values })
}

/// `run.json`, refused unless blockade wrote it.
fn read_manifest(dir: &Path, path: &Path) -> Result<RunManifest> {
    let json: Value = std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .filter(|json: &Value| json.get("tool").and_then(Value::as_str) == Some("blockade"))
        .ok_or_else(|| {
            refuse(
                dir,
                "not a blockade output folder (no run.json written by blockade)",
            )
        })?;
    serde_json::from_value(json)
        .map_err(|e| refuse(path, format!("not as blockade writes it: {e}")))
}

/// Names, origins and sizes from `run.json`.
fn describe(path: &Path, manifest: &RunManifest) -> Result<Described> {
    let arms = manifest.variants.clone();
    if arms.first().map(String::as_str) != Some("baseline") {
        return Err(refuse(path, "variants: the first must be baseline"));
    }
    if manifest.replicates == 0 {
        return Err(refuse(path, "replicates: not a positive integer"));
    }
    let resolved = &manifest.resolved;
    if resolved.scenario.steps == u32::MAX {
        return Err(refuse(path, "resolved.scenario.steps: too many"));
    }
    let segments: Vec<String> = resolved.segments.iter().map(|s| s.name.clone()).collect();
    if segments.is_empty() {
        return Err(refuse(path, "resolved.segments: empty"));
    }
    let mut states = vec!["not_adopted".to_owned(), "unserved".to_owned()];
    let mut domestic = vec![false; FIRST_PROVIDER];
    for provider in &resolved.providers {
        states.push(provider.id.clone());
        // A provider without an origin counts as foreign (docs/FORMAT.md, [[providers]]).
        domestic.push(provider.origin.as_deref() == Some("cn"));
    }
    Ok(Described {
        scenario: resolved.scenario.name.clone(),
        arms,
        segments,
        states,
        domestic,
        replicates: manifest.replicates,
        steps: resolved.scenario.steps,
    })
}

/// How the rows of a CSV file map to a run's results: the names they may use, whether they
/// start with a point, and which points are kept.
pub(crate) struct FileLayout<'a> {
    /// The arms, `baseline` first.
    pub(crate) arms: &'a [String],
    /// The segments, in file order.
    pub(crate) segments: &'a [String],
    /// The states.
    pub(crate) states: &'a [String],
    /// Whether every row starts with its point.
    pub(crate) swept: bool,
    /// The run's number of points (1 unswept).
    pub(crate) points: usize,
    /// The point numbers kept, in order: the results hold these points only.
    pub(crate) kept: Range<usize>,
    /// The file the names come from, for messages.
    pub(crate) source: &'static str,
}

impl FileLayout<'_> {
    /// The index, among the kept points, of a row's point; `None` when it is not kept.
    fn kept_point(&self, path: &Path, line: u64, point: Option<usize>) -> Result<Option<usize>> {
        let point = point.unwrap_or(0);
        if point >= self.points {
            return Err(refuse_line(
                path,
                line,
                format!(
                    "point {point} is not in this run ({} points in points.csv)",
                    self.points
                ),
            ));
        }
        Ok(self.kept.contains(&point).then(|| point - self.kept.start))
    }
}

/// Maps the names in a CSV column to indices, remembering the last one: rows come sorted,
/// so most lookups are a comparison with the previous row's name.
struct Names<'a> {
    list: &'a [String],
    names: HashMap<&'a str, usize>,
    last: std::cell::Cell<usize>,
    what: &'static str,
    source: &'static str,
}

impl<'a> Names<'a> {
    fn new(names: &'a [String], what: &'static str, source: &'static str) -> Names<'a> {
        Names {
            list: names,
            names: names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.as_str(), i))
                .collect(),
            last: std::cell::Cell::new(0),
            what,
            source,
        }
    }

    fn get(&self, path: &Path, line: u64, name: &str) -> Result<usize> {
        let last = self.last.get();
        if self.list.get(last).is_some_and(|n| n == name) {
            return Ok(last);
        }
        // A few names compare faster one by one than they hash.
        let found = if self.list.len() <= 32 {
            self.list.iter().position(|n| n == name)
        } else {
            self.names.get(name).copied()
        };
        if let Some(i) = found {
            self.last.set(i);
        }
        found.ok_or_else(|| {
            refuse_line(
                path,
                line,
                format!("unknown {} '{name}' (not in {})", self.what, self.source),
            )
        })
    }
}

/// The date of each step, as the rows give it: every row of a step must give the same one.
pub(crate) struct Dates {
    dates: Vec<Option<(String, NaiveDate)>>,
}

impl Dates {
    /// Steps 0..=steps, no date known yet.
    pub(crate) fn unknown(steps: u32) -> Dates {
        Dates {
            dates: vec![None; steps as usize + 1],
        }
    }

    /// Dates known beforehand, as a shard's manifest lists them; `None` unless each is a
    /// YYYY-MM-DD date.
    pub(crate) fn of(texts: &[String]) -> Option<Dates> {
        let dates = texts
            .iter()
            .map(|t| Some((t.clone(), parse_date(t)?)))
            .collect::<Option<Vec<_>>>()?;
        Some(Dates {
            dates: dates.into_iter().map(Some).collect(),
        })
    }

    /// Checks a row's date against the step's, learning it when it is the step's first.
    fn check(&mut self, path: &Path, line: u64, step: u32, text: &str) -> Result<()> {
        match &self.dates[step as usize] {
            Some((known, _)) if known == text => Ok(()),
            known => {
                let date = parse_date(text)
                    .ok_or_else(|| refuse_line(path, line, "date: not a YYYY-MM-DD date"))?;
                match known {
                    None => {
                        self.dates[step as usize] = Some((text.to_owned(), date));
                        Ok(())
                    }
                    Some((_, d)) if *d == date => Ok(()),
                    Some((_, d)) => Err(refuse_line(
                        path,
                        line,
                        format!("step {step} has the dates {d} and {date}"),
                    )),
                }
            }
        }
    }

    /// Whether a flow's date is its step's.
    fn is(&self, step: u32, text: &str) -> bool {
        matches!(&self.dates[step as usize], Some((known, _)) if known == text)
    }

    /// The dates learned, once every step has been seen.
    fn known(&self) -> Vec<NaiveDate> {
        self.dates.iter().flatten().map(|(_, d)| *d).collect()
    }

    /// Refuses dates that go backwards as the steps advance.
    fn check_order(&self, path: &Path) -> Result<()> {
        let dates = self.known();
        if dates.windows(2).any(|w| w[0] > w[1]) {
            return Err(refuse(path, "the dates go backwards as the steps advance"));
        }
        Ok(())
    }
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// Reads the counts of `adoption.csv` into `results` (whose points are `layout.kept`): every
/// (point, variant, replicate, step, segment, state) of the tasks `owned` (task indices of
/// `results`, in increasing order) exactly once and nothing else, the same date for a step
/// on every row. Rows of points not kept are skipped.
pub(crate) fn read_adoption(
    path: &Path,
    layout: &FileLayout<'_>,
    results: &mut Results,
    owned: &(impl TaskSet + ?Sized),
    dates: &mut Dates,
) -> Result<()> {
    let shape = *results.shape();
    let cells = shape.cells();
    for k in owned.tasks() {
        results.task_mut(k).counts = vec![0; cells];
    }
    let mut seen = vec![false; owned.count() * cells];
    let arms = Names::new(layout.arms, "variant", layout.source);
    let segments = Names::new(layout.segments, "segment", layout.source);
    let states = Names::new(layout.states, "state", layout.source);
    let mut rows = 0usize;
    let mut reader = RowReader::open::<AdoptionRow>(path, layout.swept)?;
    while let Some((point, row, line)) = reader.next::<AdoptionRow>()? {
        let Some(point) = layout.kept_point(path, line, point)? else {
            continue;
        };
        let arm = arms.get(path, line, row.variant)?;
        let segment = segments.get(path, line, row.segment)?;
        let state = states.get(path, line, row.state)?;
        if row.replicate >= shape.replicates() || row.step > shape.steps() {
            return Err(refuse_line(
                path,
                line,
                format!(
                    "replicate {} or step {} is outside the run ({} replicates, steps 0..={})",
                    row.replicate,
                    row.step,
                    shape.replicates(),
                    shape.steps()
                ),
            ));
        }
        dates.check(path, line, row.step, row.date)?;
        let k = shape.index(Task {
            point,
            arm,
            replicate: row.replicate,
        });
        let position = owned
            .position(k)
            .ok_or_else(|| refuse_line(path, line, "a row of a task this shard does not run"))?;
        let cell = shape.cell(row.step, segment, state);
        if std::mem::replace(&mut seen[position * cells + cell], true) {
            return Err(refuse_line(path, line, "a row repeats an earlier one"));
        }
        results.task_mut(k).counts[cell] = row.agents;
        rows += 1;
    }
    let expected = seen.len();
    if rows != expected {
        return Err(refuse(
            path,
            format!(
                "{rows} rows where {} implies {expected} (every {}variant, replicate, step, \
                 segment and state once)",
                layout.source,
                if layout.swept { "point, " } else { "" }
            ),
        ));
    }
    dates.check_order(path)
}

/// The tasks a file holds: every task of the results, or a shard's.
pub(crate) trait TaskSet {
    /// The task indices, in increasing order.
    fn tasks(&self) -> impl Iterator<Item = usize>;
    /// How many.
    fn count(&self) -> usize;
    /// The position of task k among them; `None` when it is not one of them.
    fn position(&self, k: usize) -> Option<usize>;
}

impl TaskSet for Range<usize> {
    fn tasks(&self) -> impl Iterator<Item = usize> {
        self.clone()
    }
    fn count(&self) -> usize {
        self.end.saturating_sub(self.start)
    }
    fn position(&self, k: usize) -> Option<usize> {
        self.contains(&k).then(|| k - self.start)
    }
}

impl TaskSet for [usize] {
    fn tasks(&self) -> impl Iterator<Item = usize> {
        self.iter().copied()
    }
    fn count(&self) -> usize {
        self.len()
    }
    fn position(&self, k: usize) -> Option<usize> {
        self.binary_search(&k).ok()
    }
}

/// Per slot and segment, the agents of the segment: the sum of its states, which must be the
/// same at every replicate and step of the slot. On a mismatch, the slot and a message.
pub(crate) fn segment_agents(
    results: &Results,
    arms: &[String],
    segments: &[String],
) -> std::result::Result<Vec<Vec<u32>>, (usize, String)> {
    let shape = *results.shape();
    (0..shape.slots())
        .map(|slot| {
            let arm = slot % shape.arms();
            (0..shape.segments())
                .map(|segment| {
                    let total = |r: u32, t: u32| {
                        let k = shape.task_in_slot(slot, r);
                        (0..shape.states())
                            .map(|state| u64::from(results.count(k, t, segment, state)))
                            .sum::<u64>()
                    };
                    let agents = total(0, 0);
                    for r in 0..shape.replicates() {
                        for t in 0..=shape.steps() {
                            if total(r, t) != agents {
                                return Err((
                                    slot,
                                    format!(
                                        "variant {}: segment {} has {} agents at replicate \
                                         {r} step {t} but {agents} at replicate 0 step 0",
                                        arms[arm],
                                        segments[segment],
                                        total(r, t)
                                    ),
                                ));
                            }
                        }
                    }
                    u32::try_from(agents).map_err(|_| {
                        (
                            slot,
                            format!(
                                "variant {}: segment {} has more agents than a run can",
                                arms[arm], segments[segment]
                            ),
                        )
                    })
                })
                .collect()
        })
        .collect()
}

/// What [`read_flows`] keeps of each flow.
pub(crate) enum FlowsInto<'s> {
    /// Every flow, in its task's `flows`, which must come in the order the writer puts them.
    Flows,
    /// Only the agents leaving each state, summed over the steps.
    Switches(&'s mut Switches),
}

/// Reads `flows.csv`: rows of the tasks `owned` only, each a change between two states of a
/// step 1..=steps dated as in `adoption.csv`.
pub(crate) fn read_flows(
    path: &Path,
    layout: &FileLayout<'_>,
    results: &mut Results,
    owned: &(impl TaskSet + ?Sized),
    dates: &Dates,
    mut into: FlowsInto<'_>,
) -> Result<()> {
    let shape = *results.shape();
    let arms = Names::new(layout.arms, "variant", layout.source);
    let segments = Names::new(layout.segments, "segment", layout.source);
    let states = Names::new(layout.states, "state", layout.source);
    let mut reader = RowReader::open::<FlowRow>(path, layout.swept)?;
    while let Some((point, row, line)) = reader.next::<FlowRow>()? {
        let Some(point) = layout.kept_point(path, line, point)? else {
            continue;
        };
        let arm = arms.get(path, line, row.variant)?;
        let segment = segments.get(path, line, row.segment)?;
        let from = states.get(path, line, row.from)?;
        let to = states.get(path, line, row.to)?;
        if row.replicate >= shape.replicates()
            || row.step == 0
            || row.step > shape.steps()
            || from == to
            || row.agents == 0
        {
            return Err(refuse_line(
                path,
                line,
                "not a flow of this run (replicate, step 1..=steps, from != to, agents > 0)",
            ));
        }
        if !dates.is(row.step, row.date) {
            return Err(refuse_line(path, line, "the date is not the step's"));
        }
        let k = shape.index(Task {
            point,
            arm,
            replicate: row.replicate,
        });
        if owned.position(k).is_none() {
            return Err(refuse_line(
                path,
                line,
                "a flow of a task this shard does not run",
            ));
        }
        match &mut into {
            FlowsInto::Switches(switches) => {
                switches.add(k, segment, from, row.agents);
            }
            FlowsInto::Flows => {
                // Both fit: the segments and states are those of the run's manifest, whose
                // sizes the shard's checks bound.
                let flow = Flow {
                    step: row.step,
                    segment: segment as u16,
                    from: from as u8,
                    to: to as u8,
                    agents: row.agents,
                };
                let flows = &mut results.task_mut(k).flows;
                let key = |f: &Flow| (f.step, f.segment, f.from, f.to);
                if flows.last().is_some_and(|last| key(last) >= key(&flow)) {
                    return Err(refuse_line(path, line, "out of order"));
                }
                flows.push(flow);
            }
        }
    }
    Ok(())
}

/// An event's own date from its `at` (a date, or a step number).
fn own_date(event: &ResolvedEvent, dates: &[NaiveDate]) -> Option<NaiveDate> {
    match &event.at {
        EventAt::Date(d) => parse_date(d),
        EventAt::Step(s) => dates.get(*s as usize).copied(),
    }
}

/// Each arm's timeline from `run.json`, with each event's own date looked up among the
/// baseline's and the variant's events (the timeline holds the date of the step it applies
/// at, which is later when the event falls between two steps).
fn timelines(
    path: &Path,
    resolved: &Resolved,
    arms: &[String],
    dates: &[NaiveDate],
) -> Result<Vec<Vec<TimelineEvent>>> {
    arms.iter()
        .map(|arm| {
            let (timeline, variant_events) = if arm == "baseline" {
                (&resolved.timeline, &[][..])
            } else {
                let variant = resolved
                    .variants
                    .iter()
                    .find(|v| &v.name == arm)
                    .ok_or_else(|| refuse(path, format!("resolved.variants: no '{arm}'")))?;
                (&variant.timeline, variant.events.as_slice())
            };
            timeline
                .iter()
                .map(|e| {
                    let step = e.step;
                    if step as usize >= dates.len() {
                        return Err(refuse(
                            path,
                            format!("{}: step {step} is outside the run", e.name),
                        ));
                    }
                    let date = resolved
                        .events
                        .iter()
                        .chain(variant_events)
                        .find(|o| o.name == e.name)
                        .and_then(|o| own_date(o, dates))
                        .unwrap_or(dates[step as usize]);
                    Ok(TimelineEvent {
                        name: e.name.clone(),
                        date,
                        step,
                    })
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_keeps_the_date_its_first_row_gives() {
        let path = Path::new("adoption.csv");
        let mut dates = Dates::unknown(1);
        dates.check(path, 2, 0, "2024-01-01").unwrap();
        dates.check(path, 3, 0, "2024-01-01").unwrap();
        let conflict = dates.check(path, 4, 0, "2024-01-02").unwrap_err();
        assert!(
            conflict.to_string().contains("step 0 has the dates"),
            "{conflict}"
        );
        assert!(dates.check(path, 5, 1, "January").is_err());
        dates.check(path, 6, 1, "2023-12-31").unwrap();
        assert!(dates.is(1, "2023-12-31") && !dates.is(1, "2024-01-08"));
        let backwards = dates.check_order(path).unwrap_err();
        assert!(backwards.to_string().contains("backwards"), "{backwards}");
    }

    #[test]
    fn a_segment_must_hold_the_same_agents_at_every_step() {
        let shape = Shape::new(1, 1, 2, 1, 1, 2).unwrap();
        let mut results = Results::empty(shape, vec![vec![0]]);
        results.task_mut(0).counts = vec![3, 0, 1, 2];
        results.task_mut(1).counts = vec![3, 0, 2, 2];
        let names = |n: &str| vec![n.to_owned()];
        let (slot, message) =
            segment_agents(&results, &names("baseline"), &names("a")).unwrap_err();
        assert_eq!(slot, 0);
        assert!(
            message.contains("segment a has 4 agents at replicate 1 step 1"),
            "{message}"
        );
        results.task_mut(1).counts = vec![2, 1, 0, 3];
        assert_eq!(
            segment_agents(&results, &names("baseline"), &names("a")).unwrap(),
            vec![vec![3]]
        );
    }

    #[test]
    fn a_shards_tasks_are_found_by_position() {
        let tasks: &[usize] = &[1, 4, 7];
        assert_eq!(tasks.position(4), Some(1));
        assert_eq!(tasks.position(5), None);
        assert_eq!(TaskSet::count(tasks), 3);
        assert_eq!((2..5).position(4), Some(2));
        assert_eq!((2..5).position(5), None);
    }
}
