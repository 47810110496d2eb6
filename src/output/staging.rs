//! Output folders that are replaced whole or not at all (docs/RELIABILITY.md, How the
//! guarantees are built).
//!
//! A run writes into `DIR.tmp-<pid>-<random>` beside `DIR` and swaps it in only when every file
//! is written. Until then `DIR` is untouched; an error, a panic or an interruption drops the
//! staging folder, whose `Drop` deletes it. Files created through [`Staging::create`] stop
//! accepting writes once a signal has asked the run to stop, so that writing large tables does
//! not delay the stop.
//!
//! `DIR` is resolved before anything is written: the path is taken through its real parent
//! (so `d/../d` is `d`), through a symbolic link to the folder it names, and refused when the
//! folder cannot be renamed (`.`, `d/.`, the current folder, a mount point).
//!
//! The swap itself leaves no moment without `DIR`: on Linux it is one `renameat2` exchange;
//! elsewhere (or on a file system without it) the staging folder is first renamed
//! `DIR.new-<pid>-<random>`, which marks it complete, then `DIR` is renamed aside to
//! `DIR.old-…` and the new folder into place. A commit that died between those two renames
//! is finished by the next [`Staging::begin`] on `DIR`, which also removes the folders that
//! killed runs left behind (their process is gone and no one holds their lock).

use crate::error::{Error, InputError, Result};
use std::collections::hash_map::RandomState;
use std::fs::File;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::os;

/// The name of the manifest that marks a folder as blockade's.
pub const MANIFEST: &str = "run.json";

/// A folder being written, to be swapped into place by [`Staging::commit`].
#[derive(Debug)]
pub struct Staging {
    target: PathBuf,
    temporary: PathBuf,
    /// Whether the folder is `DIR.partial` rather than a temporary folder.
    partial: bool,
    /// Whether a run that fails leaves the folder in place, so that `--resume` goes on from
    /// it ([`Staging::keep`]); otherwise it is deleted.
    kept: bool,
    committed: bool,
    stop: Option<Arc<AtomicBool>>,
    /// The format its tables are written in.
    table_format: super::files::TableFormat,
    /// Held for the life of the staging folder, so that no other run takes it for a killed
    /// run's leftovers (the pid alone is not enough on a shared file system).
    _lock: Option<File>,
}

/// The temporary paths of this process, removed by [`abandon_temporaries`] when a signal
/// forces the process to end before the code that owns them can.
struct Temporaries {
    paths: Vec<PathBuf>,
    abandoned: bool,
}

static TEMPORARIES: Mutex<Temporaries> = Mutex::new(Temporaries {
    paths: Vec::new(),
    abandoned: false,
});

fn temporaries() -> MutexGuard<'static, Temporaries> {
    // A panic while the list was held leaves it consistent: every change is one push or
    // one retain.
    TEMPORARIES.lock().unwrap_or_else(|e| e.into_inner())
}

impl Temporaries {
    fn add(&mut self, path: &Path) {
        self.paths.push(path.to_owned());
    }

    fn remove(&mut self, path: &Path) {
        self.paths.retain(|p| p != path);
    }
}

fn register(path: &Path) {
    temporaries().add(path);
}

fn unregister(path: &Path) {
    temporaries().remove(path);
}

