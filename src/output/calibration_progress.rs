//! The record of a calibration's partial folder, `DIR.partial` (docs/FORMAT.md, `calibrate
//! --resume`): which calibration it is of, in `calibration-progress.json`, and every point
//! computed so far, one line each in `calibration-points.jsonl` (its prior quantiles and each
//! target's value per replicate), appended and flushed after each group of points. A resumed
//! calibration checks the first, takes the points of the second in order instead of running
//! them (each checked to be the point the calibration asks for next), and runs the rest, so
//! that its files are the bytes of a calibration never interrupted: the calibration is a
//! function of these values alone.

use super::staging::{Staging, write_file_atomically};
use crate::error::{Error, InputError, Result};
use crate::shard::Shard;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

/// The record of which calibration a partial folder is of.
pub const CALIBRATION_PROGRESS: &str = "calibration-progress.json";
/// The points a partial calibration computed, one JSON object a line.
pub const CALIBRATION_POINTS: &str = "calibration-points.jsonl";

/// What identifies a calibration: a resumed one must agree on all of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalibrationRun {
    /// blockade's version.
    pub version: String,
    /// The SHA-256 of the scenario file's bytes (its targets are not in the resolved form).
    pub scenario_sha256: String,
    /// The SHA-256 of the resolved scenario (after every flag, `--prior` included).
    pub resolved_sha256: String,
    /// The seed.
    pub seed: u64,
    /// Points in each history-matching wave.
    pub wave_points: usize,
    /// The most history-matching waves.
    pub waves: u32,
    /// Points in the ABC step.
    pub abc_points: usize,
}

/// One point computed: its prior quantiles and, per target, its value in each replicate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComputedPoint {
    /// The point, one prior quantile per parameter.
    pub u: Vec<f64>,
    /// Per target, its value in each replicate.
    pub outcome: Vec<Vec<f64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProgressRecord {
    tool: String,
    kind: String,
    run: CalibrationRun,
}

fn json_error(path: &Path, e: serde_json::Error) -> Error {
    Error::io(format!("writing {}", path.display()), e.into())
}

/// Starts the record of `run` in `staging`, with no point computed.
pub fn begin_calibration_record(staging: &Staging, run: &CalibrationRun) -> Result<()> {
    let path = staging.path(CALIBRATION_PROGRESS);
    let record = ProgressRecord {
        tool: "blockade".into(),
        kind: "calibration-progress".into(),
        run: run.clone(),
    };
    let mut bytes = serde_json::to_vec_pretty(&record).map_err(|e| json_error(&path, e))?;
    bytes.push(b'\n');
    write_file_atomically(&path, &bytes)?;
    write_file_atomically(&staging.path(CALIBRATION_POINTS), b"")
}

/// Appends `points` to the record in `staging` and flushes them to the disk.
pub fn record_calibration_points(staging: &Staging, points: &[ComputedPoint]) -> Result<()> {
    let path = staging.path(CALIBRATION_POINTS);
    let mut bytes = Vec::new();
    for point in points {
        serde_json::to_writer(&mut bytes, point).map_err(|e| json_error(&path, e))?;
        bytes.push(b'\n');
    }
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .and_then(|mut file| {
            file.write_all(&bytes)?;
            file.sync_data()
        })
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

/// The points the partial folder `staging` recorded, checked to be of `run`; `None` when it
/// has no record. A line cut short by a killed process is dropped (and cut from the file, so
/// that the next points follow the last whole one). A record of another calibration is
/// refused (exit status 2) naming what differs.
pub fn computed_points(folder: &Path, run: &CalibrationRun) -> Result<Option<Vec<ComputedPoint>>> {
    let shown = folder.display().to_string();
    let refuse = |message: String| Error::Input(InputError::new(message).in_origin(&shown));
    let bytes = match std::fs::read(folder.join(CALIBRATION_PROGRESS)) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(refuse(format!("{CALIBRATION_PROGRESS}: cannot read: {e}"))),
    };
    let record: ProgressRecord = serde_json::from_slice(&bytes)
        .ok()
        .filter(|r: &ProgressRecord| r.tool == "blockade" && r.kind == "calibration-progress")
        .ok_or_else(|| {
            refuse(format!(
                "{CALIBRATION_PROGRESS} is not a record of a blockade calibration: run without \
                 --resume to start again"
            ))
        })?;
    refuse_another(&record.run, run, &shown)?;
    let path = folder.join(CALIBRATION_POINTS);
    let text = std::fs::read(&path)
        .map_err(|e| refuse(format!("{CALIBRATION_POINTS}: cannot read: {e}")))?;
    let (points, whole) = read_points(&text, &path)?;
    if whole < text.len() {
        write_file_atomically(&path, &text[..whole])?;
    }
    Ok(Some(points))
}

