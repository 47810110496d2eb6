//! Writing a shard folder (docs/FORMAT.md, Shard folders): the rows of its tasks in the run's
//! own formats (`adoption.csv` and `flows.csv`, with `points.csv` when swept) and
//! `shard.json`: which run it belongs to (`resolved_sha256`, seed, version), which shard it
//! is, its tasks, the shape of the run's results, the `run.json` it would have written, and
//! the size and SHA-256 of every file. [`super::merge`] checks and merges them.

use super::files::{ADOPTION, FLOWS, POINTS, SHARD_MANIFEST, USAGE};
use super::format::hex;
use super::manifest::RunManifest;
use super::staging::Staging;
use super::tables::{self, Labels};
use crate::error::{Error, Result};
use crate::results::Results;
use crate::scenario::Scenario;
use crate::shard::Shard;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// The shape of a run's results: enough to rebuild [`Results`] and [`Labels`] without the
/// scenario file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Layout {
    pub(super) points: usize,
    pub(super) arms: Vec<String>,
    pub(super) replicates: u32,
    pub(super) dates: Vec<String>,
    pub(super) segments: Vec<String>,
    pub(super) states: Vec<String>,
    pub(super) point_column: bool,
    pub(super) segment_agents: Vec<Vec<u32>>,
}

/// A file's size and checksum, so that a truncated or altered file is caught.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileEntry {
    pub(super) bytes: u64,
    pub(super) sha256: String,
}

/// `shard.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ShardManifest {
    pub(super) tool: String,
    pub(super) kind: String,
    pub(super) version: String,
    pub(super) shard: u32,
    pub(super) shards: u32,
    pub(super) resolved_sha256: String,
    pub(super) seed: u64,
    pub(super) tasks_total: usize,
    pub(super) tasks: Vec<usize>,
    pub(super) files: BTreeMap<String, FileEntry>,
    pub(super) layout: Layout,
    /// The `run.json` this shard would have written: what the merge's is made from.
    pub(super) run: RunManifest,
}

/// A file's size and SHA-256, hex.
pub(super) fn sha256_of_file(path: &Path) -> std::io::Result<(u64, String)> {
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
    Ok((bytes, hex(&hasher.finalize())))
}

/// Writes a shard folder into `staging`: the rows of `tasks` (whose results are filled in
/// `results`, named by `labels`), `points.csv` when swept, and `shard.json` with `run`, the
/// shard's run.json.
pub fn write_shard(
    staging: &Staging,
    scenario: &Scenario,
    results: &Results,
    shard: Shard,
    tasks: &[usize],
    labels: &Labels,
    run: RunManifest,
) -> Result<()> {
    tables::write_adoption(staging, ADOPTION, results, labels, tasks)?;
    tables::write_flows(staging, FLOWS, results, labels, tasks)?;
    let mut names = vec![ADOPTION, FLOWS];
    if results.has_usage() {
        tables::write_usage(staging, USAGE, results, labels, tasks)?;
        names.push(USAGE);
    }
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
        resolved_sha256: run.resolved_sha256.clone(),
        seed: scenario.seed,
        tasks_total: results.shape().tasks(),
        tasks: tasks.to_vec(),
        files,
        layout: Layout {
            points: results.shape().points(),
            arms: labels.arms.clone(),
            replicates: results.shape().replicates(),
            dates: labels.dates.clone(),
            segments: labels.segments.clone(),
            states: labels.states.clone(),
            point_column: labels.point_column,
            segment_agents: results.all_segment_agents().to_vec(),
        },
        run,
    };
    let path = staging.path(SHARD_MANIFEST);
    let mut bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| Error::io(format!("writing {}", path.display()), e.into()))?;
    bytes.push(b'\n');
    std::fs::write(&path, bytes).map_err(|e| Error::io(format!("writing {}", path.display()), e))
}