/// Deletes every temporary file and folder this process has open and refuses every later
/// commit, for a process about to end on a signal without unwinding. A commit in progress
/// is finished first (it holds the list while it renames), so the output folder is never
/// left half swapped.
pub fn abandon_temporaries() {
    let mut list = temporaries();
    list.abandoned = true;
    for path in list.paths.drain(..) {
        // A writer may add a file while the folder is removed: try again once.
        for _ in 0..2 {
            let removed = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            if removed.is_ok() || !path.exists() {
                break;
            }
        }
    }
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

    /// The file's length.
    pub fn size(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
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
pub(crate) fn write_error(path: &Path, e: io::Error) -> Error {
    if e.get_ref().is_some_and(|inner| inner.is::<Stopped>()) {
        Error::Interrupted
    } else {
        Error::io(format!("writing {}", path.display()), e)
    }
}

/// The kinds of sibling folders a run makes beside `DIR`: `tmp` while it writes, `new` once
/// complete and about to be swapped in without an exchange, `old` for the folder swapped out.
const SIBLING_KINDS: [&str; 3] = ["tmp", "new", "old"];

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

/// The kind and pid of `file_name` when it is a sibling folder of `name` made by some run:
/// `<name>.<kind>-<pid>-<16 hex digits>`.
fn parse_sibling<'a>(name: &str, file_name: &'a str) -> Option<(&'a str, u32)> {
    let rest = file_name.strip_prefix(name)?.strip_prefix('.')?;
    let (kind, rest) = rest.split_once('-')?;
    let (pid, random) = rest.split_once('-')?;
    let kind = SIBLING_KINDS.iter().find(|k| **k == kind)?;
    let hex = random.len() == 16 && random.bytes().all(|b| b.is_ascii_hexdigit());
    let pid = pid.parse().ok().filter(|_| hex)?;
    // Same lifetime as the input: `kind` is one of ours, found in `file_name`.
    Some((&file_name[name.len() + 1..name.len() + 1 + kind.len()], pid))
}

/// Refuses a folder that exists and was not written by blockade (docs/FORMAT.md, run.json):
/// one whose run.json, or shard.json for a shard folder, does not say `"tool": "blockade"`.
/// An empty folder is refused with a hint of what to do.
pub fn check_replaceable(target: &Path) -> Result<()> {
    if std::fs::symlink_metadata(target).is_err() {
        return Ok(());
    }
    let ours = [MANIFEST, super::SHARD_MANIFEST].iter().any(|name| {
        // Not `fs::read`: a FIFO named run.json would block it until a writer came.
        os::read_regular(&target.join(name))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
            .is_some_and(|json| json.get("tool").and_then(|t| t.as_str()) == Some("blockade"))
    });
    if target.is_dir() && ours {
        Ok(())
    } else if std::fs::read_dir(target).is_ok_and(|mut entries| entries.next().is_none()) {
        Err(Error::EmptyOutput(target.to_owned()))
    } else {
        Err(Error::ForeignOutput(target.to_owned()))
    }
}

/// What the blockade folder `target` holds, for a command to say what it replaces: the
/// scenario file, seed and size its run.json records. `None` when there is no such folder.
pub fn describe_folder(target: &Path) -> Option<String> {
    let bytes = os::read_regular(&target.join(MANIFEST)).ok()?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    if json.get("tool").and_then(|t| t.as_str()) != Some("blockade") {
        return None;
    }
    let number = |key: &str| json.get(key).and_then(|v| v.as_u64());
    Some(format!(
        "a run of {} (seed {}, {} agents, {} replicates)",
        json.get("scenario_file")
            .and_then(|f| f.as_str())
            .unwrap_or("an unnamed file"),
        number("seed").map_or("?".into(), |n| n.to_string()),
        number("population").map_or("?".into(), |n| n.to_string()),
        number("replicates").map_or("?".into(), |n| n.to_string()),
    ))
}

/// The folder that `target` names, as the commit will rename it: its parent's real path and
/// its name, or the folder a symbolic link points to. Creates missing parents. Refuses what
/// cannot be renamed (exit status 2) now rather than after the work.
fn resolve(target: &Path) -> Result<PathBuf> {
    let refuse = |why: String| -> Error {
        InputError::new(why)
            .in_origin(target.display().to_string())
            .into()
    };
    let unwritable = |e: io::Error| refuse(format!("cannot write the output folder: {e}"));
    // `Path` drops a trailing `.` (`d/.` has the file name `d`), so look at the text.
    let text = target.to_string_lossy();
    let trimmed = text.trim_end_matches(['/', std::path::MAIN_SEPARATOR]);
    let last = trimmed
        .rsplit(['/', std::path::MAIN_SEPARATOR])
        .next()
        .unwrap_or_default();
    let name = match target.file_name() {
        Some(name) if !matches!(last, "." | "..") => name,
        _ => {
            return Err(refuse(
                "names no folder that can be replaced: give the output folder's own name, \
                 not '.', '..' or the root (e.g. --out ../results rather than --out .)"
                    .into(),
            ));
        }
    };
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // The longest part of the parent that exists, taken through its links and `..`; the
    // rest is created, and may not climb out with `..` through folders that do not exist.
    let (existing, missing) = parent
        .ancestors()
        .find_map(|a| {
            let here = if a.as_os_str().is_empty() {
                Path::new(".")
            } else {
                a
            };
            let canonical = here.canonicalize().ok()?;
            let rest = parent.strip_prefix(a).ok()?.to_owned();
            Some((canonical, rest))
        })
        .ok_or_else(|| unwritable(io::Error::from(io::ErrorKind::NotFound)))?;
    if missing
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(refuse(format!(
            "goes through '..' in {}, which does not exist",
            parent.display()
        )));
    }
    let parent = existing.join(&missing);
    std::fs::create_dir_all(&parent).map_err(unwritable)?;
    let mut resolved = parent.join(name);
    if std::fs::symlink_metadata(&resolved).is_ok_and(|m| m.file_type().is_symlink()) {
        // Written through: the link keeps pointing at the folder, which is replaced.
        resolved = resolved.canonicalize().map_err(|_| {
            let points_to = std::fs::read_link(&resolved).unwrap_or_default();
            refuse(format!(
                "is a symbolic link to {}, which does not exist: create that folder or \
                 name another",
                points_to.display()
            ))
        })?;
        if resolved.parent().is_none() {
            return Err(refuse("is a symbolic link to the root".into()));
        }
    }
    if resolved.is_dir() && os::is_mount_point(&resolved) {
        return Err(refuse(format!(
            "is a mount point, which cannot be replaced: name a folder inside it, e.g. \
             --out {}",
            target.join("results").display()
        )));
    }
    let working = std::env::current_dir().and_then(|d| d.canonicalize());
    if working.is_ok_and(|d| d.starts_with(&resolved)) {
        return Err(refuse(
            "is the current folder or holds it, which a run cannot replace: run from \
             another folder or name another output folder"
                .into(),
        ));
    }
    Ok(resolved)
}

