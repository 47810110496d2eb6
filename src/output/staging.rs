//! Output folders that are replaced whole or not at all (contract 6).
//!
//! A run writes into `DIR.tmp-<pid>-<random>` beside `DIR` and swaps it in only when every file
//! is written: the old folder is renamed aside, the new one renamed in, the old one deleted.
//! Until then `DIR` is untouched; an error, a panic or an interruption drops the staging
//! folder, whose `Drop` deletes it. Files created through [`Staging::create`] stop accepting
//! writes once a signal has asked the run to stop, so that writing large tables does not delay
//! the stop.

use crate::error::{Error, InputError, Result};
use std::collections::hash_map::RandomState;
use std::fs::File;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The name of the manifest that marks a folder as blockade's.
pub const MANIFEST: &str = "run.json";

/// A folder being written, to be swapped into place by [`Staging::commit`].
#[derive(Debug)]
pub struct Staging {
    target: PathBuf,
    temporary: PathBuf,
    committed: bool,
    stop: Option<Arc<AtomicBool>>,
}

/// The error a staged file's writes fail with once the run was asked to stop.
#[derive(Debug)]
struct Stopped;

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted")
    }
}

impl std::error::Error for Stopped {}

/// A file in a staging folder. Its writes fail once the run's stop flag is set; the buffered
/// writers above it flush about every megabyte, so a stop is seen within one.
#[derive(Debug)]
pub struct StagedFile {
    file: File,
    stop: Option<Arc<AtomicBool>>,
}

impl StagedFile {
    /// Flushes the file's data to the disk.
    pub fn sync_all(&self) -> io::Result<()> {
        self.file.sync_all()
    }
}

impl Write for StagedFile {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self
            .stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Relaxed))
        {
            // Not `ErrorKind::Interrupted`: `write_all` would retry it forever.
            return Err(io::Error::other(Stopped));
        }
        self.file.write(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// The error for a failed write to `path`: [`Error::Interrupted`] when it failed because the
/// run was asked to stop.
pub fn write_error(path: &Path, e: io::Error) -> Error {
    if e.get_ref().is_some_and(|inner| inner.is::<Stopped>()) {
        Error::Interrupted
    } else {
        Error::io(format!("writing {}", path.display()), e)
    }
}

/// A name no other process will pick: the pid and a random number. Not a model draw, so it
/// does not come from the keyed streams.
fn unique_suffix(kind: &str) -> String {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    format!("{kind}-{}-{:016x}", std::process::id(), hasher.finish())
}

fn sibling(target: &Path, kind: &str) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    target.with_file_name(format!("{name}.{}", unique_suffix(kind)))
}

/// Refuses a folder that exists and was not written by blockade (contract 6): one whose
/// run.json, or shard.json for a shard folder, does not say `"tool": "blockade"`.
pub fn check_replaceable(target: &Path) -> Result<()> {
    if !target.exists() {
        return Ok(());
    }
    let ours = [MANIFEST, super::SHARD_MANIFEST].iter().any(|name| {
        std::fs::read(target.join(name))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
            .is_some_and(|json| json.get("tool").and_then(|t| t.as_str()) == Some("blockade"))
    });
    if target.is_dir() && ours {
        Ok(())
    } else {
        Err(Error::ForeignOutput(target.to_owned()))
    }
}

