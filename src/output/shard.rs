//! Writing a shard folder (docs/FORMAT.md, Shard folders): the rows of its tasks in the run's
//! own formats and `shard.json`: which run it belongs to (`resolved_sha256`, seed, version),
//! which shard it is, its tasks, the tables the run asked for, the shape of the run's
//! results, the `run.json` it would have written, and the size and SHA-256 of every file.
//! [`super::merge`] checks and merges them.
//!
//! Without a sweep a shard holds its tasks' counts (`adoption.csv`, `flows.csv`, `usage.csv`),
//! from which the merge computes every table. With a sweep it holds whole points, whose
//! statistics it computes itself: the rows of the tables asked for, and `metrics.csv` always
//! (the merge summarises its values across points into `robustness.csv`), with `points.csv`.

use super::files::{POINTS, SHARD_MANIFEST};
use super::format::hex;
use super::manifest::RunManifest;
use super::staging::Staging;
use super::tables::Labels;
use crate::error::{Error, Result};
use crate::results::Shape;
use crate::scenario::{Scenario, Table, Tables};
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
    /// The tables the run asked for, which the merge writes.
    pub(super) tables: Vec<String>,
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

/// The tables a shard writes when the run asks for `requested`: without a sweep, the counts
/// every table is computed from (adoption, flows, usage); with one, the tables asked for and
/// the metrics, whose values the merge summarises across points.
pub fn shard_tables(requested: Tables, swept: bool) -> Tables {
    if swept {
        let mut tables = requested.list();
        tables.push(Table::Metrics);
        Tables::of(&tables)
    } else {
        Tables::of(&[Table::Adoption, Table::Flows, Table::Usage])
    }
}

/// What a shard folder is of: its run's shape and labels, its share, the tables the run
/// asked for, and the files written.
#[derive(Debug)]
pub struct ShardContents<'a> {
    /// The shape of the whole run's results.
    pub shape: Shape,
    /// Per arm slot of the whole run, agents per segment.
    pub segment_agents: Vec<Vec<u32>>,
    /// The shard.
    pub shard: Shard,
    /// Its tasks, in increasing order.
    pub tasks: &'a [usize],
    /// The run's labels.
    pub labels: &'a Labels,
    /// The tables the run asked for.
    pub tables: Tables,
    /// The files the shard's tables were written to.
    pub files: Vec<&'static str>,
}

/// Writes `points.csv` when swept and `shard.json` into `staging`, whose tables are written:
/// `run` is the shard's run.json.
pub fn write_shard(
    staging: &Staging,
    scenario: &Scenario,
    contents: ShardContents<'_>,
    run: RunManifest,
) -> Result<()> {
    let mut names = contents.files.clone();
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
    let shape = contents.shape;
    let labels = contents.labels;
    let manifest = ShardManifest {
        tool: "blockade".into(),
        kind: "shard".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        shard: contents.shard.index(),
        shards: contents.shard.count(),
        resolved_sha256: run.resolved_sha256.clone(),
        seed: scenario.seed,
        tasks_total: shape.tasks(),
        tasks: contents.tasks.to_vec(),
        tables: contents
            .tables
            .list()
            .iter()
            .map(|t| t.name().to_owned())
            .collect(),
        files,
        layout: Layout {
            points: shape.points(),
            arms: labels.arms.clone(),
            replicates: shape.replicates(),
            dates: labels.dates.clone(),
            segments: labels.segments.clone(),
            states: labels.states.clone(),
            point_column: labels.point_column,
            segment_agents: contents.segment_agents,
        },
        run,
    };
    let path = staging.path(SHARD_MANIFEST);
    let mut bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| Error::io(format!("writing {}", path.display()), e.into()))?;
    bytes.push(b'\n');
    std::fs::write(&path, bytes).map_err(|e| Error::io(format!("writing {}", path.display()), e))
}