/// The folder a swept run writes into beside `target`, kept when the run does not end.
pub fn partial_folder(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    target.with_file_name(format!("{name}.partial"))
}

/// Removes what killed runs left beside `target`: staging folders, folders swapped out, and
/// complete folders never swapped in. A sibling is left alone while its process is alive on
/// this machine or its lock is held (a run on another machine of a shared file system).
/// When the commit died between its two renames there is no `target`: the complete new
/// folder is renamed into place (the old one had already been moved aside), or else the old
/// one back.
fn clean_stale(target: &Path) {
    let (Some(parent), Some(name)) = (target.parent(), target.file_name()) else {
        return;
    };
    let name = name.to_string_lossy();
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let mut stale: Vec<(String, PathBuf, Option<File>)> = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some((kind, pid)) = parse_sibling(&name, &file_name) else {
            continue;
        };
        if os::process_alive(pid) {
            continue;
        }
        let path = entry.path();
        if let Ok(Some(lock)) = os::try_lock(&path) {
            stale.push((kind.to_owned(), path, Some(lock)));
        }
    }
    if std::fs::symlink_metadata(target).is_err() {
        let finished = ["new", "old"]
            .iter()
            .find_map(|kind| stale.iter().position(|(k, _, _)| k == kind));
        if let Some(i) = finished {
            let (_, path, _) = stale.remove(i);
            let _ = std::fs::rename(&path, target);
        }
    }
    for (_, path, lock) in stale {
        drop(lock);
        let _ = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
    }
}

