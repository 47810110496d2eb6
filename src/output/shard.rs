//! Shard folders, and merging them back into the results of one run (contract 10).
//!
//! A shard folder holds the rows of its tasks in the run's own formats (`adoption.csv` and
//! `flows.csv`, with `points.csv` when swept) and `shard.json`: which run it belongs to
//! (`resolved_sha256`, seed, version), which shard it is, its tasks, the shape of the run's
//! results, the `run.json` it would have written, and the size and SHA-256 of every file.
//!
//! Merging reads the integer counts back from the rows and rebuilds [`Results`], so that the
//! same writers compute the same statistics from the same integers: the merged CSV files are
//! byte-identical to an unsharded run's. Everything about the shards is checked before
//! anything is written: that they are one run's, that each task appears exactly once, that
//! no file was truncated or changed. Every such problem is a refusal naming the folder.

use super::tables::{self, ADOPTION_HEADER, FLOWS_HEADER, Labels};
use super::{POINTS, Staging};
use crate::error::{Error, InputError, Result};
use crate::runner::{Flow, ReplicateResult, Results};
use crate::scenario::Scenario;
use crate::shard::Shard;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The manifest of a shard folder.
pub const SHARD_MANIFEST: &str = "shard.json";

const ADOPTION: &str = "adoption.csv";
const FLOWS: &str = "flows.csv";

/// The shape of a run's results: enough to rebuild [`Results`] and [`Labels`] without the
/// scenario file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Layout {
    points: usize,
    arms: Vec<String>,
    replicates: u32,
    dates: Vec<String>,
    segments: Vec<String>,
    states: Vec<String>,
    point_column: bool,
    segment_agents: Vec<Vec<u32>>,
}

/// A file's size and checksum, so that a truncated or altered file is caught.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    bytes: u64,
    sha256: String,
}

/// `shard.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShardManifest {
    tool: String,
    kind: String,
    version: String,
    shard: u32,
    shards: u32,
    resolved_sha256: String,
    seed: u64,
    tasks_total: usize,
    tasks: Vec<usize>,
    files: BTreeMap<String, FileEntry>,
    layout: Layout,
    /// The `run.json` this shard would have written: what the merge's is made from.
    run: Value,
}

fn sha256_of_file(path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        hasher.update(&buffer[..n]);
    }
    let hex = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((bytes, hex))
}

/// Writes a shard folder into `staging`: the rows of `tasks` (whose results are filled in
/// `results`), `points.csv` when swept, and `shard.json` with `run`, the shard's run.json.
pub fn write_shard(
    staging: &Staging,
    scenario: &Scenario,
    results: &Results,
    shard: Shard,
    tasks: &[usize],
    run: Value,
) -> Result<()> {
    let labels = Labels::of(scenario);
    tables::write_adoption(staging, ADOPTION, results, &labels, tasks)?;
    tables::write_flows(staging, FLOWS, results, &labels, tasks)?;
    let mut names = vec![ADOPTION, FLOWS];
    if let Some(sweep) = &scenario.sweep {
        super::write_points(staging, sweep)?;
        names.push(POINTS);
    }
    let mut files = BTreeMap::new();
    for name in names {
        let path = staging.path(name);
        let (bytes, sha256) = sha256_of_file(&path)
            .map_err(|e| Error::io(format!("reading back {}", path.display()), e))?;
        files.insert(name.to_owned(), FileEntry { bytes, sha256 });
    }
    let manifest = ShardManifest {
        tool: "blockade".into(),
        kind: "shard".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        shard: shard.index(),
        shards: shard.count(),
        resolved_sha256: run["resolved_sha256"].as_str().unwrap_or_default().into(),
        seed: scenario.seed,
        tasks_total: results.task_count(),
        tasks: tasks.to_vec(),
        files,
        layout: Layout {
            points: results.points,
            arms: results.arms.clone(),
            replicates: results.replicates,
            dates: labels.dates,
            segments: labels.segments,
            states: labels.states,
            point_column: labels.point_column,
            segment_agents: results.segment_agents.clone(),
        },
        run,
    };
    let path = staging.path(SHARD_MANIFEST);
    let mut bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| Error::io(format!("writing {}", path.display()), e.into()))?;
    bytes.push(b'\n');
    std::fs::write(&path, bytes).map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

/// One shard folder given to `merge`, its manifest read.
#[derive(Debug)]
struct Given {
    dir: PathBuf,
    shown: String,
    manifest: ShardManifest,
}

impl Given {
    fn refuse(&self, message: impl Into<String>) -> Error {
        Error::Input(InputError::new(message).in_origin(&self.shown))
    }
}

