//! Reading an output folder back into memory for `compare` and `plot`: `run.json` for the
//! names, origins and timelines, `adoption.csv` for the counts, `flows.csv` for the switches,
//! and, for a swept run, `points.csv` for the points' values.
//!
//! Only the files' contract is relied on, never the run that wrote them, so a folder from an
//! earlier run (or another machine) reads the same. A folder that is not blockade's, or whose
//! files do not hold together, is refused with one line naming the file and, where it helps,
//! the line: contract 8 makes that exit status 2.
//!
//! A swept run (run.json's `resolved.sweep`) has a `point` column first in every CSV file;
//! it is read into one [`RunData`] per point, or only the point asked for.

use super::tables::{ADOPTION_HEADER, FLOWS_HEADER};
use crate::compare::{FIRST_PROVIDER, RunData, RunPoints, SweepValues, TimelineEvent};
use crate::error::{Error, InputError, Result};
use chrono::NaiveDate;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

/// A refusal about `path` (exit status 2).
fn refuse(path: &Path, message: impl Into<String>) -> Error {
    Error::Input(InputError::new(message).in_origin(path.display().to_string()))
}

/// A refusal about one line of a CSV file.
fn refuse_line(path: &Path, line: u64, message: impl Into<String>) -> Error {
    let mut e = InputError::new(message).in_origin(path.display().to_string());
    e.line = Some(line as usize);
    Error::Input(e)
}

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

/// Reads a folder: the kept points' data, in point order, and the sweep's values.
fn read(dir: &Path, which: Which) -> Result<(Vec<RunData>, Option<SweepValues>)> {
    if !dir.is_dir() {
        return Err(refuse(dir, "not a folder"));
    }
    let manifest_path = dir.join(super::MANIFEST);
    let manifest: Value = std::fs::read(&manifest_path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .filter(|json: &Value| json.get("tool").and_then(Value::as_str) == Some("blockade"))
        .ok_or_else(|| {
            refuse(
                dir,
                "not a blockade output folder (no run.json written by blockade)",
            )
        })?;
    let mut template = from_manifest(&manifest_path, &manifest)?;
    let sweep = match manifest.pointer("/resolved/sweep") {
        None => None,
        Some(sweep) => {
            let count = sweep
                .get("points")
                .and_then(Value::as_array)
                .map(Vec::len)
                .filter(|&n| n > 0)
                .ok_or_else(|| refuse(&manifest_path, "resolved.sweep.points: not a list"))?;
            Some(read_points(&dir.join(super::POINTS), count)?)
        }
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
    // The same bound as for one point (from_manifest), over every point kept.
    template
        .counts
        .len()
        .checked_mul(kept.len())
        .filter(|&n| n <= 1 << 32)
        .ok_or_else(|| refuse(&manifest_path, "the run is too large to compare in memory"))?;
    let layout = Layout {
        swept: sweep.is_some(),
        points,
        kept: kept.clone(),
    };
    let mut data = vec![template.clone(); kept.len()];
    read_adoption(&dir.join("adoption.csv"), &layout, &mut data)?;
    read_flows(&dir.join("flows.csv"), &layout, &mut data)?;
    // Timelines do not depend on the point; the dates are the same at every point.
    template.dates = data[0].dates.clone();
    let timelines = timelines(&manifest_path, &manifest, &template)?;
    for point in &mut data {
        point.timelines = timelines.clone();
    }
    Ok((data, sweep))
}

/// How a folder's rows map to the points kept.
struct Layout {
    /// Whether every CSV file starts with a `point` column.
    swept: bool,
    /// The run's number of points (1 unswept).
    points: usize,
    /// The point numbers kept, in order.
    kept: std::ops::Range<usize>,
}

impl Layout {
    /// The header a CSV file must have: `columns`, after `point` when swept.
    fn header<'a>(&self, columns: &[&'a str]) -> Vec<&'a str> {
        let point: &[&str] = if self.swept { &["point"] } else { &[] };
        point.iter().chain(columns).copied().collect()
    }

    /// The slot of a row's point among the points kept; `None` when it is not kept.
    fn slot(&self, path: &Path, line: u64, record: &csv::ByteRecord) -> Result<Option<usize>> {
        if !self.swept {
            return Ok(Some(0));
        }
        let point: usize = number(path, line, "point", &record[0])?;
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

    /// "point P: " for a message about a kept point of a swept run, else nothing.
    fn name(&self, slot: usize) -> String {
        if self.swept {
            format!("point {}: ", self.kept.start + slot)
        } else {
            String::new()
        }
    }
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
        if record.get(0) != Some(values.len().to_string().as_str()) {
            return Err(refuse_line(
                path,
                line,
                format!(
                    "expected point {} (points count from 0, in order)",
                    values.len()
                ),
            ));
        }
        values.push(record.iter().skip(1).map(String::from).collect());
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

/// A field of `run.json` that must be there.
fn field<'a>(path: &Path, json: &'a Value, key: &str) -> Result<&'a Value> {
    key.split('.')
        .try_fold(json, |v, k| v.get(k))
        .ok_or_else(|| refuse(path, format!("{key}: missing")))
}