/// Refuses (exit status 2, at `shown`) a record of another calibration than `ours`, naming
/// what differs.
fn refuse_another(theirs: &CalibrationRun, ours: &CalibrationRun, shown: &str) -> Result<()> {
    let differs: Vec<String> = [
        ("version", theirs.version.clone(), ours.version.clone()),
        (
            "scenario file (scenario_sha256)",
            theirs.scenario_sha256.clone(),
            ours.scenario_sha256.clone(),
        ),
        (
            "resolved scenario (resolved_sha256)",
            theirs.resolved_sha256.clone(),
            ours.resolved_sha256.clone(),
        ),
        ("seed", theirs.seed.to_string(), ours.seed.to_string()),
        (
            "--wave-points",
            theirs.wave_points.to_string(),
            ours.wave_points.to_string(),
        ),
        ("--waves", theirs.waves.to_string(), ours.waves.to_string()),
        (
            "--abc-points",
            theirs.abc_points.to_string(),
            ours.abc_points.to_string(),
        ),
    ]
    .into_iter()
    .filter(|(_, a, b)| a != b)
    .map(|(what, a, b)| format!("{what} {a} there, {b} here"))
    .collect();
    if differs.is_empty() {
        return Ok(());
    }
    Err(Error::Input(
        InputError::new(format!(
            "is of another calibration ({}): run without --resume to start again",
            differs.join("; ")
        ))
        .in_origin(shown),
    ))
}

/// The whole lines of `text` (the file `path`) as computed points, and the length of those
/// lines: a last line cut short by a killed process is left out.
fn read_points(text: &[u8], path: &Path) -> Result<(Vec<ComputedPoint>, usize)> {
    let mut points = Vec::new();
    let mut whole = 0;
    for line in text.split_inclusive(|&b| b == b'\n') {
        let Some(line) = line.strip_suffix(b"\n") else {
            break;
        };
        let point = serde_json::from_slice::<ComputedPoint>(line).map_err(|e| {
            let mut error = InputError::new(format!("not a computed point: {e}"))
                .in_origin(path.display().to_string());
            error.line = Some(points.len() + 1);
            Error::Input(error)
        })?;
        points.push(point);
        whole += line.len() + 1;
    }
    Ok((points, whole))
}

/// Removes the record from `staging` once the calibration is complete, before the commit.
pub fn remove_calibration_record(staging: &Staging) -> Result<()> {
    for name in [CALIBRATION_PROGRESS, CALIBRATION_POINTS] {
        let path = staging.path(name);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(format!("removing {}", path.display()), e)),
        }
    }
    Ok(())
}

/// The first line of a shard's file: which calibration and shard it is of, and where its
/// points go among the calibration's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShardHeader {
    tool: String,
    kind: String,
    run: CalibrationRun,
    /// `I/N`.
    shard: String,
    index: u32,
    count: u32,
    /// The number, among every point the calibration computes, of its first point.
    first_point: usize,
    /// How many points follow the header.
    points: usize,
}

/// The file shard `shard` writes its points into, in the partial folder.
pub fn calibration_shard_file(shard: Shard) -> String {
    format!("shard-{}-of-{}.jsonl", shard.index(), shard.count())
}

