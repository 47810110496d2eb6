//! Hostile paths, flags and moments (docs/RELIABILITY.md, Hostile paths, flags and moments):
//! output folders named through themselves, through links, or that cannot be renamed; folders
//! that appear during a run; a commit killed half way; leftovers of killed runs; a standard
//! output that is closed or full; signals while a command cannot poll. Each test failed
//! before the fix it holds.

use crate::common::{self, HANG_GUARD};
use crate::faults::Mount;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn small_run(out: &Path, seed: &str) -> std::process::Output {
    common::blockade()
        .arg("run")
        .arg(common::bundled("bass-validation.toml"))
        .args(["--quiet", "--population", "200", "--replicates", "1"])
        .args(["--seed", seed, "--out"])
        .arg(out)
        .output()
        .expect("runs")
}

fn spawn(args: &[&std::ffi::OsStr]) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("blockade"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn")
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([name, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn seed_of(folder: &Path) -> u64 {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("run.json")).expect("run.json"))
            .expect("json");
    manifest["seed"].as_u64().expect("seed")
}

fn mkfifo(path: &Path) {
    assert!(
        Command::new("mkfifo")
            .arg(path)
            .status()
            .expect("mkfifo")
            .success()
    );
}

/// Item 1: `--out d/../d` names `d` through itself; the commit used to rename `d` aside and
/// then fail to find the path, losing `d`.
#[test]
fn an_out_through_the_folder_itself_replaces_it() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("d");
    assert!(small_run(&out, "1").status.success());
    let through = tmp.path().join("d/../d");
    let second = small_run(&through, "2");
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert_eq!(seed_of(&out), 2);
    assert_eq!(names_in(tmp.path()), ["d"], "folders left beside d");

    // A relative path whose parents do not exist yet is created where it says.
    let output = common::blockade()
        .current_dir(tmp.path())
        .arg("run")
        .arg(common::bundled("bass-validation.toml"))
        .args(["--quiet", "--population", "200", "--replicates", "1"])
        .args(["--out", "new/deeper/e"])
        .output()
        .expect("runs");
    assert!(output.status.success());
    assert_eq!(seed_of(&tmp.path().join("new/deeper/e")), 1);
    assert_eq!(names_in(tmp.path()), ["d", "new"]);
}