/// The results of every shard of a run, put back together.
#[derive(Debug)]
pub struct Merged {
    /// The results, as an unsharded run would hold them.
    pub results: Results,
    /// The labels of the output files.
    pub labels: Labels,
    /// `scenario.name`, for the default output folder.
    pub name: String,
    /// The bytes of `points.csv`, when swept.
    points: Option<Vec<u8>>,
    /// Per shard, in shard order: its folder, which shard it is, its run.json.
    shards: Vec<(String, Shard, Value)>,
}

fn read_manifest(dir: &Path) -> Result<Given> {
    let shown = dir.display().to_string();
    let refuse = |message: String| Error::Input(InputError::new(message).in_origin(&shown));
    let path = dir.join(SHARD_MANIFEST);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(_) if !dir.is_dir() => return Err(refuse("no such folder".into())),
        Err(_) => {
            return Err(refuse(format!(
                "not a shard folder: no {SHARD_MANIFEST} (write one with `blockade run FILE \
                 --shard I/N --out DIR`)"
            )));
        }
    };
    let manifest: ShardManifest = serde_json::from_slice(&bytes).map_err(|e| {
        refuse(format!(
            "{SHARD_MANIFEST} is not a blockade shard manifest: {e}"
        ))
    })?;
    if manifest.tool != "blockade" || manifest.kind != "shard" {
        return Err(refuse(format!(
            "{SHARD_MANIFEST} is not a blockade shard manifest"
        )));
    }
    Ok(Given {
        dir: dir.to_owned(),
        shown,
        manifest,
    })
}

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}

/// Checks that a manifest agrees with itself: its shard exists, its tasks are that shard's,
/// its layout has the sizes it claims.
fn check_itself(given: &Given) -> Result<Shard> {
    let m = &given.manifest;
    let layout = &m.layout;
    let malformed = |what: &str| given.refuse(format!("malformed {SHARD_MANIFEST}: {what}"));
    let shard = Shard::new(m.shard, m.shards)
        .ok_or_else(|| malformed(&format!("shard {}/{} does not exist", m.shard, m.shards)))?;
    let slots = layout.points.checked_mul(layout.arms.len());
    let total = slots.and_then(|s| s.checked_mul(layout.replicates as usize));
    if layout.arms.is_empty() || layout.points == 0 || total != Some(m.tasks_total) {
        return Err(malformed("tasks_total is not points × arms × replicates"));
    }
    if layout.dates.is_empty()
        || layout.segments.is_empty()
        || layout.segments.len() > usize::from(u16::MAX)
        || layout.states.len() < 2
        || layout.states.len() > 256
        || slots != Some(layout.segment_agents.len())
        || layout
            .segment_agents
            .iter()
            .any(|s| s.len() != layout.segments.len())
    {
        return Err(malformed("its layout is inconsistent"));
    }
    if m.tasks != shard.tasks(m.tasks_total) {
        return Err(malformed(&format!(
            "its task list is not that of shard {shard}"
        )));
    }
    Ok(shard)
}

/// Checks that `other` belongs to the same run as `first`.
fn check_same_run(first: &Given, other: &Given) -> Result<()> {
    let (a, b) = (&first.manifest, &other.manifest);
    let fa = &first.shown;
    if a.version != b.version {
        return Err(other.refuse(format!(
            "written by blockade {}, but {fa} by blockade {}: run every shard with one version",
            b.version, a.version
        )));
    }
    if a.seed != b.seed {
        return Err(other.refuse(format!(
            "has seed {}, but {fa} has seed {}: the shards are from different runs",
            b.seed, a.seed
        )));
    }
    if a.resolved_sha256 != b.resolved_sha256 {
        return Err(other.refuse(format!(
            "is from another scenario than {fa} (resolved_sha256 {} vs {}): the shards of a \
             run share the scenario file and its flags",
            short(&b.resolved_sha256),
            short(&a.resolved_sha256)
        )));
    }
    if a.shards != b.shards {
        return Err(other.refuse(format!(
            "is shard {}/{}, but {fa} is shard {}/{}: the shards of a run share N",
            b.shard, b.shards, a.shard, a.shards
        )));
    }
    if a.layout != b.layout || a.tasks_total != b.tasks_total {
        return Err(other.refuse(format!(
            "ran other variants than {fa}: the shards of a run share --variant"
        )));
    }
    Ok(())
}