fn strings(path: &Path, json: &Value, key: &str, name: &str) -> Result<Vec<String>> {
    let items = field(path, json, key)?
        .as_array()
        .ok_or_else(|| refuse(path, format!("{key}: not a list")))?;
    items
        .iter()
        .map(|item| {
            let text = if name.is_empty() {
                item.as_str()
            } else {
                item.get(name).and_then(Value::as_str)
            };
            text.map(String::from)
                .ok_or_else(|| refuse(path, format!("{key}: an entry has no {name} string")))
        })
        .collect()
}

/// Names, origins and sizes from `run.json`; the counts are filled in by the CSV readers.
fn from_manifest(path: &Path, json: &Value) -> Result<RunData> {
    let arms = strings(path, json, "variants", "")?;
    if arms.first().map(String::as_str) != Some("baseline") {
        return Err(refuse(path, "variants: the first must be baseline"));
    }
    let replicates = field(path, json, "replicates")?
        .as_u64()
        .filter(|&r| (1..=u64::from(u32::MAX)).contains(&r))
        .ok_or_else(|| refuse(path, "replicates: not a positive integer"))?;
    let steps = field(path, json, "resolved.scenario.steps")?
        .as_u64()
        .filter(|&s| s < u64::from(u32::MAX))
        .ok_or_else(|| refuse(path, "resolved.scenario.steps: not an integer"))?;
    let scenario = field(path, json, "resolved.scenario.name")?
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let segments = strings(path, json, "resolved.segments", "name")?;
    let providers = field(path, json, "resolved.providers")?
        .as_array()
        .ok_or_else(|| refuse(path, "resolved.providers: not a list"))?;
    let mut states = vec!["not_adopted".to_owned(), "unserved".to_owned()];
    let mut domestic = vec![false; FIRST_PROVIDER];
    for provider in providers {
        let id = provider
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| refuse(path, "resolved.providers: an entry has no id"))?;
        states.push(id.to_owned());
        // A provider without an origin counts as foreign (contract 9).
        domestic.push(provider.get("origin").and_then(Value::as_str) == Some("cn"));
    }
    let (a, r, t, s, k) = (
        arms.len(),
        replicates as usize,
        steps as usize + 1,
        segments.len(),
        states.len(),
    );
    let cells = [a, r, t, s, k]
        .iter()
        .try_fold(1usize, |n, &x| n.checked_mul(x))
        .filter(|&n| n <= 1 << 32)
        .ok_or_else(|| refuse(path, "the run is too large to compare in memory"))?;
    Ok(RunData {
        scenario,
        segment_agents: vec![vec![0; s]; a],
        counts: vec![0; cells],
        switches: vec![0; a * r * s * k],
        arms,
        segments,
        states,
        domestic,
        // Placeholders until adoption.csv gives each step its date.
        dates: vec![NaiveDate::MIN; t],
        replicates: replicates as u32,
        timelines: Vec::new(),
    })
}