/// Item 2: a folder blockade did not write, created at `--out` while the run simulates, is
/// left alone at the commit; the run's results are kept beside it.
#[test]
fn a_folder_that_appears_during_the_run_is_left_alone() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("d");
    let child = spawn(&[
        "run".as_ref(),
        common::bundled("openai-api-block-2024.toml").as_os_str(),
        "--quiet".as_ref(),
        "--population".as_ref(),
        "100000".as_ref(),
        "--replicates".as_ref(),
        "4".as_ref(),
        "--variant".as_ref(),
        "baseline".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    let started = Instant::now();
    while !names_in(tmp.path()).iter().any(|n| n.starts_with("d.tmp-")) {
        assert!(
            started.elapsed() < HANG_GUARD,
            "the staging folder never appeared"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    std::fs::create_dir(&out).expect("mkdir");
    std::fs::write(out.join("notes.txt"), "mine").expect("write");
    let output = common::wait_within_hang_guard(child, "run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("appeared there during the run"), "{stderr}");
    assert_eq!(names_in(&out), ["notes.txt"], "the user's folder changed");
    let kept: Vec<String> = names_in(tmp.path())
        .into_iter()
        .filter(|n| n.starts_with("d.kept-"))
        .collect();
    assert_eq!(kept.len(), 1, "the results were not kept: {stderr}");
    assert!(tmp.path().join(&kept[0]).join("adoption.csv").exists());
}

/// Item 3: a scenario file kept inside its own output folder is refused (the folder is
/// replaced whole, which would delete the file).
#[test]
fn a_scenario_file_inside_its_output_folder_is_refused() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("d");
    assert!(small_run(&out, "1").status.success());
    let inside = out.join("s.toml");
    std::fs::copy(common::bundled("bass-validation.toml"), &inside).expect("copy");
    let before = common::folder_bytes(&out);
    let output = common::blockade()
        .arg("run")
        .arg(&inside)
        .args([
            "--quiet",
            "--population",
            "200",
            "--replicates",
            "1",
            "--out",
        ])
        .arg(&out)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is inside the output folder"), "{stderr}");
    assert_eq!(common::folder_bytes(&out), before);
    assert_eq!(names_in(tmp.path()), ["d"]);
}

/// Item 4: a commit by two renames (the path for systems without an exchange, forced here
/// through a debug-build hook) killed between them leaves no `d`; the next run on `d` puts
/// the complete new folder in place before anything else. With the exchange there is no
/// such moment.
#[test]
fn a_commit_killed_between_its_renames_is_finished_by_the_next_run() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("d");
    assert!(small_run(&out, "1").status.success());
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("blockade"))
        .env("BLOCKADE_TEST_COMMIT", "two-renames-pause")
        .arg("run")
        .arg(common::bundled("bass-validation.toml"))
        .args(["--quiet", "--population", "200", "--replicates", "1"])
        .args(["--seed", "2", "--out"])
        .arg(&out)
        .spawn()
        .expect("spawn");
    let started = Instant::now();
    while out.exists() {
        assert!(
            started.elapsed() < HANG_GUARD,
            "the commit never moved d aside"
        );
        assert!(child.try_wait().expect("status").is_none(), "finished");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("kill");
    child.wait().expect("wait");
    assert!(!out.exists(), "the crashed state: no d");

    // The next run on d repairs it as it begins: the killed run's complete folder (seed 2).
    let staging = blockade::output::Staging::begin(&out).expect("begins");
    assert_eq!(seed_of(&out), 2);
    drop(staging);
    assert_eq!(
        names_in(tmp.path()),
        ["d"],
        "leftovers of the killed commit"
    );
}

/// Item 5: `--out` naming a symbolic link to a results folder writes through the link: the
/// link stays, the folder it points to holds the new results.
#[test]
fn an_out_that_is_a_symbolic_link_is_written_through() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let real = tmp.path().join("real");
    assert!(small_run(&real, "1").status.success());
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    let output = small_run(&link, "2");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink(),
        "the link was replaced by a folder"
    );
    assert_eq!(seed_of(&real), 2);
    assert_eq!(names_in(tmp.path()), ["link", "real"]);

    // A link to nothing is refused, and stays a link.
    let dangling = tmp.path().join("dangling");
    std::os::unix::fs::symlink(tmp.path().join("nowhere"), &dangling).expect("symlink");
    let output = small_run(&dangling, "3");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("symbolic link"));
}

/// Item 8: staging, swapped-out and complete folders of killed runs (their process is gone)
/// are removed by the next run on the same folder; a live process's are left alone.
#[test]
fn leftovers_of_killed_runs_are_removed() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("d");
    assert!(small_run(&out, "1").status.success());
    let mut gone = Command::new("true").spawn().expect("spawn");
    let dead = gone.id();
    gone.wait().expect("wait");
    let live = std::process::id();
    for name in [
        format!("d.tmp-{dead}-0123456789abcdef"),
        format!("d.old-{dead}-0123456789abcdef"),
        format!("d.tmp-{live}-0123456789abcdef"),
    ] {
        std::fs::create_dir(tmp.path().join(&name)).expect("mkdir");
        std::fs::write(tmp.path().join(name).join("adoption.csv"), "partial").expect("write");
    }
    assert!(small_run(&out, "2").status.success());
    assert_eq!(
        names_in(tmp.path()),
        ["d".to_owned(), format!("d.tmp-{live}-0123456789abcdef")]
    );
}

/// Item 10: `--threads` above four per core is refused at once (a million threads used to
/// start for minutes, deaf to signals).
#[test]
fn threads_beyond_four_per_core_are_refused() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let tmp = tempfile::tempdir().expect("temp dir");
    for threads in [4 * cores + 1, 1_000_000] {
        let output = common::blockade()
            .arg("run")
            .arg(common::bundled("bass-validation.toml"))
            .args(["--quiet", "--population", "200", "--replicates", "1"])
            .args(["--threads", &threads.to_string(), "--out"])
            .arg(tmp.path().join("d"))
            .timeout(HANG_GUARD)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{threads}: {stderr}");
        assert!(stderr.starts_with("error: --threads: at most"), "{stderr}");
    }
    assert_eq!(names_in(tmp.path()), Vec::<String>::new());
}

/// A pipe whose reader is already closed, as `| head -1` leaves it.
fn closed_pipe() -> Stdio {
    use std::os::fd::{FromRawFd, OwnedFd};
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe() writes.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both descriptors were just opened and are owned here alone.
    let (reader, writer) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(reader);
    Stdio::from(writer)
}

