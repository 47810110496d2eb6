//! An interrupted run (SIGINT, SIGTERM) stops, exits 130 or 143, leaves the earlier results as
//! they were and no temporary folder behind.
//!
//! How fast it stops is not asserted: a loaded machine can delay any process. A run that does
//! not stop at all fails the hang guard (`common::HANG_GUARD`).

use crate::common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn interrupt_mid_run(signal: &str, expected_status: i32) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("out");
    let scenario = common::bundled("openai-api-block-2024.toml");
    common::blockade()
        .arg("run")
        .arg(&scenario)
        .args([
            "--quiet",
            "--population",
            "1000",
            "--replicates",
            "2",
            "--variant",
            "baseline",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let before = common::folder_bytes(&out);

    // Long enough that it is still simulating when the signal comes.
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("blockade"))
        .arg("run")
        .arg(&scenario)
        .args([
            "--quiet",
            "--population",
            "400000",
            "--replicates",
            "40",
            "--out",
        ])
        .arg(&out)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        child.try_wait().expect("status").is_none(),
        "the run finished before the signal"
    );
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let output = common::wait_within_hang_guard(child, "the interrupted run");
    assert_eq!(
        output.status.code(),
        Some(expected_status),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        common::folder_bytes(&out),
        before,
        "the earlier results changed"
    );
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(leftovers, ["out"], "temporary folders left behind");
}

#[test]
fn sigint_stops_the_run_and_keeps_the_earlier_results() {
    interrupt_mid_run("-INT", 130);
}

#[test]
fn sigterm_stops_the_run_and_keeps_the_earlier_results() {
    interrupt_mid_run("-TERM", 143);
}

/// A signal while the tables are being written stops the writing too: the staged files stop
/// accepting writes, and the run exits at once without its temporary folder.
#[test]
fn sigint_while_writing_the_tables_stops_at_once() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("out");
    let scenario = common::bundled("openai-api-block-2024.toml");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("blockade"))
        .arg("run")
        .arg(&scenario)
        // Little to simulate, about 60 MB of CSV to write.
        .args([
            "--quiet",
            "--population",
            "500",
            "--replicates",
            "200",
            "--out",
        ])
        .arg(&out)
        .spawn()
        .expect("spawn");
    let started = Instant::now();
    let staged_table = loop {
        let staged = std::fs::read_dir(tmp.path())
            .expect("dir")
            .map(|e| e.expect("entry").path().join("adoption.csv"))
            .find(|p| p.exists());
        if let Some(path) = staged {
            break path;
        }
        assert!(
            child.try_wait().expect("status").is_none(),
            "finished before writing was seen"
        );
        assert!(
            started.elapsed() < common::HANG_GUARD,
            "hang guard: no table was being written after {:?}",
            common::HANG_GUARD
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    let status = common::wait_within_hang_guard(child, "the run interrupted while writing").status;
    assert_eq!(status.code(), Some(130));
    assert!(
        !staged_table.exists(),
        "the temporary folder was left behind"
    );
    assert!(!out.exists(), "a partial result was committed");
}
