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
use serde::{Deserialize, Serialize};
use std::io::Write;

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

fn json_error(path: &std::path::Path, e: serde_json::Error) -> Error {
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
pub fn computed_points(
    staging: &Staging,
    run: &CalibrationRun,
) -> Result<Option<Vec<ComputedPoint>>> {
    let shown = staging.folder().display().to_string();
    let refuse = |message: String| Error::Input(InputError::new(message).in_origin(&shown));
    let bytes = match std::fs::read(staging.path(CALIBRATION_PROGRESS)) {
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
    let (theirs, ours) = (&record.run, run);
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
    if !differs.is_empty() {
        return Err(refuse(format!(
            "is of another calibration ({}): run without --resume to start again",
            differs.join("; ")
        )));
    }
    let path = staging.path(CALIBRATION_POINTS);
    let text = std::fs::read(&path)
        .map_err(|e| refuse(format!("{CALIBRATION_POINTS}: cannot read: {e}")))?;
    let mut points = Vec::new();
    let mut whole = 0;
    for line in text.split_inclusive(|&b| b == b'\n') {
        let Some(line) = line.strip_suffix(b"\n") else {
            break;
        };
        match serde_json::from_slice::<ComputedPoint>(line) {
            Ok(point) => points.push(point),
            Err(e) => {
                return Err(refuse(format!(
                    "{CALIBRATION_POINTS}:{}: not a computed point: {e}",
                    points.len() + 1
                )));
            }
        }
        whole += line.len() + 1;
    }
    if whole < text.len() {
        write_file_atomically(&path, &text[..whole])?;
    }
    Ok(Some(points))
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