/// The three commands that print a report, on a folder of a small run.
fn printing_commands(out: &Path) -> Vec<Command> {
    let bin = assert_cmd::cargo::cargo_bin("blockade");
    let mut check = Command::new(&bin);
    check
        .arg("check")
        .arg(common::bundled("openai-api-block-2024.toml"));
    let mut run = Command::new(&bin);
    run.arg("run")
        .arg(common::bundled("bass-validation.toml"))
        .args(["--population", "200", "--replicates", "1", "--out"])
        .arg(out.with_file_name("printed"));
    let mut compare = Command::new(&bin);
    compare.arg("compare").arg(out);
    vec![check, run, compare]
}

/// Item 11: a reader that stops reading (`| head -1`) ends `check`, `run` and `compare`
/// quietly, with status 0 and nothing on stderr; they used to panic (exit 101).
#[test]
fn a_closed_standard_output_ends_quietly() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("d");
    assert!(small_run(&out, "1").status.success());
    for mut command in printing_commands(&out) {
        let output = command
            .stdout(closed_pipe())
            .stderr(Stdio::piped())
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{command:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{command:?}: {stderr}");
        assert!(!stderr.contains("error"), "{command:?}: {stderr}");
    }
}

/// Item 11: a standard output that cannot be written (a full disk: /dev/full) is an error,
/// exit status 1 with one line; `compare` used to exit 0 with its report lost.
#[test]
fn a_full_standard_output_is_an_error() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("d");
    assert!(small_run(&out, "1").status.success());
    for mut command in printing_commands(&out) {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let output = command
            .stdout(full)
            .stderr(Stdio::piped())
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{command:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{command:?}: {stderr}");
        assert_eq!(
            stderr.lines().last(),
            Some("error: writing the standard output: No space left on device (os error 28)"),
            "{command:?}"
        );
    }
}

/// Item 12: commands that cannot poll the stop flag (an open() blocked on a FIFO) still end
/// on SIGINT and SIGTERM with 130 and 143; `compare` used to ignore both and wait forever.
#[test]
fn signals_end_a_command_blocked_where_it_cannot_poll() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("d");
    assert!(small_run(&out, "1").status.success());
    std::fs::remove_file(out.join("flows.csv")).expect("rm");
    mkfifo(&out.join("flows.csv"));
    let scenario = tmp.path().join("scenario.toml");
    mkfifo(&scenario);
    let elsewhere = tmp.path().join("elsewhere");
    let cases: [(&[&std::ffi::OsStr], &str, i32); 2] = [
        (&["compare".as_ref(), out.as_os_str()], "-INT", 130),
        (
            &[
                "run".as_ref(),
                scenario.as_os_str(),
                "--out".as_ref(),
                elsewhere.as_os_str(),
            ],
            "-TERM",
            143,
        ),
    ];
    for (args, name, expected) in cases {
        let child = spawn(args);
        // Long enough to be blocked in open(); a signal before that is honoured as well.
        std::thread::sleep(Duration::from_millis(300));
        signal(&child, name);
        let output = common::wait_within_hang_guard(child, &format!("{args:?} after {name}"));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(expected), "{args:?}: {stderr}");
    }
    assert!(!elsewhere.exists());
}

/// Item 12: an output folder whose run.json is a FIFO is refused at once, not waited on.
#[test]
fn an_output_folder_holding_a_fifo_is_refused_without_blocking() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("d");
    std::fs::create_dir(&out).expect("mkdir");
    mkfifo(&out.join("run.json"));
    let output = common::blockade()
        .arg("run")
        .arg(common::bundled("bass-validation.toml"))
        .args([
            "--quiet",
            "--population",
            "200",
            "--replicates",
            "1",
            "--out",
        ])
        .arg(&out)
        .timeout(HANG_GUARD)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not a blockade output folder"), "{stderr}");
}