/// Maps the names in a CSV column to indices, remembering the last one: rows come sorted,
/// so most lookups are a comparison with the previous row's name.
struct Names<'a> {
    names: HashMap<&'a [u8], usize>,
    what: &'static str,
}

impl<'a> Names<'a> {
    fn new(names: &'a [String], what: &'static str) -> Names<'a> {
        Names {
            names: names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.as_bytes(), i))
                .collect(),
            what,
        }
    }

    fn get(&self, path: &Path, line: u64, name: &[u8]) -> Result<usize> {
        self.names.get(name).copied().ok_or_else(|| {
            refuse_line(
                path,
                line,
                format!(
                    "unknown {} '{}' (not in run.json)",
                    self.what,
                    String::from_utf8_lossy(name)
                ),
            )
        })
    }
}

fn number<T: std::str::FromStr>(path: &Path, line: u64, column: &str, text: &[u8]) -> Result<T> {
    std::str::from_utf8(text)
        .ok()
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| {
            refuse_line(
                path,
                line,
                format!(
                    "{column}: '{}' is not a valid number",
                    String::from_utf8_lossy(text)
                ),
            )
        })
}

fn reader(path: &Path, header: &[&str]) -> Result<csv::Reader<std::fs::File>> {
    let file = std::fs::File::open(path).map_err(|e| refuse(path, format!("cannot read: {e}")))?;
    let mut reader = csv::ReaderBuilder::new()
        .buffer_capacity(1 << 20)
        .from_reader(file);
    let found = reader
        .byte_headers()
        .map_err(|e| refuse(path, format!("not CSV: {e}")))?;
    if found.iter().ne(header.iter().map(|h| h.as_bytes())) {
        return Err(refuse(
            path,
            format!(
                "unexpected header '{}' (expected '{}')",
                found
                    .iter()
                    .map(String::from_utf8_lossy)
                    .collect::<Vec<_>>()
                    .join(","),
                header.join(",")
            ),
        ));
    }
    Ok(reader)
}

/// Calls `row` with each record of a CSV file of `width` fields (after the point column when
/// swept), its line, the slot of its point among the kept ones, and the offset of its first
/// field after the point; rows of points not kept are skipped.
fn each_row(
    path: &Path,
    layout: &Layout,
    columns: &[&str],
    mut row: impl FnMut(&csv::ByteRecord, u64, usize, usize) -> Result<()>,
) -> Result<()> {
    let mut reader = reader(path, &layout.header(columns))?;
    let offset = usize::from(layout.swept);
    let mut record = csv::ByteRecord::new();
    loop {
        let more = reader.read_byte_record(&mut record).map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            refuse_line(path, line, format!("malformed CSV: {e}"))
        })?;
        if !more {
            return Ok(());
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != offset + columns.len() {
            return Err(refuse_line(path, line, "wrong number of fields"));
        }
        if let Some(slot) = layout.slot(path, line, &record)? {
            row(&record, line, slot, offset)?;
        }
    }
}