/// Checks each file the manifest lists against its size and checksum.
fn check_files(given: &Given) -> Result<()> {
    let m = &given.manifest;
    let mut required = vec![ADOPTION, FLOWS];
    if m.layout.point_column {
        required.push(POINTS);
    }
    for name in required {
        if !m.files.contains_key(name) {
            return Err(given.refuse(format!(
                "malformed {SHARD_MANIFEST}: it does not list {name}"
            )));
        }
    }
    for (name, entry) in &m.files {
        if ![ADOPTION, FLOWS, POINTS].contains(&name.as_str()) {
            return Err(given.refuse(format!(
                "malformed {SHARD_MANIFEST}: it lists an unknown file '{name}'"
            )));
        }
        let path = given.dir.join(name);
        let (bytes, sha256) =
            sha256_of_file(&path).map_err(|e| given.refuse(format!("{name}: cannot read: {e}")))?;
        if bytes != entry.bytes {
            return Err(given.refuse(format!(
                "{name} has {bytes} bytes, {SHARD_MANIFEST} says {}: the shard is truncated \
                 or damaged; run it again",
                entry.bytes
            )));
        }
        if sha256 != entry.sha256 {
            return Err(given.refuse(format!(
                "{name} does not match its SHA-256 in {SHARD_MANIFEST}: the shard is damaged; \
                 run it again"
            )));
        }
    }
    Ok(())
}

/// Reads the shard folders of one run, checks that they are one run's and cover every task
/// exactly once, verifies every file, and rebuilds the run's results from their rows.
/// Every problem is a refusal ([`Error::Input`]) naming the folder or the missing shards.
pub fn read_shards(dirs: &[PathBuf]) -> Result<Merged> {
    if dirs.is_empty() {
        return Err(InputError::new("merge needs at least one shard folder").into());
    }
    let given: Vec<Given> = dirs
        .iter()
        .map(|d| read_manifest(d))
        .collect::<Result<_>>()?;
    let first = &given[0];
    for other in &given[1..] {
        check_same_run(first, other)?;
    }
    let mut by_shard: BTreeMap<Shard, &Given> = BTreeMap::new();
    for g in &given {
        let shard = check_itself(g)?;
        if let Some(earlier) = by_shard.insert(shard, g) {
            return Err(g.refuse(format!(
                "shard {shard} is given twice: {} and {}",
                earlier.shown, g.shown
            )));
        }
    }
    let count = first.manifest.shards;
    let missing: Vec<String> = (1..=count)
        .filter_map(|i| Shard::new(i, count))
        .filter(|s| !by_shard.contains_key(s))
        .map(|s| s.to_string())
        .collect();
    if !missing.is_empty() {
        let plural = if missing.len() == 1 { "" } else { "s" };
        let present: Vec<String> = by_shard.keys().map(Shard::to_string).collect();
        return Err(InputError::new(format!(
            "missing shard{plural} {}: merge needs all {count} shards of the run (given: {})",
            missing.join(", "),
            present.join(", ")
        ))
        .in_origin("merge")
        .into());
    }
    for g in by_shard.values() {
        check_files(g)?;
    }
    let points_sha = |g: &Given| g.manifest.files.get(POINTS).map(|f| f.sha256.clone());
    for g in by_shard.values() {
        if points_sha(g) != points_sha(first) {
            return Err(g.refuse(format!(
                "its {POINTS} differs from that of {}: the shards are from different sweeps",
                first.shown
            )));
        }
    }

    let layout = &first.manifest.layout;
    let mut results = Results {
        arms: layout.arms.clone(),
        points: layout.points,
        replicates: layout.replicates,
        steps: (layout.dates.len() - 1) as u32,
        segments: layout.segments.len(),
        states: layout.states.len(),
        segment_agents: layout.segment_agents.clone(),
        tasks: vec![ReplicateResult::default(); first.manifest.tasks_total],
    };
    let labels = Labels {
        dates: layout.dates.clone(),
        segments: layout.segments.clone(),
        states: layout.states.clone(),
        point_column: layout.point_column,
    };
    for g in by_shard.values() {
        read_adoption(g, &labels, &mut results)?;
        read_flows(g, &labels, &mut results)?;
    }
    let points = match layout.point_column {
        true => Some(
            std::fs::read(first.dir.join(POINTS))
                .map_err(|e| first.refuse(format!("{POINTS}: cannot read: {e}")))?,
        ),
        false => None,
    };
    let name = first.manifest.run["resolved"]["scenario"]["name"]
        .as_str()
        .unwrap_or("merged")
        .to_owned();
    Ok(Merged {
        results,
        labels,
        name,
        points,
        shards: by_shard
            .iter()
            .map(|(s, g)| (g.shown.clone(), *s, g.manifest.run.clone()))
            .collect(),
    })
}