/// Item 18: an `--out` that cannot be renamed (`d/.`, the current folder, a mount point) is
/// refused before simulating (exit 2), not found after the whole simulation (exit 1).
#[test]
fn an_out_that_cannot_be_renamed_is_refused_up_front() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("d");
    assert!(small_run(&out, "1").status.success());
    let before = common::folder_bytes(&out);
    let refused = |dir: &Path, out: &Path| {
        let output = common::blockade()
            .current_dir(dir)
            .arg("run")
            .arg(common::bundled("bass-validation.toml"))
            .args([
                "--quiet",
                "--population",
                "200",
                "--replicates",
                "1",
                "--out",
            ])
            .arg(out)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(2), "--out {out:?}: {stderr}");
        stderr
    };
    refused(tmp.path(), Path::new("d/."));
    refused(&out, Path::new("."));
    let message = refused(&out, &out);
    assert!(message.contains("current folder"), "{message}");
    assert_eq!(common::folder_bytes(&out), before);
    assert_eq!(names_in(tmp.path()), ["d"]);

    // A blockade folder at a mount point itself, which cannot be renamed.
    let Some(disk) = Mount::new("size=1m") else {
        return;
    };
    let inner = disk.path.join("d");
    assert!(small_run(&inner, "1").status.success());
    for name in names_in(&inner) {
        std::fs::rename(inner.join(&name), disk.path.join(&name)).expect("move");
    }
    std::fs::remove_dir(&inner).expect("rmdir");
    let message = refused(tmp.path(), &disk.path);
    assert!(message.contains("mount point"), "{message}");
}

/// A newcomer's friction: an existing empty `--out` is refused with what to do about it.
#[test]
fn an_empty_out_is_refused_with_a_hint() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("d");
    std::fs::create_dir(&out).expect("mkdir");
    let output = small_run(&out, "1");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("an empty folder"), "{stderr}");
    assert!(stderr.contains("rmdir"), "{stderr}");
    assert!(out.exists());
}

/// `sh -c 'ulimit -v …; exec blockade ARGS'`: a process that cannot allocate more than 4 GB,
/// so that an allocation the size of a damaged manifest aborts instead of swapping.
fn limited(args: &[&std::ffi::OsStr]) -> std::process::Output {
    let output = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 4000000 && exec \"$0\" \"$@\"")
        .arg(assert_cmd::cargo::cargo_bin("blockade"))
        .args(args)
        .output()
        .expect("runs");
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("memory allocation"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn shard_run(out: &Path, shard: &str) {
    let output = common::blockade()
        .arg("run")
        .arg(common::bundled("bass-validation.toml"))
        .args(["--quiet", "--population", "100", "--replicates", "2"])
        .args(["--shard", shard, "--out"])
        .arg(out)
        .output()
        .expect("runs");
    assert!(output.status.success());
}

/// Item 9: sizes read from a flag or a manifest are checked before anything of that size is
/// allocated: `--replicates 4294967295`, a merge of shard 1/4294967295, a run.json whose
/// replicates were changed. Each used to abort on a failed allocation (exit 134).
#[test]
fn sizes_are_checked_before_allocating() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let output = limited(&[
        "run".as_ref(),
        common::bundled("bass-validation.toml").as_os_str(),
        "--replicates".as_ref(),
        "4294967295".as_ref(),
        "--out".as_ref(),
        tmp.path().join("r").as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(2), "--replicates 4294967295");
    assert!(String::from_utf8_lossy(&output.stderr).contains("not enough memory"));

    let shard = tmp.path().join("s1");
    shard_run(&shard, "1/4294967295");
    let output = limited(&[
        "merge".as_ref(),
        shard.as_os_str(),
        "--out".as_ref(),
        tmp.path().join("m").as_os_str(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("and 4294967284 more"), "{stderr}");

    let out = tmp.path().join("d");
    assert!(small_run(&out, "1").status.success());
    let path = out.join("run.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("run.json")).expect("json");
    manifest["replicates"] = 100_000.into();
    std::fs::write(&path, serde_json::to_vec(&manifest).expect("json")).expect("write");
    for command in ["compare", "plot"] {
        let output = limited(&[command.as_ref(), out.as_os_str()]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{command}: {stderr}");
        assert!(
            stderr.contains("more than the file's"),
            "{command}: {stderr}"
        );
    }
}

/// Item 6: `merge` without `--out` takes the folder name from the shards' manifest, which
/// must be the name its hash covers and a scenario name; a manifest naming `../../x` used to
/// write outside `output/`. Replacing an earlier folder says what it held.
#[test]
fn merge_checks_the_name_it_writes_under_and_says_what_it_replaces() {
    let tmp = tempfile::tempdir().expect("temp dir");
    for i in ["1", "2"] {
        shard_run(&tmp.path().join(format!("s{i}")), &format!("{i}/2"));
    }
    let merge = || {
        common::blockade()
            .current_dir(tmp.path())
            .args(["merge", "s1", "s2"])
            .output()
            .expect("runs")
    };
    let first = merge();
    assert!(first.status.success());
    let second = merge();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("replacing output/bass-validation, which holds a run of")
            && stderr.contains("(seed 1, 100 agents, 2 replicates)"),
        "{stderr}"
    );

    let edit = |rehash: bool| {
        for i in ["1", "2"] {
            let path = tmp.path().join(format!("s{i}/shard.json"));
            let mut manifest: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&path).expect("shard.json")).expect("json");
            manifest["run"]["resolved"]["scenario"]["name"] = "../../x".into();
            if rehash {
                let hash = blockade::output::json_sha256(&manifest["run"]["resolved"]);
                manifest["run"]["resolved_sha256"] = hash.into();
            }
            std::fs::write(&path, serde_json::to_vec(&manifest).expect("json")).expect("write");
        }
    };
    edit(false);
    let output = merge();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("does not match its resolved_sha256"),
        "{stderr}"
    );
    edit(true);
    let output = merge();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is not a name"), "{stderr}");
    assert!(!tmp.path().join("../x").exists() && !tmp.path().join("x").exists());
}

/// Item 7: `compare` only reads (it works on a folder it may not write, and never races a run
/// replacing the folder); `--write-metrics` rewrites metrics.csv in the folder it read.
#[test]
fn compare_only_reads_unless_asked_to_write() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("d");
    assert!(small_run(&out, "1").status.success());
    let metrics = std::fs::read(out.join("metrics.csv")).expect("metrics.csv");
    std::fs::remove_file(out.join("metrics.csv")).expect("rm");
    let before = common::folder_bytes(&out);
    let output = common::blockade()
        .args(["compare", "--at", "2024-03-01"])
        .arg(&out)
        .output()
        .expect("runs");
    assert!(output.status.success());
    assert!(
        common::folder_bytes(&out) == before,
        "compare wrote to the folder"
    );

    let output = common::blockade()
        .args(["compare", "--write-metrics"])
        .arg(&out)
        .output()
        .expect("runs");
    assert!(output.status.success());
    assert_eq!(
        std::fs::read(out.join("metrics.csv")).expect("written"),
        metrics,
        "the rewritten metrics.csv is the run's"
    );
    assert_eq!(names_in(tmp.path()), ["d"]);
}