impl Staging {
    /// Checks that `target` may be replaced and creates the staging folder beside it (and any
    /// missing parents). Both are refusals before any work: exit status 2.
    pub fn begin(target: &Path) -> Result<Staging> {
        check_replaceable(target)?;
        let unwritable = |e: io::Error| {
            Error::Input(
                InputError::new(format!("cannot write the output folder: {e}"))
                    .in_origin(target.display().to_string()),
            )
        };
        if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(unwritable)?;
        }
        let temporary = sibling(target, "tmp");
        std::fs::create_dir(&temporary).map_err(unwritable)?;
        Ok(Staging {
            target: target.to_owned(),
            temporary,
            committed: false,
            stop: None,
        })
    }

    /// Makes the files created from now on stop accepting writes once `stop` is set.
    pub fn stop_on(&mut self, stop: Arc<AtomicBool>) {
        self.stop = Some(stop);
    }

    /// Creates `name` in the staging folder; returns its path and the file.
    pub fn create(&self, name: &str) -> Result<(PathBuf, StagedFile)> {
        let path = self.path(name);
        let file = File::create(&path)
            .map_err(|e| Error::io(format!("creating {}", path.display()), e))?;
        let stop = self.stop.clone();
        Ok((path, StagedFile { file, stop }))
    }

    /// Where to write `name` before the commit.
    pub fn path(&self, name: &str) -> PathBuf {
        self.temporary.join(name)
    }

    /// The staging folder itself, which holds a complete output folder just before the
    /// commit (for commands that read it back, as `run` does for its metrics).
    pub fn folder(&self) -> &Path {
        &self.temporary
    }

    /// The folder that the commit will replace.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Swaps the staging folder into place. When runs race, each renames whatever is in place
    /// aside before renaming its own in, so the last to finish wins and no folder is a mix.
    pub fn commit(mut self) -> Result<()> {
        let mut aside = Vec::new();
        let result = loop {
            let old = sibling(&self.target, "old");
            match std::fs::rename(&self.target, &old) {
                Ok(()) => aside.push(old),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => break Err(e),
            }
            match std::fs::rename(&self.temporary, &self.target) {
                Ok(()) => break Ok(()),
                // Another run put its folder in place between our two renames: go again.
                Err(_) if self.target.exists() => continue,
                Err(e) => break Err(e),
            }
        };
        match result {
            Ok(()) => {
                self.committed = true;
                for old in aside {
                    // A stale folder left behind is harmless; the new results are in place.
                    let _ = std::fs::remove_dir_all(old);
                }
                Ok(())
            }
            Err(e) => {
                if let Some(old) = aside.pop() {
                    let _ = std::fs::rename(old, &self.target);
                }
                Err(Error::io(format!("replacing {}", self.target.display()), e))
            }
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.temporary);
        }
    }
}

/// Writes `bytes` to `path` by way of a temporary file renamed into place, for commands that
/// add a file to an existing output folder.
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let temporary = sibling(path, "tmp");
    let written =
        std::fs::write(&temporary, bytes).and_then(|()| std::fs::rename(&temporary, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(Error::io(format!("writing {}", path.display()), e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_committed_folder_replaces_the_old_one_whole() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("nested/out");
        let first = Staging::begin(&target).unwrap();
        std::fs::write(first.path(MANIFEST), r#"{"tool":"blockade"}"#).unwrap();
        std::fs::write(first.path("a.csv"), "old").unwrap();
        first.commit().unwrap();

        let second = Staging::begin(&target).unwrap();
        std::fs::write(second.path(MANIFEST), r#"{"tool":"blockade"}"#).unwrap();
        std::fs::write(second.path("b.csv"), "new").unwrap();
        second.commit().unwrap();

        assert!(!target.join("a.csv").exists());
        assert_eq!(
            std::fs::read_to_string(target.join("b.csv")).unwrap(),
            "new"
        );
        let leftovers = std::fs::read_dir(target.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "temporary or old folders were left behind");
    }

    #[test]
    fn a_dropped_staging_folder_leaves_nothing_behind() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        let staging = Staging::begin(&target).unwrap();
        std::fs::write(staging.path("a.csv"), "partial").unwrap();
        drop(staging);
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_foreign_folder_is_refused() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("notes.txt"), "mine").unwrap();
        assert!(matches!(
            Staging::begin(root.path()),
            Err(Error::ForeignOutput(_))
        ));
        std::fs::write(root.path().join(MANIFEST), r#"{"tool":"other"}"#).unwrap();
        assert!(matches!(
            check_replaceable(root.path()),
            Err(Error::ForeignOutput(_))
        ));
    }
}