fn csv_reader(given: &Given, name: &str, header: Vec<&str>) -> Result<csv::Reader<std::fs::File>> {
    let path = given.dir.join(name);
    let file = std::fs::File::open(&path)
        .map_err(|e| given.refuse(format!("{name}: cannot read: {e}")))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(file);
    let mut record = csv::StringRecord::new();
    let found = reader
        .read_record(&mut record)
        .map_err(|e| given.refuse(format!("{name}: {e}")))?;
    if !found || record.iter().ne(header.iter().copied()) {
        return Err(given.refuse(format!("{name}: the header is not `{}`", header.join(","))));
    }
    Ok(reader)
}

fn bad_row(given: &Given, name: &str, record: &csv::StringRecord, what: &str) -> Error {
    let line = record.position().map_or(0, |p| p.line());
    given.refuse(format!("{name}:{line}: {what}"))
}

/// Reads the counts of a shard's tasks from its `adoption.csv`, which must hold exactly the
/// rows of its tasks in order.
fn read_adoption(given: &Given, labels: &Labels, results: &mut Results) -> Result<()> {
    let mut reader = csv_reader(given, ADOPTION, labels.header(&ADOPTION_HEADER))?;
    let mut record = csv::StringRecord::new();
    let offset = usize::from(labels.point_column);
    let replicates = results.replicates as usize;
    let arms = results.arms.len();
    for &k in &given.manifest.tasks {
        let slot = k / replicates;
        let (point, arm, replicate) = (slot / arms, slot % arms, k % replicates);
        let (point, replicate) = (point.to_string(), replicate.to_string());
        let mut counts =
            Vec::with_capacity((results.steps as usize + 1) * results.segments * results.states);
        for step in 0..=results.steps {
            let step_text = step.to_string();
            for segment in &labels.segments {
                for state in &labels.states {
                    let more = reader
                        .read_record(&mut record)
                        .map_err(|e| given.refuse(format!("{ADOPTION}: {e}")))?;
                    if !more {
                        return Err(given
                            .refuse(format!("{ADOPTION} ends before the rows of its task {k}")));
                    }
                    let expected = [
                        results.arms[arm].as_str(),
                        &replicate,
                        &step_text,
                        &labels.dates[step as usize],
                        segment,
                        state,
                    ];
                    let matches = record.len() == ADOPTION_HEADER.len() + offset
                        && (offset == 0 || record.get(0) == Some(point.as_str()))
                        && expected
                            .iter()
                            .enumerate()
                            .all(|(i, e)| record.get(offset + i) == Some(e));
                    if !matches {
                        return Err(bad_row(
                            given,
                            ADOPTION,
                            &record,
                            &format!(
                                "not the row expected next (task {k}: {})",
                                expected.join(",")
                            ),
                        ));
                    }
                    let agents = record
                        .get(offset + 6)
                        .and_then(|a| a.parse::<u32>().ok())
                        .ok_or_else(|| {
                            bad_row(given, ADOPTION, &record, "agents is not a count")
                        })?;
                    counts.push(agents);
                }
            }
        }
        results.tasks[k].counts = counts;
    }
    if reader
        .read_record(&mut record)
        .map_err(|e| given.refuse(format!("{ADOPTION}: {e}")))?
    {
        return Err(bad_row(
            given,
            ADOPTION,
            &record,
            "a row after the last of the shard's tasks",
        ));
    }
    Ok(())
}

