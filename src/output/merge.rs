//! Merging shard folders back into the results of one run (docs/FORMAT.md, Shard folders).
//!
//! Without a sweep, merging reads the integer counts back from the rows, with the reader
//! `compare` uses, and rebuilds [`Results`], so that the same writers compute the same
//! statistics from the same integers. With a sweep each shard has computed its own points'
//! rows: merging puts them back in point order, and summarises the points' metric values
//! (read back from `metrics.csv`) into `robustness.csv` as a run does. Either way the merged
//! CSV files are byte-identical to an unsharded run's with the same tables. Everything about
//! the shards is checked before anything is written: that they are one run's, that each task
//! appears exactly once, that no file was truncated or changed. Every such problem is a
//! refusal naming the folder.

use super::counts::{
    Dates, FileLayout, FlowsInto, read_adoption, read_flows, read_usage,
    refuse_more_rows_than_bytes, segment_agents,
};
use super::files::{
    ADOPTION, COMPARISON, FLOWS, METRICS_FILE, POINTS, SHARD_MANIFEST, SUMMARY, TableFormat, USAGE,
    table_file,
};
use super::manifest::{RunManifest, ShardRun, agent_steps_per_s};
use super::pointwise::{PointWriter, read_metric_values, write_robustness};
use super::rows::{
    AdoptionRow, ComparisonRow, FlowRow, MetricsRow, RowReader, RowWriter, SummaryRow, UsageRow,
    header,
};
use super::shard::{ShardManifest, sha256_of_file};
use super::staging::{Staging, write_error};
use super::tables::Labels;
use crate::error::{Error, InputError, Result};
use crate::results::{Results, Shape};
use crate::scenario::{Table, Tables};
use crate::shard::Shard;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How many missing shards a refusal names before it only counts the rest.
const MISSING_NAMED: usize = 10;

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

/// What the shards hold: counts (without a sweep), or whole points' rows (with one).
#[derive(Debug)]
enum Content {
    /// The results, as an unsharded run would hold them.
    Counts(Results),
    /// Per shard, in shard order, its folder: each holds the rows of its points.
    Points(Vec<PathBuf>),
}