/// Item 13: `compare` refuses a damaged flows.csv (exit 2) instead of computing
/// `switches_away` from it: a repeated row, or a count that does not lead from one step's
/// counts in adoption.csv to the next's.
#[test]
fn compare_refuses_a_damaged_flows_file() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("d");
    assert!(small_run(&out, "1").status.success());
    let original = std::fs::read_to_string(out.join("flows.csv")).expect("flows.csv");
    let lines: Vec<&str> = original.lines().collect();
    assert!(lines.len() > 3, "a run with flows");
    let repeated = format!("{original}{}\n", lines[2]);
    let mut fields: Vec<String> = lines[2].split(',').map(String::from).collect();
    let agents: u64 = fields.last().expect("agents").parse().expect("a count");
    *fields.last_mut().expect("agents") = (agents + 1).to_string();
    let changed = original.replacen(lines[2], &fields.join(","), 1);
    for (damage, text, expected) in [
        ("a repeated row", repeated, "a repeated row"),
        ("a changed count", changed, "do not lead from step"),
    ] {
        std::fs::write(out.join("flows.csv"), text).expect("write");
        let output = common::blockade()
            .arg("compare")
            .arg(&out)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{damage}: {stderr}");
        assert!(stderr.contains(expected), "{damage}: {stderr}");
    }
}