/// The counts of `adoption.csv`: every (point, variant, replicate, step, segment, state) of
/// the points kept exactly once, the same date for a step on every row, and a segment's states
/// adding up to the same number of agents at every step of an arm (at a point).
fn read_adoption(path: &Path, layout: &Layout, data: &mut [RunData]) -> Result<()> {
    let mut counts: Vec<Vec<u32>> = data
        .iter_mut()
        .map(|d| std::mem::take(&mut d.counts))
        .collect();
    let mut seen: Vec<Vec<bool>> = counts.iter().map(|c| vec![false; c.len()]).collect();
    let template = &data[0];
    let (replicates, steps) = (template.replicates, template.dates.len());
    let mut dates: Vec<Option<NaiveDate>> = vec![None; steps];
    let arms = Names::new(&template.arms, "variant");
    let segments = Names::new(&template.segments, "segment");
    let states = Names::new(&template.states, "state");
    let mut cells = 0usize;
    each_row(path, layout, &ADOPTION_HEADER, |record, line, slot, o| {
        let arm = arms.get(path, line, &record[o])?;
        let replicate: u32 = number(path, line, "replicate", &record[o + 1])?;
        let step: u32 = number(path, line, "step", &record[o + 2])?;
        let segment = segments.get(path, line, &record[o + 4])?;
        let state = states.get(path, line, &record[o + 5])?;
        let agents: u32 = number(path, line, "agents", &record[o + 6])?;
        if replicate >= replicates || step as usize >= steps {
            return Err(refuse_line(
                path,
                line,
                format!(
                    "replicate {replicate} or step {step} is outside the run ({replicates} \
                     replicates, steps 0..={})",
                    steps - 1
                ),
            ));
        }
        let date = std::str::from_utf8(&record[o + 3])
            .ok()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .ok_or_else(|| refuse_line(path, line, "date: not a YYYY-MM-DD date"))?;
        match dates[step as usize] {
            None => dates[step as usize] = Some(date),
            Some(d) if d != date => {
                return Err(refuse_line(
                    path,
                    line,
                    format!("step {step} has the dates {d} and {date}"),
                ));
            }
            Some(_) => {}
        }
        let i = template.index(arm, replicate, step, segment, state);
        if std::mem::replace(&mut seen[slot][i], true) {
            return Err(refuse_line(path, line, "a row repeats an earlier one"));
        }
        counts[slot][i] = agents;
        cells += 1;
        Ok(())
    })?;
    let expected: usize = counts.iter().map(Vec::len).sum();
    if cells != expected {
        return Err(refuse(
            path,
            format!(
                "{cells} rows where run.json implies {expected} (every {}variant, replicate, \
                 step, segment and state once)",
                if layout.swept { "point, " } else { "" }
            ),
        ));
    }
    // Every row was seen, so every step has its date.
    let dates: Vec<NaiveDate> = dates.into_iter().flatten().collect();
    if dates.windows(2).any(|w| w[0] > w[1]) {
        return Err(refuse(path, "the dates go backwards as the steps advance"));
    }
    for (slot, (data, counts)) in data.iter_mut().zip(counts).enumerate() {
        data.counts = counts;
        data.dates = dates.clone();
        check_agents(path, data, &layout.name(slot))?;
    }
    Ok(())
}

/// Checks that a segment's states add up to the same number of agents at every replicate and
/// step of an arm, and records that number.
fn check_agents(path: &Path, data: &mut RunData, point: &str) -> Result<()> {
    for arm in 0..data.arms.len() {
        for segment in 0..data.segments.len() {
            let total = |r, t| {
                (0..data.states.len())
                    .map(|k| u64::from(data.counts[data.index(arm, r, t, segment, k)]))
                    .sum::<u64>()
            };
            let agents = total(0, 0);
            for r in 0..data.replicates {
                for t in 0..=data.steps() {
                    if total(r, t) != agents {
                        return Err(refuse(
                            path,
                            format!(
                                "{point}variant {}: segment {} has {} agents at replicate {r} \
                                 step {t} but {agents} at replicate 0 step 0",
                                data.arms[arm],
                                data.segments[segment],
                                total(r, t)
                            ),
                        ));
                    }
                }
            }
            data.segment_agents[arm][segment] = agents;
        }
    }
    Ok(())
}

