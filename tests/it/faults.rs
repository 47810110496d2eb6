//! Faults: a full disk, an unwritable output folder, and two runs writing one folder at once.
//! Each must end with a clear one-line error or a complete result, never a partial folder.
//!
//! The disk tests mount small tmpfs file systems and so need root (and the right to mount), as
//! CI has. Where they cannot mount, they fail when the environment variable `CI` is set (CI must
//! run them), and otherwise say on stderr that they were skipped and return.

use crate::common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A tmpfs mounted for the life of the value.
pub(crate) struct Mount {
    pub(crate) path: PathBuf,
    _dir: tempfile::TempDir,
}

/// A test that cannot run here: a failure in CI, a visible skip on a developer's machine.
fn cannot_run(reason: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set, so this test must run, but {reason}"
    );
    // Straight to stderr: the test harness captures `eprintln!` of a passing test.
    let _ = writeln!(std::io::stderr(), "skipped (CI is not set): {reason}");
}

impl Mount {
    /// Mounts a tmpfs with `options`, or returns `None` after [`cannot_run`] where mounting
    /// is not possible.
    pub(crate) fn new(options: &str) -> Option<Mount> {
        if !is_root() {
            cannot_run("mounting a tmpfs needs root");
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("mnt");
        std::fs::create_dir(&path).expect("mount point");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(&path)
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            // Root in a container without the right to mount (CAP_SYS_ADMIN).
            cannot_run(&format!(
                "mount -t tmpfs -o {options} is not permitted here"
            ));
            return None;
        }
        Some(Mount { path, _dir: dir })
    }

    fn remount(&self, options: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(&self.path)
            .status()
            .expect("remount");
        assert!(status.success());
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

/// A run of the small Bass scenario: its files grow with the replicates.
fn run_bass(out: &Path, replicates: &str, seed: &str) -> std::process::Output {
    common::blockade()
        .arg("run")
        .arg(common::bundled("bass-validation.toml"))
        .args(["--quiet", "--population", "200", "--replicates", replicates])
        .args(["--seed", seed, "--out"])
        .arg(out)
        .output()
        .expect("runs")
}

fn one_error_line(output: &std::process::Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn a_full_disk_fails_cleanly_and_keeps_the_earlier_results() {
    let Some(disk) = Mount::new("size=256k") else {
        return;
    };
    let out = disk.path.join("out");
    assert!(
        run_bass(&out, "1", "1").status.success(),
        "a small run fits"
    );
    let before = common::folder_bytes(&out);

    // About 350 kB of CSV on a 256 kB disk, though its certain floor (about 200 kB) fits:
    // the run starts and the disk fills as it writes.
    let output = run_bass(&out, "50", "2");
    assert_eq!(
        output.status.code(),
        Some(1),
        "disk full is a failure after work began"
    );
    let message = one_error_line(&output);
    assert!(message.contains("No space left on device"), "{message}");
    assert_eq!(
        common::folder_bytes(&out),
        before,
        "the earlier results changed"
    );
    let names: Vec<_> = std::fs::read_dir(&disk.path)
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, ["out"], "partial files were left behind");
}

#[test]
fn output_that_certainly_cannot_fit_is_refused_before_simulating() {
    let Some(disk) = Mount::new("size=256k") else {
        return;
    };
    let out = disk.path.join("out");
    assert!(run_bass(&out, "1", "1").status.success());
    let before = common::folder_bytes(&out);

    // adoption.csv alone: at least 2000 replicates x 41 steps x 3 states x 30 bytes = 7 MB.
    let output = run_bass(&out, "2000", "2");
    assert_eq!(output.status.code(), Some(2), "refused before any work");
    let message = one_error_line(&output);
    assert!(message.contains("not enough disk"), "{message}");
    assert_eq!(common::folder_bytes(&out), before);
    assert_eq!(std::fs::read_dir(&disk.path).expect("dir").count(), 1);
}

#[test]
fn an_unwritable_output_folder_is_refused_before_simulating() {
    let Some(disk) = Mount::new("size=1m") else {
        return;
    };
    let out = disk.path.join("out");
    assert!(run_bass(&out, "1", "1").status.success());
    let before = common::folder_bytes(&out);
    disk.remount("ro");

    let output = run_bass(&out, "1", "2");
    assert_eq!(output.status.code(), Some(2));
    let message = one_error_line(&output);
    assert!(
        message.contains("cannot write the output folder"),
        "{message}"
    );
    assert!(message.contains("Read-only file system"), "{message}");
    assert_eq!(common::folder_bytes(&out), before);

    // A folder that cannot be created at all.
    let nested = disk.path.join("new/deeper");
    let output = run_bass(&nested, "1", "2");
    assert_eq!(output.status.code(), Some(2));
    one_error_line(&output);
    assert!(!nested.exists());
}

/// Two runs into one folder at once: both finish, and the folder holds one run's complete
/// result (its run.json and its CSV files agree), never a mix.
#[test]
fn concurrent_runs_leave_one_complete_result() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let reference = |seed: &str| {
        let out = tmp.path().join(format!("reference-{seed}"));
        let run = common::blockade()
            .arg("run")
            .arg(common::bundled("openai-api-block-2024.toml"))
            .args(["--quiet", "--replicates", "2", "--variant", "baseline"])
            .args(["--population", "20000", "--seed", seed, "--out"])
            .arg(&out)
            .output()
            .expect("runs");
        assert!(run.status.success());
        common::csv_bytes(&out)
    };
    let expected = [("1", reference("1")), ("2", reference("2"))];

    let shared = tmp.path().join("shared");
    for round in 0..3 {
        let spawn = |seed: &str| {
            Command::new(assert_cmd::cargo::cargo_bin("blockade"))
                .arg("run")
                .arg(common::bundled("openai-api-block-2024.toml"))
                .args(["--quiet", "--replicates", "2", "--variant", "baseline"])
                .args(["--population", "20000", "--seed", seed, "--out"])
                .arg(&shared)
                .spawn()
                .expect("spawn")
        };
        let (mut a, mut b) = (spawn("1"), spawn("2"));
        assert!(
            a.wait().expect("wait").success(),
            "round {round}: first run failed"
        );
        assert!(
            b.wait().expect("wait").success(),
            "round {round}: second run failed"
        );

        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(shared.join("run.json")).expect("run.json"))
                .expect("json");
        let seed = manifest["seed"].to_string();
        let csv = common::csv_bytes(&shared);
        let (_, want) = expected
            .iter()
            .find(|(s, _)| *s == seed)
            .expect("a seed we ran");
        assert!(&csv == want, "round {round}: the folder mixes two runs");
        let leftovers = std::fs::read_dir(tmp.path()).expect("dir").count();
        assert_eq!(leftovers, 3, "round {round}: temporary folders left behind");
    }
}