/// A newcomer's friction: `compare` printed every row; `--variant`, `--state` and `--metric`
/// keep only the rows asked for, and an unknown name is refused naming the flag.
#[test]
fn compare_prints_only_the_rows_asked_for() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("d");
    common::run_quiet(
        &common::bundled("openai-api-block-2024.toml"),
        &out,
        &["--population", "1000", "--replicates", "2"],
    );
    let output = common::blockade()
        .arg("compare")
        .arg(&out)
        .args([
            "--format",
            "csv",
            "--variant",
            "no-block",
            "--state",
            "qwen",
        ])
        .args(["--metric", "share", "--metric", "switches_away"])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut reader = csv::Reader::from_reader(stdout.as_bytes());
    let header = reader.headers().expect("header").clone();
    let column = |name: &str| header.iter().position(|h| h == name).expect(name);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert!(!rows.is_empty());
    let mut metrics: Vec<&str> = rows.iter().map(|r| &r[column("metric")]).collect();
    metrics.sort();
    metrics.dedup();
    assert_eq!(metrics, ["share", "switches_away"]);
    assert!(rows.iter().all(|r| &r[column("variant")] == "no-block"));
    assert!(rows.iter().all(|r| &r[column("state")] == "qwen"));

    let output = common::blockade()
        .arg("compare")
        .arg(&out)
        .args(["--metric", "shares"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr.starts_with("error: --metric: unknown name 'shares'"),
        "{stderr}"
    );
}

/// `check` of scenarios/minimal.toml with one edit: refused with exit 2 and one line naming
/// the key and saying `expected`.
fn refused_edit(from: &str, to: &str, key: &str, expected: &str) {
    let text = std::fs::read_to_string(common::bundled("minimal.toml")).expect("minimal.toml");
    assert!(text.contains(from), "minimal.toml has no '{from}'");
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = tmp.path().join("edited.toml");
    std::fs::write(&file, text.replacen(from, to, 1)).expect("write");
    let output = common::blockade()
        .arg("check")
        .arg(&file)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{to}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{to}: {stderr}");
    assert!(
        stderr.contains(&format!(": {key}: ")) && stderr.contains(expected),
        "{to}: expected {key}: …{expected}… in {stderr}"
    );
}

/// Item 14: identifiers start with a letter and are not words pandas, polars or R read as
/// missing or as numbers (`nan`, `null`, `-1` and `1e5` used to be valid names).
#[test]
fn identifiers_that_read_as_missing_or_numbers_are_refused() {
    for (name, expected) in [
        ("nan", "reads as a missing value"),
        ("null", "reads as a missing value"),
        ("na", "reads as a missing value"),
        ("none", "reads as a missing value"),
        ("1e5", "starting with a letter"),
        ("-1", "starting with a letter"),
    ] {
        refused_edit(
            "name = \"developers\"",
            &format!("name = \"{name}\""),
            &format!("segments.{name}.name"),
            expected,
        );
    }
}

/// Item 15: an origin is a lower-case ISO 3166 alpha-2 code (`CN` used to be accepted and
/// counted as foreign), and `domestic` and `foreign`, which the metrics' rows use, are
/// reserved.
#[test]
fn origins_are_country_codes_and_output_words_are_reserved() {
    refused_edit(
        "origin = \"cn\"",
        "origin = \"CN\"",
        "providers.domestic_api.origin",
        "write it in lower case: 'cn'",
    );
    refused_edit(
        "origin = \"cn\"",
        "origin = \"xx\"",
        "providers.domestic_api.origin",
        "not a lower-case ISO 3166 country code",
    );
    for word in ["domestic", "foreign"] {
        refused_edit(
            "id = \"domestic_api\"",
            &format!("id = \"{word}\""),
            &format!("providers.{word}.id"),
            "is a reserved word",
        );
    }
}

/// Item 16: one `set` table naming a path twice, quoted and dotted, is refused (one of the
/// two values used to win silently).
#[test]
fn a_set_table_naming_a_path_twice_is_refused() {
    refused_edit(
        "\"providers.foreign_api.risk\" = 0.05",
        "providers.foreign_api.friction = 3.0",
        "events.block.set.providers.foreign_api.friction",
        "names this path twice",
    );
}

/// Item 17: a horizon past 9999-12-31 is refused (it used to write `+10000-01-01` dates), and
/// numbers in messages are short: `0.9`, not `0.8999999999999999`; `1e300`, not 301 digits.
#[test]
fn horizons_past_9999_are_refused_and_numbers_in_messages_are_short() {
    refused_edit(
        "steps = 52 ",
        "steps = 420000 ",
        "scenario.steps",
        "past 9999-12-31",
    );
    refused_edit(
        "tasks = { text = 1.0 }",
        "tasks = { text = 0.3, code = 0.6 }",
        "segments.developers.tasks",
        "fractions sum to 0.9, not 1",
    );
    refused_edit(
        "price = 10.0",
        "price = 1e300",
        "providers.domestic_api.price",
        "(at most 1e9), not 1e300",
    );
}
