//! `blockade merge`: the shard folders of one run back into the run's output folder.
//!
//! Every check on the shards runs before the output folder is touched; the files are then
//! written into a staging folder that replaces the output folder only when complete, as a
//! run's are.

use super::MergeArgs;
use blockade::output::{self, Staging};
use blockade::{Error, InputError, Result};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub fn merge(args: &MergeArgs, interrupted: &Arc<AtomicBool>) -> Result<()> {
    let merged = output::read_shards(&args.shards)?;
    let target = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&merged.name));
    // Replacing a shard folder with the merged run would delete what was just read.
    let same = |a: &PathBuf| {
        let (a, b) = (a.canonicalize(), target.canonicalize());
        matches!((a, b), (Ok(a), Ok(b)) if a == b)
    };
    if let Some(shard) = args.shards.iter().find(|d| same(d)) {
        return Err(InputError::new(format!(
            "is one of the shard folders ({}): merge into another folder",
            shard.display()
        ))
        .in_origin("--out")
        .into());
    }
    let mut staging = Staging::begin(&target)?;
    if !args.quiet {
        if let Some(held) = output::describe_folder(staging.target()) {
            eprintln!("replacing {}, which holds {held}", target.display());
        }
    }
    staging.stop_on(interrupted.clone());
    let mut manifest = merged.manifest(std::env::args().collect(), args.out.as_deref());
    if let Some(format) = args.format {
        manifest.format = format.table_format();
    }
    staging.write_tables_as(manifest.format);
    let (shards, tasks) = (merged.shard_count(), merged.tasks());
    merged.write_tables(&staging, &manifest)?;
    output::write_manifest(&staging, &manifest)?;
    // A sensitivity run's indices, from the merged files as a run computes its own.
    output::analyse_folder(staging.folder())?;
    if interrupted.load(Ordering::SeqCst) {
        return Err(Error::Interrupted);
    }
    staging.commit()?;
    if !args.quiet {
        eprintln!(
            "merged {shards} shards ({tasks} tasks) into {}",
            target.display()
        );
    }
    Ok(())
}