/// The results of every shard of a run, put back together.
#[derive(Debug)]
pub struct Merged {
    content: Content,
    /// The tables the run asked for.
    tables: Tables,
    /// The tasks of the run.
    tasks: usize,
    /// The labels of the output files.
    pub labels: Labels,
    /// `scenario.name`, for the default output folder.
    pub name: String,
    /// The bytes of `points.csv`, when swept.
    points: Option<Vec<u8>>,
    /// Per shard, in shard order: its folder, which shard it is, its run.json.
    shards: Vec<(String, Shard, RunManifest)>,
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
    // Compared without building the shard's list, whose length comes from the manifest.
    let first = shard.index() as usize - 1;
    let step = shard.count() as usize;
    let per_point = m.tasks_total / layout.points;
    let own = m.tasks.iter().copied();
    let theirs = if layout.point_column {
        own.eq((first..layout.points)
            .step_by(step)
            .flat_map(|p| p * per_point..(p + 1) * per_point))
    } else {
        own.eq((first..m.tasks_total).step_by(step))
    };
    if !theirs {
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
    if a.tables != b.tables {
        return Err(other.refuse(format!(
            "wrote the tables {}, but {fa} the tables {}: the shards of a run share --tables",
            b.tables.join(","),
            a.tables.join(",")
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
    let mut required = vec![];
    if m.layout.point_column {
        required.push(POINTS);
        required.push(METRICS_FILE);
        for table in requested_tables(given)?.list() {
            if table != Table::Usage {
                required.push(table_file(table));
            }
        }
    } else {
        required.extend([ADOPTION, FLOWS]);
    }
    for name in required {
        if !m.files.contains_key(name) {
            return Err(given.refuse(format!(
                "malformed {SHARD_MANIFEST}: it does not list {name}"
            )));
        }
    }
    for (name, entry) in &m.files {
        let known = [
            ADOPTION,
            FLOWS,
            POINTS,
            USAGE,
            SUMMARY,
            COMPARISON,
            METRICS_FILE,
        ];
        if !known.contains(&name.as_str()) {
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

/// The tables a shard's run asked for.
fn requested_tables(given: &Given) -> Result<Tables> {
    let names: Vec<Table> = given
        .manifest
        .tables
        .iter()
        .map(|name| Table::parse(name))
        .collect::<Option<_>>()
        .ok_or_else(|| {
            given.refuse(format!(
                "malformed {SHARD_MANIFEST}: its tables are not table names"
            ))
        })?;
    Ok(Tables::of(&names))
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
    // N comes from a manifest and may be 4294967295: the missing are counted, and only the
    // first few named.
    let missing_count = count as usize - by_shard.len();
    if missing_count > 0 {
        let missing: Vec<String> = (1..=count)
            .filter_map(|i| Shard::new(i, count))
            .filter(|s| !by_shard.contains_key(s))
            .take(MISSING_NAMED)
            .map(|s| s.to_string())
            .collect();
        let more = match missing_count - missing.len() {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        let plural = if missing_count == 1 { "" } else { "s" };
        let present: Vec<String> = by_shard.keys().map(Shard::to_string).collect();
        return Err(InputError::new(format!(
            "missing shard{plural} {}{more}: merge needs all {count} shards of the run \
             (given: {})",
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

    let tables = requested_tables(first)?;
    let name = merged_name(first)?;
    let shards = by_shard
        .iter()
        .map(|(s, g)| (g.shown.clone(), *s, g.manifest.run.clone()))
        .collect();
    let layout = &first.manifest.layout;
    let labels = Labels {
        arms: layout.arms.clone(),
        dates: layout.dates.clone(),
        segments: layout.segments.clone(),
        states: layout.states.clone(),
        point_column: layout.point_column,
    };
    let points = match layout.point_column {
        true => Some(
            std::fs::read(first.dir.join(POINTS))
                .map_err(|e| first.refuse(format!("{POINTS}: cannot read: {e}")))?,
        ),
        false => None,
    };
    if layout.point_column {
        return Ok(Merged {
            content: Content::Points(by_shard.values().map(|g| g.dir.clone()).collect()),
            tables,
            tasks: first.manifest.tasks_total,
            labels,
            name,
            points,
            shards,
        });
    }
    let malformed = || {
        first.refuse(format!(
            "malformed {SHARD_MANIFEST}: its layout is inconsistent"
        ))
    };
    let shape = Shape::new(
        layout.points,
        layout.arms.len(),
        layout.replicates,
        (layout.dates.len() - 1) as u32,
        layout.segments.len(),
        layout.states.len(),
    )
    .ok_or_else(malformed)?;
    let rows = shape.tasks() as u64 * shape.cells() as u64;
    let bytes = by_shard
        .values()
        .filter_map(|g| g.manifest.files.get(ADOPTION).map(|f| f.bytes))
        .sum();
    refuse_more_rows_than_bytes(&first.dir.join(ADOPTION), rows, Some(bytes), SHARD_MANIFEST)?;
    let mut results = Results::empty(shape, layout.segment_agents.clone());
    let rows = FileLayout {
        arms: &labels.arms,
        segments: &labels.segments,
        states: &labels.states,
        swept: labels.point_column,
        points: shape.points(),
        kept: 0..shape.points(),
        source: SHARD_MANIFEST,
    };
    let mut dates = Dates::of(&layout.dates).ok_or_else(malformed)?;
    for g in by_shard.values() {
        let tasks = g.manifest.tasks.as_slice();
        read_adoption(
            &g.dir.join(ADOPTION),
            &rows,
            &mut results,
            tasks,
            &mut dates,
        )?;
        read_flows(
            &g.dir.join(FLOWS),
            &rows,
            &mut results,
            tasks,
            &dates,
            FlowsInto::Flows,
        )?;
        if g.manifest.files.contains_key(USAGE) {
            read_usage(&g.dir.join(USAGE), &rows, &mut results, tasks, &mut dates)?;
        }
    }
    // A run with usage writes it in every shard that runs a task.
    if results.has_usage() && !results.all_have_usage() {
        return Err(first.refuse(format!(
            "some shards have {USAGE} and others not: the shards are from different runs"
        )));
    }
    // The counts must add up to the segments' agents the shards recorded.
    let agents = segment_agents(&results, &labels.arms, &labels.segments)
        .map_err(|(_, message)| first.refuse(message))?;
    if agents != layout.segment_agents {
        return Err(first.refuse(format!(
            "the counts do not add up to the agents per segment in {SHARD_MANIFEST}"
        )));
    }
    Ok(Merged {
        tasks: shape.tasks(),
        content: Content::Counts(results),
        tables,
        labels,
        name,
        points,
        shards,
    })
}

/// The run's name, the default output folder's: it must be the name the manifest's hash
/// covers, and a scenario name (`[a-z0-9_-]+`), so that a damaged or hostile manifest cannot
/// name a folder such as `../../x` outside `output/`.
fn merged_name(first: &Given) -> Result<String> {
    let run = &first.manifest.run;
    if run.resolved_sha256 != super::json_sha256(&run.resolved) {
        return Err(first.refuse(format!(
            "malformed {SHARD_MANIFEST}: run.resolved does not match its resolved_sha256"
        )));
    }
    let name = run.resolved.scenario.name.as_str();
    let well_formed = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if !well_formed {
        return Err(first.refuse(format!(
            "malformed {SHARD_MANIFEST}: the scenario name '{name}' is not a name \
             ([a-z0-9_-]+)"
        )));
    }
    Ok(name.to_owned())
}

impl Merged {
    /// Writes the files an unsharded run with the same tables writes, but `run.json`, into
    /// `staging`; `manifest` is the merged run.json.
    pub fn write_tables(self, staging: &Staging, manifest: &RunManifest) -> Result<()> {
        if let Some(bytes) = &self.points {
            if staging.table_format() == TableFormat::Csv {
                let path = staging.path(POINTS);
                std::fs::write(&path, bytes)
                    .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
            } else {
                self.write_points(staging)?;
            }
        }
        match self.content {
            Content::Counts(results) => {
                let tables = super::written_tables(self.tables, results.has_usage());
                let mut writer =
                    PointWriter::create(staging, &self.labels, tables, manifest, false)?;
                writer.write_point(0, results)?;
                writer.finish()?;
            }
            Content::Points(dirs) => {
                let points = self.tasks / self.labels.arms.len().max(1);
                let points = points / manifest.replicates.max(1) as usize;
                for table in self.tables.list() {
                    let name = table_file(table);
                    if table != Table::Metrics && dirs.iter().all(|d| !d.join(name).exists()) {
                        // Usage, asked for by a run without usage.
                        continue;
                    }
                    interleave(staging, name, &dirs, points)?;
                }
                if !self.tables.contains(Table::Metrics) {
                    interleave(staging, METRICS_FILE, &dirs, points)?;
                }
                let writer =
                    PointWriter::create(staging, &self.labels, Tables::of(&[]), manifest, false)?;
                let names = writer.names().clone();
                writer.finish()?;
                let values = read_metric_values(&staging.path(METRICS_FILE), &names, true)?;
                write_robustness(staging, &names, &values)?;
                if !self.tables.contains(Table::Metrics) {
                    let path = staging.path(METRICS_FILE);
                    std::fs::remove_file(&path).map_err(|e| write_error(&path, e))?;
                }
                if staging.table_format() != TableFormat::Csv {
                    // The rows were put back together as the shards' CSV text: written again
                    // as the typed rows a run writes.
                    for table in self.tables.list() {
                        if staging.path(table_file(table)).exists() {
                            rewrite_in_format(staging, table)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Writes the points table from the sweep run.json records, with each value of the type
    /// the scenario file gave it, as a run writes it (the shards' `points.csv` is text).
    fn write_points(&self, staging: &Staging) -> Result<()> {
        let Some(sweep) = self
            .shards
            .first()
            .and_then(|s| s.2.resolved.sweep.as_ref())
        else {
            return Ok(());
        };
        let parameters: Vec<String> = sweep.parameters.keys().cloned().collect();
        let points: Vec<Vec<toml::Value>> = sweep
            .points
            .iter()
            .map(|values| values.iter().map(json_to_toml).collect())
            .collect();
        super::tables::write_points(
            staging,
            POINTS,
            &parameters,
            &points,
            sweep.weights.as_deref(),
        )
    }

    /// The number of tasks merged.
    pub fn tasks(&self) -> usize {
        self.tasks
    }

    /// The merged run.json: the shards' own, with the merge's command line and output folder,
    /// the shards' threads (the most), start (the earliest), wall time and agent-steps (the
    /// sums), and `shards`, what each shard recorded of its own run.
    pub fn manifest(&self, command_line: Vec<String>, out: Option<&Path>) -> RunManifest {
        let runs: Vec<&RunManifest> = self.shards.iter().map(|(_, _, run)| run).collect();
        let mut merged = runs[0].clone();
        let wall_time_s: f64 = runs.iter().map(|r| r.wall_time_s).sum();
        let agent_steps: u64 = runs.iter().map(|r| r.agent_steps).sum();
        merged.started_at = runs
            .iter()
            .filter_map(|r| r.started_at.as_deref())
            .filter_map(|s| chrono::DateTime::parse_from_rfc3339(s).ok().map(|t| (t, s)))
            .min_by_key(|(t, _)| *t)
            .map(|(_, s)| s.to_owned());
        merged.command_line = command_line;
        merged.threads = runs.iter().filter_map(|r| r.threads).max();
        merged.wall_time_s = wall_time_s;
        merged.agent_steps = agent_steps;
        merged.agent_steps_per_s = agent_steps_per_s(agent_steps, wall_time_s);
        if let Value::Object(overrides) = &mut merged.overrides {
            overrides.insert("out".into(), json!(out));
        }
        merged.shards = Some(
            self.shards
                .iter()
                .map(|(folder, shard, run)| ShardRun {
                    shard: shard.to_string(),
                    folder: folder.clone(),
                    command_line: run.command_line.clone(),
                    threads: run.threads,
                    started_at: run.started_at.clone(),
                    wall_time_s: run.wall_time_s,
                    agent_steps: run.agent_steps,
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

/// A swept value as run.json records it, back as the scenario file's value.
fn json_to_toml(value: &Value) -> toml::Value {
    match value {
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => toml::Value::String(s.clone()),
        other => toml::Value::String(other.to_string()),
    }
}

/// Writes `name` into `staging` from the same file of each shard folder `dirs` (in shard
/// order, shard I holding the points p with p mod N = I - 1, each file sorted by point): the
/// header once, then every point's rows in point order, each copied as it is.
fn interleave(staging: &Staging, name: &str, dirs: &[PathBuf], points: usize) -> Result<()> {
    let mut readers = Vec::with_capacity(dirs.len());
    let mut header = None;
    for dir in dirs {
        let path = dir.join(name);
        let file = std::fs::File::open(&path)
            .map_err(|e| super::rows::refuse(&path, format!("cannot read: {e}")))?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .buffer_capacity(1 << 20)
            .from_reader(file);
        let mut first = csv::ByteRecord::new();
        let read = reader.read_byte_record(&mut first);
        if !matches!(read, Ok(true)) || header.as_ref().is_some_and(|h| *h != first) {
            return Err(super::rows::refuse(
                &path,
                "its header is not the other shards'",
            ));
        }
        header = Some(first);
        readers.push((path, reader, csv::ByteRecord::new(), false));
    }
    let (path, file) = staging.create(name)?;
    let fail = |e: csv::Error| write_error(&path, std::io::Error::other(e.to_string()));
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .has_headers(false)
        .from_writer(std::io::BufWriter::with_capacity(1 << 20, file));
    if let Some(header) = &header {
        out.write_byte_record(header).map_err(fail)?;
    }
    // Each reader's next record, read ahead (the flag says whether it holds one).
    for (path, reader, record, held) in &mut readers {
        *held = reader
            .read_byte_record(record)
            .map_err(|e| super::rows::refuse(path, format!("malformed CSV: {e}")))?;
    }
    let count = readers.len();
    for point in 0..points {
        let (path, reader, record, held) = &mut readers[point % count];
        let wanted = point.to_string();
        while *held && record.get(0) == Some(wanted.as_bytes()) {
            out.write_byte_record(record).map_err(fail)?;
            *held = reader
                .read_byte_record(record)
                .map_err(|e| super::rows::refuse(path, format!("malformed CSV: {e}")))?;
        }
    }
    if let Some((path, ..)) = readers.iter().find(|(.., held)| *held) {
        return Err(super::rows::refuse(
            path,
            "holds a row of a point that is not its shard's, or out of order",
        ));
    }
    let inner = out
        .into_inner()
        .map_err(|e| write_error(&path, e.into_error()))?;
    let file = inner
        .into_inner()
        .map_err(|e| write_error(&path, e.into_error()))?;
    file.sync_all().map_err(|e| write_error(&path, e))
}

/// Writes the CSV table `table` in `staging` again in the staging folder's format, row by row
/// as typed rows, and removes the CSV file.
fn rewrite_in_format(staging: &Staging, table: Table) -> Result<()> {
    let name = table_file(table);
    let path = staging.path(name);
    macro_rules! rewrite {
        ($row:ident) => {{
            let mut reader = RowReader::open::<$row>(&path, true)?;
            let mut writer = RowWriter::create(staging, name, &header::<$row>(true))?;
            while let Some((point, row, _)) = reader.next::<$row>()? {
                writer.write(point, &row)?;
            }
            writer.finish()?;
        }};
    }
    match table {
        Table::Adoption => rewrite!(AdoptionRow),
        Table::Flows => rewrite!(FlowRow),
        Table::Usage => rewrite!(UsageRow),
        Table::Summary => rewrite!(SummaryRow),
        Table::Comparison => rewrite!(ComparisonRow),
        Table::Metrics => rewrite!(MetricsRow),
    }
    std::fs::remove_file(&path).map_err(|e| write_error(&path, e))
}
