//! The few file-system operations the standard library does not offer and that keeping output
//! folders whole needs: an atomic exchange of two folders, a rename that never replaces,
//! whether a process is alive, advisory locks on folders, opening a file without blocking on a
//! FIFO, and the list of mount points. Each has a portable fallback that is weaker but safe.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// What an atomic placement did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Placed {
    /// `from` now lives at `to`, and what was at `to` now lives at `from`.
    Exchanged,
    /// `from` now lives at `to`, where nothing was.
    Renamed,
}

/// Puts the folder `from` at `to` in one step: renamed when `to` does not exist, exchanged
/// with it when it does. `Ok(None)` when the file system or the OS offers no such operation,
/// and the caller must fall back to two renames.
#[cfg(target_os = "linux")]
pub(crate) fn place(from: &Path, to: &Path) -> io::Result<Option<Placed>> {
    loop {
        match renameat2(from, to, libc::RENAME_NOREPLACE) {
            Ok(()) => return Ok(Some(Placed::Renamed)),
            Err(e) if unsupported(&e) => return Ok(None),
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
            Err(_) => {}
        }
        match renameat2(from, to, libc::RENAME_EXCHANGE) {
            Ok(()) => return Ok(Some(Placed::Exchanged)),
            Err(e) if unsupported(&e) => return Ok(None),
            // `to` was removed between the two calls: it can be renamed into now.
            Err(e) if e.kind() == io::ErrorKind::NotFound && from.exists() => {}
            Err(e) => return Err(e),
        }
    }
}

/// Puts the folder `from` at `to` in one step; this OS has no exchange, so always `Ok(None)`.
#[cfg(not(target_os = "linux"))]
pub(crate) fn place(_from: &Path, _to: &Path) -> io::Result<Option<Placed>> {
    Ok(None)
}

/// Swaps two existing folders in one step (undoing an exchange).
#[cfg(target_os = "linux")]
pub(crate) fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    renameat2(a, b, libc::RENAME_EXCHANGE)
}

/// Swaps two existing folders; this OS has no exchange, so by three renames.
#[cfg(not(target_os = "linux"))]
pub(crate) fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    let between = a.with_extension("exchange");
    std::fs::rename(a, &between)?;
    std::fs::rename(b, a)?;
    std::fs::rename(between, b)
}

#[cfg(target_os = "linux")]
fn unsupported(e: &io::Error) -> bool {
    // EINVAL: a file system without the flags (some network file systems); ENOSYS: a kernel
    // older than 3.15 or a sandbox that filters the call.
    matches!(e.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOSYS))
}

#[cfg(target_os = "linux")]
fn renameat2(from: &Path, to: &Path, flags: libc::c_uint) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
    };
    let (from, to) = (c(from)?, c(to)?);
    // The raw system call rather than libc's wrapper, which older C libraries lack.
    // SAFETY: both pointers are NUL-terminated strings that outlive the call.
    let status = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            flags,
        )
    };
    if status == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Whether process `pid` exists on this machine. Unknown means alive, so that nothing that
/// might still be in use is ever removed.
#[cfg(unix)]
pub(crate) fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    if pid <= 0 {
        return true;
    }
    // SAFETY: signal 0 only checks that the process exists and may be signalled.
    let status = unsafe { libc::kill(pid, 0) };
    status == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// Whether process `pid` exists; unknown on this OS, so alive.
#[cfg(not(unix))]
pub(crate) fn process_alive(_pid: u32) -> bool {
    true
}

/// Takes an exclusive advisory lock on a folder, held until the returned file is dropped
/// (or the process ends). `Ok(None)` when another process holds it.
#[cfg(unix)]
pub(crate) fn try_lock(folder: &Path) -> io::Result<Option<File>> {
    use std::os::fd::AsRawFd;
    let file = File::open(folder)?;
    // SAFETY: the descriptor is open for the duration of the call.
    let status = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if status == 0 {
        return Ok(Some(file));
    }
    let e = io::Error::last_os_error();
    if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(None)
    } else {
        Err(e)
    }
}

/// Takes a lock on a folder; this OS has none here, so the lock is always granted.
#[cfg(not(unix))]
pub(crate) fn try_lock(folder: &Path) -> io::Result<Option<File>> {
    File::open(folder).map(Some)
}

/// Reads a regular file whole. Anything else (a FIFO, a device, a folder) is an error
/// rather than an open() that blocks until a writer appears.
pub(crate) fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let mut file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Whether `folder` (a canonical path) is a mount point: on another device than its parent,
/// or listed in the mount table (a bind mount of the same device).
pub(crate) fn is_mount_point(folder: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let device = |p: &Path| std::fs::metadata(p).map(|m| m.dev());
        let own = device(folder);
        let parent = folder.parent().map(device);
        if let (Ok(own), Some(Ok(parent))) = (own, parent) {
            if own != parent {
                return true;
            }
        }
    }
    mount_points().iter().any(|m| m == folder)
}

/// Every mount point in this process's mount table (Linux; empty elsewhere).
fn mount_points() -> Vec<PathBuf> {
    let Ok(table) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return Vec::new();
    };
    table
        .lines()
        .filter_map(|line| line.split(' ').nth(4))
        .map(|field| PathBuf::from(unescape_octal(field)))
        .collect()
}

/// The mount table writes space, tab, newline and backslash as `\040`-style octal escapes.
fn unescape_octal(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let code = bytes.get(i + 1..i + 4).and_then(|digits| {
            std::str::from_utf8(digits)
                .ok()
                .and_then(|d| u8::from_str_radix(d, 8).ok())
        });
        match (bytes[i], code) {
            (b'\\', Some(byte)) => {
                out.push(byte);
                i += 4;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mount_table_escapes_are_read_back() {
        assert_eq!(unescape_octal(r"/mnt/my\040disk"), "/mnt/my disk");
        assert_eq!(unescape_octal(r"/a\134b"), r"/a\b");
        assert_eq!(unescape_octal("/plain"), "/plain");
    }

    #[test]
    fn a_placement_exchanges_or_renames() {
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        std::fs::create_dir(&a).unwrap();
        std::fs::write(a.join("x"), "new").unwrap();
        match place(&a, &b).unwrap() {
            None => return, // no exchange here
            Some(placed) => assert_eq!(placed, Placed::Renamed),
        }
        std::fs::create_dir(&a).unwrap();
        std::fs::write(a.join("x"), "newer").unwrap();
        assert_eq!(place(&a, &b).unwrap(), Some(Placed::Exchanged));
        assert_eq!(std::fs::read_to_string(b.join("x")).unwrap(), "newer");
        assert_eq!(std::fs::read_to_string(a.join("x")).unwrap(), "new");
    }

    #[test]
    fn a_locked_folder_cannot_be_locked_twice() {
        let root = tempfile::tempdir().unwrap();
        let held = try_lock(root.path()).unwrap();
        assert!(held.is_some());
        #[cfg(unix)]
        assert!(try_lock(root.path()).unwrap().is_none());
        drop(held);
        assert!(try_lock(root.path()).unwrap().is_some());
    }

    #[test]
    fn this_process_is_alive() {
        assert!(process_alive(std::process::id()));
    }
}
