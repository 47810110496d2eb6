//! The record of a swept run's partial folder, `DIR.partial` (docs/FORMAT.md, `run
//! --resume`): which run it is of (version, `resolved_sha256`, seed, variants, tables,
//! shard), the next point to compute, and the length of each file when the points before it
//! were complete. A run rewrites it (whole, by a rename) after each point; `--resume` checks
//! it against the run asked for, cuts each file back to its recorded length and goes on from
//! the next point, so that the result is the bytes of a run never interrupted.

use super::files::PARTIAL_RECORD;
use super::staging::{Staging, write_file_atomically};
use crate::error::{Error, InputError, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What identifies the run a partial folder is of: a resumed run must agree on all of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartialRun {
    /// blockade's version.
    pub version: String,
    /// The SHA-256 of the resolved scenario (after every flag that changes it).
    pub resolved_sha256: String,
    /// The seed.
    pub seed: u64,
    /// The arms run.
    pub variants: Vec<String>,
    /// The tables written.
    pub tables: Vec<String>,
    /// `I/N` for a shard.
    pub shard: Option<String>,
}

/// `partial.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartialRecord {
    tool: String,
    kind: String,
    run: PartialRun,
    /// Every point below it is complete in every file.
    next_point: usize,
    /// Each file's length when those points were complete.
    files: BTreeMap<String, u64>,
}

/// Where an interrupted run stopped: the next point, and each file's length then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resume {
    /// The first point not complete.
    pub next_point: usize,
    /// Each file's length when the points before were complete.
    pub files: BTreeMap<String, u64>,
}

/// Records in `staging` that every point below `next_point` is complete in `files` (their
/// lengths).
pub fn record_progress(
    staging: &Staging,
    run: &PartialRun,
    next_point: usize,
    files: BTreeMap<String, u64>,
) -> Result<()> {
    let record = PartialRecord {
        tool: "blockade".into(),
        kind: "partial".into(),
        run: run.clone(),
        next_point,
        files,
    };
    let path = staging.path(PARTIAL_RECORD);
    let mut bytes = serde_json::to_vec_pretty(&record)
        .map_err(|e| Error::io(format!("writing {}", path.display()), e.into()))?;
    bytes.push(b'\n');
    write_file_atomically(&path, &bytes)
}

/// Where the partial folder `staging` stopped, checked to be of `run`; `None` when it has no
/// record (the run stopped before its first point). A record of another run is refused (exit
/// status 2) naming what differs.
pub fn resume_point(staging: &Staging, run: &PartialRun) -> Result<Option<Resume>> {
    let path = staging.path(PARTIAL_RECORD);
    let shown = staging.folder().display().to_string();
    let refuse = |message: String| Error::Input(InputError::new(message).in_origin(&shown));
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(refuse(format!("{PARTIAL_RECORD}: cannot read: {e}"))),
    };
    let record: PartialRecord = serde_json::from_slice(&bytes)
        .ok()
        .filter(|r: &PartialRecord| r.tool == "blockade" && r.kind == "partial")
        .ok_or_else(|| refuse(format!("{PARTIAL_RECORD} is not a blockade partial record")))?;
    let theirs = &record.run;
    let differs: Vec<String> = [
        ("version", &theirs.version, &run.version),
        (
            "scenario (resolved_sha256)",
            &theirs.resolved_sha256,
            &run.resolved_sha256,
        ),
        ("seed", &theirs.seed.to_string(), &run.seed.to_string()),
        (
            "variants",
            &theirs.variants.join(","),
            &run.variants.join(","),
        ),
        ("tables", &theirs.tables.join(","), &run.tables.join(",")),
        (
            "shard",
            &theirs.shard.clone().unwrap_or_else(|| "none".into()),
            &run.shard.clone().unwrap_or_else(|| "none".into()),
        ),
    ]
    .into_iter()
    .filter(|(_, a, b)| a != b)
    .map(|(what, a, b)| format!("{what} {a} there, {b} here"))
    .collect();
    if !differs.is_empty() {
        return Err(refuse(format!(
            "is of another run ({}): run without --resume to start again",
            differs.join("; ")
        )));
    }
    Ok(Some(Resume {
        next_point: record.next_point,
        files: record.files,
    }))
}

/// Removes the record from `staging` once every point is complete, before the commit.
pub fn remove_record(staging: &Staging) -> Result<()> {
    let path = staging.path(PARTIAL_RECORD);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(format!("removing {}", path.display()), e)),
    }
}