/// How a debug build's tests steer the commit: `two-renames` takes the path for systems
/// without an exchange, `two-renames-pause` also waits a minute between its two renames, so
/// that a test can kill the process there. Release builds never read it.
fn commit_test_mode() -> Option<String> {
    if cfg!(debug_assertions) {
        std::env::var("BLOCKADE_TEST_COMMIT").ok()
    } else {
        None
    }
}

impl Staging {
    /// Checks that `target` may be replaced and creates the staging folder beside it (and any
    /// missing parents). Both are refusals before any work: exit status 2. Repairs first
    /// what a killed commit into `target` left, and removes killed runs' leftovers.
    pub fn begin(target: &Path) -> Result<Staging> {
        let given = target;
        let target = resolve(given)?;
        clean_stale(&target);
        // Named as the user gave it, which says more than the resolved path.
        check_replaceable(&target).map_err(|e| match e {
            Error::ForeignOutput(_) => Error::ForeignOutput(given.to_owned()),
            Error::EmptyOutput(_) => Error::EmptyOutput(given.to_owned()),
            e => e,
        })?;
        let temporary = sibling(&target, "tmp");
        std::fs::create_dir(&temporary).map_err(|e| {
            Error::Input(
                InputError::new(format!("cannot write the output folder: {e}"))
                    .in_origin(target.display().to_string()),
            )
        })?;
        register(&temporary);
        let lock = os::try_lock(&temporary).ok().flatten();
        Ok(Staging {
            target,
            temporary,
            partial: false,
            kept: false,
            committed: false,
            stop: None,
            table_format: super::files::TableFormat::Csv,
            _lock: lock,
        })
    }

    /// Writes the tables created from now on in `format` (CSV until then).
    pub fn write_tables_as(&mut self, format: super::files::TableFormat) {
        self.table_format = format;
    }

    /// The format tables are written in.
    pub fn table_format(&self) -> super::files::TableFormat {
        self.table_format
    }