/// The agents leaving each state, summed over the steps, from `flows.csv`.
fn read_flows(path: &Path, layout: &Layout, data: &mut [RunData]) -> Result<()> {
    let (arm_names, segment_names, state_names) = (
        data[0].arms.clone(),
        data[0].segments.clone(),
        data[0].states.clone(),
    );
    let (replicates, steps) = (data[0].replicates, data[0].steps());
    let arms = Names::new(&arm_names, "variant");
    let segments = Names::new(&segment_names, "segment");
    let states = Names::new(&state_names, "state");
    each_row(path, layout, &FLOWS_HEADER, |record, line, slot, o| {
        let arm = arms.get(path, line, &record[o])?;
        let replicate: u32 = number(path, line, "replicate", &record[o + 1])?;
        let step: u32 = number(path, line, "step", &record[o + 2])?;
        let segment = segments.get(path, line, &record[o + 4])?;
        let from = states.get(path, line, &record[o + 5])?;
        let to = states.get(path, line, &record[o + 6])?;
        let agents: u64 = number(path, line, "agents", &record[o + 7])?;
        if replicate >= replicates || step == 0 || step > steps || from == to {
            return Err(refuse_line(
                path,
                line,
                "not a flow of this run (replicate, step 1..=steps, from != to)",
            ));
        }
        let task = arm * replicates as usize + replicate as usize;
        let cell = (task * segment_names.len() + segment) * state_names.len() + from;
        data[slot].switches[cell] += agents;
        Ok(())
    })
}

/// An event's own date from its `at` (a date, or a step number).
fn own_date(event: &Value, dates: &[NaiveDate]) -> Option<NaiveDate> {
    match event.get("at")? {
        Value::String(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d").ok(),
        Value::Number(n) => dates.get(usize::try_from(n.as_u64()?).ok()?).copied(),
        _ => None,
    }
}

/// Each arm's timeline from `run.json`, with each event's own date looked up among the
/// baseline's and the variant's events (the timeline holds the date of the step it applies
/// at, which is later when the event falls between two steps).
fn timelines(path: &Path, json: &Value, data: &RunData) -> Result<Vec<Vec<TimelineEvent>>> {
    let resolved = field(path, json, "resolved")?;
    let variants = resolved
        .get("variants")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let events_of = |v: &Value| v.get("events").and_then(Value::as_array).cloned();
    data.arms
        .iter()
        .map(|arm| {
            let (timeline, own) = if arm == "baseline" {
                (resolved.get("timeline"), events_of(resolved))
            } else {
                let variant = variants
                    .iter()
                    .find(|v| v.get("name").and_then(Value::as_str) == Some(arm))
                    .ok_or_else(|| refuse(path, format!("resolved.variants: no '{arm}'")))?;
                let mut own = events_of(resolved).unwrap_or_default();
                own.extend(events_of(variant).unwrap_or_default());
                (variant.get("timeline"), Some(own))
            };
            let own = own.unwrap_or_default();
            let timeline = timeline
                .and_then(Value::as_array)
                .ok_or_else(|| refuse(path, format!("{arm}: the timeline is missing")))?;
            timeline
                .iter()
                .map(|e| {
                    let name = e.get("name").and_then(Value::as_str);
                    let step = e.get("step").and_then(Value::as_u64);
                    let (Some(name), Some(step)) = (name, step) else {
                        return Err(refuse(
                            path,
                            format!("{arm}: a timeline event has no name or step"),
                        ));
                    };
                    let step = u32::try_from(step)
                        .ok()
                        .filter(|&s| s <= data.steps())
                        .ok_or_else(|| {
                            refuse(path, format!("{name}: step {step} is outside the run"))
                        })?;
                    let date = own
                        .iter()
                        .find(|o| o.get("name").and_then(Value::as_str) == Some(name))
                        .and_then(|o| own_date(o, &data.dates))
                        .unwrap_or(data.dates[step as usize]);
                    Ok(TimelineEvent {
                        name: name.to_owned(),
                        date,
                        step,
                    })
                })
                .collect()
        })
        .collect()
}