/// Writes, into `folder` (the calibration's partial folder, created when missing), the
/// points shard `shard` computed, the first of them being the calibration's point number
/// `first_point`: a header line, then one point a line, placed whole by a rename.
pub fn write_calibration_shard(
    folder: &Path,
    run: &CalibrationRun,
    shard: Shard,
    first_point: usize,
    points: &[ComputedPoint],
) -> Result<()> {
    std::fs::create_dir_all(folder)
        .map_err(|e| Error::io(format!("creating {}", folder.display()), e))?;
    let path = folder.join(calibration_shard_file(shard));
    let header = ShardHeader {
        tool: "blockade".into(),
        kind: "calibration-shard".into(),
        run: run.clone(),
        shard: format!("{}/{}", shard.index(), shard.count()),
        index: shard.index(),
        count: shard.count(),
        first_point,
        points: points.len(),
    };
    let mut bytes = serde_json::to_vec(&header).map_err(|e| json_error(&path, e))?;
    bytes.push(b'\n');
    for point in points {
        serde_json::to_writer(&mut bytes, point).map_err(|e| json_error(&path, e))?;
        bytes.push(b'\n');
    }
    write_file_atomically(&path, &bytes)
}

/// Adds to the record in `staging`, which holds `recorded` points, the points of the shard
/// files in it (`calibrate --merge`), in shard order, and removes the files; returns the
/// points added. The files must be every shard 1..N of one sharding, of this calibration,
/// their points following the recorded ones without gap or overlap; anything else is
/// refused (exit status 2) saying what is missing or wrong.
pub fn absorb_calibration_shards(
    staging: &Staging,
    run: &CalibrationRun,
    recorded: usize,
) -> Result<Vec<ComputedPoint>> {
    let folder = staging.folder();
    let shown = folder.display().to_string();
    let refuse = |message: String| Error::Input(InputError::new(message).in_origin(&shown));
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(folder)
        .map_err(|e| refuse(format!("cannot read: {e}")))?
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("shard-") && n.ends_with(".jsonl"))
        })
        .collect();
    files.sort();
    let mut shards: Vec<(ShardHeader, Vec<ComputedPoint>)> = Vec::new();
    for path in &files {
        let text = std::fs::read(path)
            .map_err(|e| refuse(format!("{}: cannot read: {e}", path.display())))?;
        let (first, rest) = text
            .iter()
            .position(|&b| b == b'\n')
            .map_or((&text[..], &[][..]), |i| (&text[..i], &text[i + 1..]));
        let header: ShardHeader = serde_json::from_slice(first)
            .ok()
            .filter(|h: &ShardHeader| h.tool == "blockade" && h.kind == "calibration-shard")
            .ok_or_else(|| refuse(format!("{} is not a calibration shard's", path.display())))?;
        refuse_another(&header.run, run, &path.display().to_string())?;
        let (points, _) = read_points(rest, path)?;
        if points.len() != header.points {
            return Err(refuse(format!(
                "{}: {} points of {}: the shard did not finish writing it",
                path.display(),
                points.len(),
                header.points
            )));
        }
        shards.push((header, points));
    }
    let Some(count) = shards.first().map(|(h, _)| h.count) else {
        return Ok(Vec::new());
    };
    shards.sort_by_key(|(h, _)| (h.count, h.index));
    let indices: Vec<u32> = shards.iter().map(|(h, _)| h.index).collect();
    if shards.iter().any(|(h, _)| h.count != count) || indices != (1..=count).collect::<Vec<_>>() {
        let held: Vec<&str> = shards.iter().map(|(h, _)| h.shard.as_str()).collect();
        return Err(refuse(format!(
            "holds the shards {} of a calibration: --merge needs every shard 1/N to N/N of one \
             sharding (run the missing ones)",
            held.join(", ")
        )));
    }
    let mut next = recorded;
    let mut added = Vec::new();
    for (header, points) in shards {
        if header.first_point != next {
            return Err(refuse(format!(
                "shard {} starts at point {}, not at {next}, the first not recorded: it is of \
                 another batch (run the shards again)",
                header.shard, header.first_point
            )));
        }
        next += points.len();
        added.extend(points);
    }
    record_calibration_points(staging, &added)?;
    for path in &files {
        std::fs::remove_file(path)
            .map_err(|e| Error::io(format!("removing {}", path.display()), e))?;
    }
    Ok(added)
}