/// Reads the flows of a shard's tasks from its `flows.csv`: rows of its own tasks only, in
/// the order the writer puts them.
fn read_flows(given: &Given, labels: &Labels, results: &mut Results) -> Result<()> {
    let mut reader = csv_reader(given, FLOWS, labels.header(&FLOWS_HEADER))?;
    let offset = usize::from(labels.point_column);
    let replicates = results.replicates as usize;
    let arms = results.arms.len();
    let mut owned = vec![false; results.tasks.len()];
    for &k in &given.manifest.tasks {
        owned[k] = true;
    }
    let index_of = |names: &[String], name: Option<&str>| -> Option<usize> {
        name.and_then(|n| names.iter().position(|x| x == n))
    };
    let mut last: Option<(usize, u32, u16, u8, u8)> = None;
    let mut record = csv::StringRecord::new();
    while reader
        .read_record(&mut record)
        .map_err(|e| given.refuse(format!("{FLOWS}: {e}")))?
    {
        let bad = |what: &str| bad_row(given, FLOWS, &record, what);
        if record.len() != FLOWS_HEADER.len() + offset {
            return Err(bad("wrong number of fields"));
        }
        let field = |i: usize| record.get(offset + i);
        let point = if offset == 1 {
            record.get(0).and_then(|p| p.parse::<usize>().ok())
        } else {
            Some(0)
        }
        .filter(|&p| p < results.points)
        .ok_or_else(|| bad("unknown point"))?;
        let arm = index_of(&results.arms, field(0)).ok_or_else(|| bad("unknown variant"))?;
        let replicate = field(1)
            .and_then(|r| r.parse::<usize>().ok())
            .filter(|&r| r < replicates)
            .ok_or_else(|| bad("unknown replicate"))?;
        let step = field(2)
            .and_then(|s| s.parse::<u32>().ok())
            .filter(|&s| (1..=results.steps).contains(&s))
            .ok_or_else(|| bad("step out of range"))?;
        if field(3) != Some(labels.dates[step as usize].as_str()) {
            return Err(bad("the date is not the step's"));
        }
        let segment = index_of(&labels.segments, field(4)).ok_or_else(|| bad("unknown segment"))?;
        let from = index_of(&labels.states, field(5)).ok_or_else(|| bad("unknown state"))?;
        let to = index_of(&labels.states, field(6)).ok_or_else(|| bad("unknown state"))?;
        let agents = field(7)
            .and_then(|a| a.parse::<u32>().ok())
            .filter(|&a| a > 0)
            .ok_or_else(|| bad("agents is not a positive count"))?;
        let k = (point * arms + arm) * replicates + replicate;
        if !owned[k] || from == to {
            return Err(bad("a flow this shard cannot hold"));
        }
        let key = (k, step, segment as u16, from as u8, to as u8);
        if last.is_some_and(|l| l >= key) {
            return Err(bad("out of order"));
        }
        last = Some(key);
        results.tasks[k].flows.push(Flow {
            step,
            segment: segment as u16,
            from: from as u8,
            to: to as u8,
            agents,
        });
    }
    Ok(())
}

impl Merged {
    /// Writes the files an unsharded run writes, but `run.json`, into `staging`.
    pub fn write_tables(&self, staging: &Staging) -> Result<()> {
        super::write_results(staging, &self.labels, &self.results)?;
        if let Some(bytes) = &self.points {
            let path = staging.path(POINTS);
            std::fs::write(&path, bytes)
                .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
        }
        Ok(())
    }

    /// The merged run.json: the shards' own, with the merge's command line and output folder,
    /// the shards' threads (the most), start (the earliest), wall time and agent-steps (the
    /// sums), and `shards`, what each shard recorded of its own run.
    pub fn manifest(&self, command_line: Vec<String>, out: Option<&Path>) -> Value {
        let runs: Vec<&Value> = self.shards.iter().map(|(_, _, run)| run).collect();
        let mut merged = runs[0].clone();
        let sum = |key: &str| runs.iter().filter_map(|r| r[key].as_f64()).sum::<f64>();
        let wall_time_s = sum("wall_time_s");
        let agent_steps: u64 = runs.iter().filter_map(|r| r["agent_steps"].as_u64()).sum();
        let started_at = runs
            .iter()
            .filter_map(|r| r["started_at"].as_str())
            .filter_map(|s| chrono::DateTime::parse_from_rfc3339(s).ok().map(|t| (t, s)))
            .min_by_key(|(t, _)| *t)
            .map(|(_, s)| s.to_owned());
        merged["command_line"] = json!(command_line);
        merged["threads"] = json!(runs.iter().filter_map(|r| r["threads"].as_u64()).max());
        merged["started_at"] = json!(started_at);
        merged["wall_time_s"] = json!(wall_time_s);
        merged["agent_steps"] = json!(agent_steps);
        merged["agent_steps_per_s"] = json!(if wall_time_s > 0.0 {
            agent_steps as f64 / wall_time_s
        } else {
            0.0
        });
        if merged["overrides"].is_object() {
            merged["overrides"]["out"] = json!(out);
        }
        merged["shards"] = Value::Array(
            self.shards
                .iter()
                .map(|(folder, shard, run)| {
                    json!({
                        "shard": shard.to_string(),
                        "folder": folder,
                        "command_line": run["command_line"],
                        "threads": run["threads"],
                        "started_at": run["started_at"],
                        "wall_time_s": run["wall_time_s"],
                        "agent_steps": run["agent_steps"],
                    })
                })
                .collect(),
        );
        merged
    }

    /// The number of shards merged.
    pub fn shard_count(&self) -> usize {
        self.shards.len()
    }
}