    /// As [`Staging::begin`], but the folder is `DIR.partial`, which an error or an
    /// interruption leaves in place, so that a later run can go on from what it holds
    /// (docs/FORMAT.md, `run --resume`). With `resume`, a `DIR.partial` left by an earlier run
    /// is taken over as it is, and the return value says so; without, it is emptied. Refused
    /// (exit status 2) while another run writes it.
    pub fn begin_kept(target: &Path, resume: bool) -> Result<(Staging, bool)> {
        let given = target;
        let target = resolve(given)?;
        clean_stale(&target);
        check_replaceable(&target).map_err(|e| match e {
            Error::ForeignOutput(_) => Error::ForeignOutput(given.to_owned()),
            Error::EmptyOutput(_) => Error::EmptyOutput(given.to_owned()),
            e => e,
        })?;
        let partial = partial_folder(&target);
        let refuse = |message: String| {
            Error::Input(InputError::new(message).in_origin(partial.display().to_string()))
        };
        let existed = partial.is_dir();
        if !existed {
            std::fs::create_dir(&partial)
                .map_err(|e| refuse(format!("cannot write the partial folder: {e}")))?;
        }
        let lock = match os::try_lock(&partial) {
            Ok(Some(lock)) => Some(lock),
            Ok(None) => {
                return Err(refuse(
                    "another run is writing this folder: wait for it, or name another --out".into(),
                ));
            }
            Err(_) => None,
        };
        if existed && !resume {
            // An earlier run's points, which this run starts again without.
            for entry in std::fs::read_dir(&partial)
                .map_err(|e| refuse(format!("cannot read: {e}")))?
                .flatten()
            {
                let path = entry.path();
                let removed = if path.is_dir() {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
                removed.map_err(|e| refuse(format!("cannot empty: {e}")))?;
            }
        }
        Ok((
            Staging {
                target,
                temporary: partial,
                partial: true,
                kept: existed && resume,
                committed: false,
                stop: None,
                table_format: super::files::TableFormat::Csv,
                _lock: lock,
            },
            existed && resume,
        ))
    }

    /// Leaves the folder in place from now on if the run fails (a partial folder that holds a
    /// record of its progress).
    pub fn keep(&mut self) {
        self.kept = self.partial;
    }

    /// Opens `name` in the staging folder to append to it, cut to its first `len` bytes (what
    /// an interrupted run had completed).
    pub fn reopen(&self, name: &str, len: u64) -> Result<(PathBuf, StagedFile)> {
        if self.stop.as_ref().is_some_and(|s| s.load(Ordering::SeqCst)) {
            return Err(Error::Interrupted);
        }
        let path = self.path(name);
        let opened = std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .and_then(|file| {
                file.set_len(len)?;
                Ok(file)
            })
            .and_then(|mut file| {
                std::io::Seek::seek(&mut file, std::io::SeekFrom::End(0))?;
                Ok(file)
            });
        let file = opened.map_err(|e| Error::io(format!("reopening {}", path.display()), e))?;
        let stop = self.stop.clone();
        Ok((path, StagedFile { file, stop }))
    }

    /// Makes the files created from now on stop accepting writes once `stop` is set.
    pub fn stop_on(&mut self, stop: Arc<AtomicBool>) {
        self.stop = Some(stop);
    }

    /// Refuses (exit status 2) an input the run reads, such as its scenario file, that lies
    /// inside the folder the commit would replace whole: it would be deleted.
    pub fn refuse_inside(&self, input: &Path, what: &str) -> Result<()> {
        match input.canonicalize() {
            Ok(real) if real.starts_with(&self.target) => Err(InputError::new(format!(
                "{what} {} is inside the output folder {}, which a run replaces whole: move \
                 it out, or name another output folder",
                input.display(),
                self.target.display()
            ))
            .into()),
            _ => Ok(()),
        }
    }

    /// Creates `name` in the staging folder; returns its path and the file.
    pub fn create(&self, name: &str) -> Result<(PathBuf, StagedFile)> {
        if self.stop.as_ref().is_some_and(|s| s.load(Ordering::SeqCst)) {
            return Err(Error::Interrupted);
        }
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

    /// The folder that the commit will replace, resolved (see [`Staging::begin`]).
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Swaps the staging folder into place. When runs race, each swaps whatever is in place
    /// out, so the last to finish wins and no folder is a mix. What is in place is checked
    /// again now: a folder blockade did not write that appeared during the run is left alone,
    /// and the results are kept beside it ([`Error::OutputAppeared`]).
    pub fn commit(mut self) -> Result<()> {
        let mut list = temporaries();
        if list.abandoned {
            return Err(Error::Interrupted);
        }
        if self.partial {
            // Complete: from now on it is an ordinary staging folder, which the swap below
            // and the clean-up of killed runs know.
            let temporary = sibling(&self.target, "tmp");
            std::fs::rename(&self.temporary, &temporary).map_err(|e| self.failed(e))?;
            list.add(&temporary);
            self.temporary = temporary;
            self.partial = false;
            self.kept = false;
        }
        let mode = commit_test_mode();
        let exchanged = match mode {
            Some(_) => None,
            None => os::place(&self.temporary, &self.target).map_err(|e| self.failed(e))?,
        };
        let swapped_out = match exchanged {
            Some(os::Placed::Renamed) => None,
            Some(os::Placed::Exchanged) => {
                if check_replaceable(&self.temporary).is_err() {
                    os::exchange(&self.temporary, &self.target).map_err(|e| self.failed(e))?;
                    return Err(self.keep_beside(&mut list));
                }
                Some(self.temporary.clone())
            }
            None => {
                let pause = mode.as_deref() == Some("two-renames-pause");
                self.commit_by_renames(&mut list, pause)?
            }
        };
        self.committed = true;
        drop(list);
        if let Some(old) = swapped_out {
            // A stale folder left behind is harmless (the next run removes it); the new
            // results are in place.
            let _ = std::fs::remove_dir_all(&old);
            unregister(&old);
        }
        unregister(&self.temporary);
        Ok(())
    }

    /// The commit without an exchange: the complete folder is renamed `DIR.new-…`, `DIR` aside
    /// to `DIR.old-…`, then the new one into place. Returns the folder swapped out.
    fn commit_by_renames(
        &mut self,
        list: &mut Temporaries,
        pause: bool,
    ) -> Result<Option<PathBuf>> {
        let new = self.temporary.with_file_name(
            self.temporary.file_name().map_or_else(String::new, |n| {
                n.to_string_lossy().replacen(".tmp-", ".new-", 1)
            }),
        );
        std::fs::rename(&self.temporary, &new).map_err(|e| self.failed(e))?;
        list.remove(&self.temporary);
        list.add(&new);
        self.temporary = new;
        let mut aside = Vec::new();
        let result = loop {
            if check_replaceable(&self.target).is_err() {
                break Err(None);
            }
            let old = sibling(&self.target, "old");
            match std::fs::rename(&self.target, &old) {
                Ok(()) => {
                    list.add(&old);
                    aside.push(old);
                    if pause {
                        std::thread::sleep(std::time::Duration::from_secs(60));
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => break Err(Some(e)),
            }
            match std::fs::rename(&self.temporary, &self.target) {
                Ok(()) => break Ok(()),
                // Another run put its folder in place between our two renames: go again.
                Err(_) if self.target.exists() => continue,
                Err(e) => break Err(Some(e)),
            }
        };
        match result {
            Ok(()) => {
                // Every folder swapped out but the last is another run's result, already
                // replaced; all of them go.
                let last = aside.pop();
                for old in aside {
                    let _ = std::fs::remove_dir_all(&old);
                    list.remove(&old);
                }
                Ok(last)
            }
            Err(e) => {
                if let Some(old) = aside.pop() {
                    if std::fs::rename(&old, &self.target).is_ok() {
                        list.remove(&old);
                    }
                }
                Err(match e {
                    None => self.keep_beside(list),
                    Some(e) => self.failed(e),
                })
            }
        }
    }

    fn failed(&self, e: io::Error) -> Error {
        Error::io(format!("replacing {}", self.target.display()), e)
    }

    /// Keeps the staged results under a name no clean-up removes, for when the output folder
    /// turned out to be someone else's.
    fn keep_beside(&mut self, list: &mut Temporaries) -> Error {
        let kept = self.target.with_file_name(format!(
            "{}.kept-{}",
            self.target
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            std::process::id()
        ));
        match std::fs::rename(&self.temporary, &kept) {
            Ok(()) => {
                list.remove(&self.temporary);
                self.committed = true;
                Error::OutputAppeared {
                    target: self.target.clone(),
                    kept,
                }
            }
            Err(_) => Error::ForeignOutput(self.target.clone()),
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed && !self.kept {
            let _ = std::fs::remove_dir_all(&self.temporary);
            unregister(&self.temporary);
        }
    }
}

/// Which folder a path named when it was read (its device and inode, on Unix), so that files
/// written back land in that folder only, never in one that replaced it meanwhile.
#[derive(Debug)]
pub struct FolderIdentity {
    path: PathBuf,
    id: Option<(u64, u64)>,
}

fn identity(path: &Path) -> io::Result<Option<(u64, u64)>> {
    let metadata = std::fs::metadata(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Ok(Some((metadata.dev(), metadata.ino())))
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        Ok(None)
    }
}

impl FolderIdentity {
    /// The folder `dir` names now.
    pub fn of(dir: &Path) -> Result<FolderIdentity> {
        let id = identity(dir).map_err(|e| {
            Error::Input(
                InputError::new(format!("cannot read: {e}")).in_origin(dir.display().to_string()),
            )
        })?;
        Ok(FolderIdentity {
            path: dir.to_owned(),
            id,
        })
    }

    /// The folder's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `name` into the folder by way of a temporary file renamed into place, only
    /// while its path still names the folder that was read (exit status 1 otherwise, and
    /// nothing written).
    pub fn write_file(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.path.join(name);
        let temporary = sibling(&path, "tmp");
        register(&temporary);
        let written = std::fs::write(&temporary, bytes).and_then(|()| {
            if identity(&self.path).ok().flatten() != self.id {
                return Err(io::Error::other(
                    "the folder was replaced while it was read; nothing was written (run the \
                     command again)",
                ));
            }
            std::fs::rename(&temporary, &path)
        });
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temporary);
            unregister(&temporary);
            return Err(Error::io(format!("writing {}", path.display()), e));
        }
        unregister(&temporary);
        Ok(())
    }
}

/// Writes `bytes` to `path` by way of a temporary file renamed into place, for commands that
/// add a file to an existing output folder.
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let temporary = sibling(path, "tmp");
    register(&temporary);
    let written =
        std::fs::write(&temporary, bytes).and_then(|()| std::fs::rename(&temporary, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temporary);
        unregister(&temporary);
        return Err(Error::io(format!("writing {}", path.display()), e));
    }
    unregister(&temporary);
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

    /// The pid of a process that has ended.
    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    }

    fn blockade_folder(dir: &Path, text: &str) {
        std::fs::create_dir(dir).unwrap();
        std::fs::write(dir.join(MANIFEST), r#"{"tool":"blockade"}"#).unwrap();
        std::fs::write(dir.join("a.csv"), text).unwrap();
    }

    #[test]
    fn a_commit_that_died_between_its_renames_is_finished_by_the_next_begin() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        let dead = dead_pid();
        blockade_folder(
            &root.path().join(format!("out.new-{dead}-0123456789abcdef")),
            "new",
        );
        blockade_folder(
            &root.path().join(format!("out.old-{dead}-fedcba9876543210")),
            "old",
        );
        let staging = Staging::begin(&target).unwrap();
        assert_eq!(
            std::fs::read_to_string(target.join("a.csv")).unwrap(),
            "new"
        );
        drop(staging);
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_commit_that_died_before_moving_the_old_folder_aside_is_undone() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        blockade_folder(&target, "old");
        let dead = dead_pid();
        blockade_folder(
            &root.path().join(format!("out.new-{dead}-0123456789abcdef")),
            "new",
        );
        drop(Staging::begin(&target).unwrap());
        assert_eq!(
            std::fs::read_to_string(target.join("a.csv")).unwrap(),
            "old"
        );
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_file_is_written_back_only_into_the_folder_that_was_read() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        blockade_folder(&dir, "read");
        let read = FolderIdentity::of(&dir).unwrap();
        read.write_file("metrics.csv", b"metrics").unwrap();
        assert_eq!(std::fs::read(dir.join("metrics.csv")).unwrap(), b"metrics");

        // Another run replaces the folder after it was read.
        std::fs::rename(&dir, root.path().join("aside")).unwrap();
        blockade_folder(&dir, "another run");
        assert!(matches!(
            read.write_file("metrics.csv", b"stale"),
            Err(Error::Io { .. })
        ));
        assert!(!dir.join("metrics.csv").exists());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
    }

    #[test]
    fn only_names_a_run_makes_are_its_siblings() {
        assert_eq!(
            parse_sibling("d", "d.tmp-12-0123456789abcdef"),
            Some(("tmp", 12))
        );
        assert_eq!(
            parse_sibling("d", "d.old-7-fedcba9876543210"),
            Some(("old", 7))
        );
        for other in [
            "d.tmp-12-0123",
            "d.kept-12",
            "e.tmp-12-0123456789abcdef",
            "d.tmp-x-0123456789abcdef",
            "dd.tmp-12-0123456789abcdef",
        ] {
            assert_eq!(parse_sibling("d", other), None, "{other}");
        }
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
