//! Reading an output folder back into memory for `compare` and `plot`: `run.json` for the
//! names, origins and timelines, `adoption.csv` for the counts, `flows.csv` for the switches.
//!
//! Only the files' contract is relied on, never the run that wrote them, so a folder from an
//! earlier run (or another machine) reads the same. A folder that is not blockade's, or whose
//! files do not hold together, is refused with one line naming the file and, where it helps,
//! the line: contract 8 makes that exit status 2.

use crate::compare::{FIRST_PROVIDER, RunData, TimelineEvent};
use crate::error::{Error, InputError, Result};
use chrono::NaiveDate;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

const ADOPTION_HEADER: [&str; 8] = [
    "variant",
    "replicate",
    "step",
    "date",
    "segment",
    "state",
    "agents",
    "share",
];

const FLOWS_HEADER: [&str; 8] = [
    "variant",
    "replicate",
    "step",
    "date",
    "segment",
    "from",
    "to",
    "agents",
];

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

/// Reads the output folder `dir` written by `blockade run`.
pub fn load(dir: &Path) -> Result<RunData> {
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
    let mut data = from_manifest(&manifest_path, &manifest)?;
    read_adoption(&dir.join("adoption.csv"), &mut data)?;
    read_flows(&dir.join("flows.csv"), &mut data)?;
    data.timelines = timelines(&manifest_path, &manifest, &data)?;
    Ok(data)
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

/// The counts of `adoption.csv`: every (variant, replicate, step, segment, state) exactly
/// once, the same date for a step on every row, and a segment's states adding up to the same
/// number of agents at every step of an arm.
fn read_adoption(path: &Path, data: &mut RunData) -> Result<()> {
    let mut reader = reader(path, &ADOPTION_HEADER)?;
    let steps = data.dates.len();
    let mut dates: Vec<Option<NaiveDate>> = vec![None; steps];
    let mut seen = vec![false; data.counts.len()];
    let arms = Names::new(&data.arms, "variant");
    let segments = Names::new(&data.segments, "segment");
    let states = Names::new(&data.states, "state");
    let mut record = csv::ByteRecord::new();
    let mut cells = 0usize;
    let mut counts = std::mem::take(&mut data.counts);
    loop {
        let more = reader.read_byte_record(&mut record).map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            refuse_line(path, line, format!("malformed CSV: {e}"))
        })?;
        if !more {
            break;
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != ADOPTION_HEADER.len() {
            return Err(refuse_line(path, line, "wrong number of fields"));
        }
        let arm = arms.get(path, line, &record[0])?;
        let replicate: u32 = number(path, line, "replicate", &record[1])?;
        let step: u32 = number(path, line, "step", &record[2])?;
        let segment = segments.get(path, line, &record[4])?;
        let state = states.get(path, line, &record[5])?;
        let agents: u32 = number(path, line, "agents", &record[6])?;
        if replicate >= data.replicates || step as usize >= steps {
            return Err(refuse_line(
                path,
                line,
                format!(
                    "replicate {replicate} or step {step} is outside the run ({} replicates, \
                     steps 0..={})",
                    data.replicates,
                    steps - 1
                ),
            ));
        }
        let date = std::str::from_utf8(&record[3])
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
        let i = data.index(arm, replicate, step, segment, state);
        if std::mem::replace(&mut seen[i], true) {
            return Err(refuse_line(path, line, "a row repeats an earlier one"));
        }
        counts[i] = agents;
        cells += 1;
    }
    if cells != counts.len() {
        return Err(refuse(
            path,
            format!(
                "{cells} rows where run.json implies {} (every variant, replicate, step, \
                 segment and state once)",
                counts.len()
            ),
        ));
    }
    data.counts = counts;
    // Every row was seen, so every step has its date.
    data.dates = dates.into_iter().flatten().collect();
    if data.dates.windows(2).any(|w| w[0] > w[1]) {
        return Err(refuse(path, "the dates go backwards as the steps advance"));
    }
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
                                "variant {}: segment {} has {} agents at replicate {r} step {t} \
                                 but {agents} at replicate 0 step 0",
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
fn read_flows(path: &Path, data: &mut RunData) -> Result<()> {
    let mut reader = reader(path, &FLOWS_HEADER)?;
    let arms = Names::new(&data.arms, "variant");
    let segments = Names::new(&data.segments, "segment");
    let states = Names::new(&data.states, "state");
    let mut record = csv::ByteRecord::new();
    loop {
        let more = reader.read_byte_record(&mut record).map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            refuse_line(path, line, format!("malformed CSV: {e}"))
        })?;
        if !more {
            break;
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != FLOWS_HEADER.len() {
            return Err(refuse_line(path, line, "wrong number of fields"));
        }
        let arm = arms.get(path, line, &record[0])?;
        let replicate: u32 = number(path, line, "replicate", &record[1])?;
        let step: u32 = number(path, line, "step", &record[2])?;
        let segment = segments.get(path, line, &record[4])?;
        let from = states.get(path, line, &record[5])?;
        let to = states.get(path, line, &record[6])?;
        let agents: u64 = number(path, line, "agents", &record[7])?;
        if replicate >= data.replicates || step == 0 || step > data.steps() || from == to {
            return Err(refuse_line(
                path,
                line,
                "not a flow of this run (replicate, step 1..=steps, from != to)",
            ));
        }
        let task = arm * data.replicates as usize + replicate as usize;
        data.switches[(task * data.segments.len() + segment) * data.states.len() + from] += agents;
    }
    Ok(())
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
