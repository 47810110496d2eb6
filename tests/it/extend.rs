//! `run --extend` (docs/FORMAT.md, run): a folder holding R replicates, extended to more,
//! holds the files of a fresh run with the larger count, byte for byte, swept or not, with
//! usage or not; a folder of another run, or without the per-replicate tables, is refused
//! with exit status 2 naming what differs, and left as it was.

use crate::common::{self, blockade, folder_bytes, run_quiet};

use std::path::{Path, PathBuf};

fn tiny() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/tiny-sweep.toml")
}

/// The tables of a folder (CSV or Parquet), by name, with their bytes.
fn csv_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    folder_bytes(dir)
        .into_iter()
        .filter(|(name, _)| name.ends_with(".csv") || name.ends_with(".parquet"))
        .collect()
}

/// Runs `file` with `replicates`, then extends the folder to `more`, and compares it with a
/// fresh run of `more` replicates.
fn extended_equals_fresh(
    file: &Path,
    flags: &[&str],
    replicates: &'static str,
    more: &'static str,
) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let (extended, fresh) = (dir.path().join("extended"), dir.path().join("fresh"));
    let with = |count: &'static str, extra: &[&'static str]| {
        let mut args: Vec<&str> = flags.to_vec();
        args.extend_from_slice(&["--replicates", count]);
        args.extend_from_slice(extra);
        args
    };
    run_quiet(file, &extended, &with(replicates, &[]));
    run_quiet(file, &extended, &with(more, &["--extend"]));
    run_quiet(file, &fresh, &with(more, &[]));
    let (got, want) = (csv_files(&extended), csv_files(&fresh));
    assert!(want.iter().any(|(name, _)| name.starts_with("adoption.")));
    assert_eq!(
        got.iter().map(|(n, _)| n).collect::<Vec<_>>(),
        want.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );
    for ((name, a), (_, b)) in got.iter().zip(&want) {
        assert!(
            a == b,
            "{name} differs from a fresh run's ({file:?}, {flags:?})"
        );
    }
}

#[test]
fn an_extended_sweep_is_byte_identical_to_a_fresh_run() {
    extended_equals_fresh(&tiny(), &["--threads", "2"], "2", "5");
    extended_equals_fresh(&tiny(), &["--format", "parquet"], "1", "3");
    // Extended twice, and with nothing to add.
    let dir = tempfile::tempdir().expect("temporary folder");
    let out = dir.path().join("twice");
    run_quiet(&tiny(), &out, &["--replicates", "1"]);
    run_quiet(&tiny(), &out, &["--replicates", "3", "--extend"]);
    run_quiet(&tiny(), &out, &["--replicates", "3", "--extend"]);
    run_quiet(&tiny(), &out, &["--replicates", "4", "--extend"]);
    let fresh = dir.path().join("fresh");
    run_quiet(&tiny(), &fresh, &["--replicates", "4"]);
    assert_eq!(csv_files(&out), csv_files(&fresh));
}

#[test]
fn an_extended_unswept_run_with_usage_is_byte_identical_to_a_fresh_run() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let file = dir.path().join("usage.toml");
    // The flagship declares usage in every segment.
    let text =
        std::fs::read_to_string(common::bundled("openai-api-block-2024.toml")).expect("flagship");
    assert!(text.contains("\nusage = {"), "the flagship declares usage");
    std::fs::write(&file, text).expect("write scenario");
    let flags = ["--population", "800", "--variant", "vpn-crackdown"];
    extended_equals_fresh(&file, &flags, "2", "3");
    let out = dir.path().join("run");
    run_quiet(&file, &out, &["--population", "800", "--replicates", "2"]);
    assert!(out.join("usage.csv").is_file());
}

/// Runs `--extend --replicates 4` with `extra` on a folder holding a run of the tiny sweep
/// made with `earlier` (2 replicates unless it says), prepared by `damage`; asserts exit status 2 with `expected` in the message
/// and the folder unchanged.
fn refused(earlier: &[&str], damage: impl Fn(&Path), extra: &[&str], expected: &str) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let out = dir.path().join("out");
    let mut args = earlier.to_vec();
    if !args.contains(&"--replicates") {
        args.extend_from_slice(&["--replicates", "2"]);
    }
    run_quiet(&tiny(), &out, &args);
    damage(&out);
    let before = folder_bytes(&out);
    let mut args = vec!["run".to_owned(), tiny().display().to_string()];
    args.extend(["--quiet", "--extend", "--replicates", "4", "--out"].map(str::to_owned));
    args.push(out.display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    let output = blockade().args(&args).output().expect("run blockade");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(expected), "{expected:?} not in: {stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert_eq!(folder_bytes(&out), before, "the refused folder changed");
}

#[test]
fn extending_another_run_or_a_folder_without_counts_is_refused() {
    let nothing = |_: &Path| {};
    refused(&[], nothing, &["--seed", "12"], "seed 11, not 12");
    refused(&["--seed", "12"], nothing, &[], "seed 12, not 11");
    refused(
        &[],
        nothing,
        &["--set", "adoption.imitation=0.2"],
        "differs in resolved.adoption",
    );
    refused(
        &["--set", "adoption.reconsider=0.05"],
        nothing,
        &[],
        "with set = [\"adoption.reconsider=0.05\"]",
    );
    refused(
        &[],
        nothing,
        &["--variant", "no-block"],
        "holds the variants baseline, no-block, cheap-qwen",
    );
    refused(
        &["--replicates", "6"],
        nothing,
        &[],
        "holds 6 replicates, more than the 4",
    );
    for table in ["adoption.csv", "flows.csv"] {
        let remove = move |dir: &Path| std::fs::remove_file(dir.join(table)).expect("remove");
        refused(&[], remove, &[], &format!("lacks {table}"));
    }
    let version = |dir: &Path| {
        let path = dir.join("run.json");
        let text = std::fs::read_to_string(&path).expect("run.json");
        let old = format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION"));
        assert!(text.contains(&old));
        std::fs::write(&path, text.replace(&old, "\"version\": \"0.1.0\"")).expect("write");
    };
    refused(&[], version, &[], "written by blockade 0.1.0");

    let dir = tempfile::tempdir().expect("temporary folder");
    let output = blockade()
        .args(["run", "--quiet", "--extend", "--replicates", "3", "--out"])
        .arg(dir.path().join("none"))
        .arg(tiny())
        .output()
        .expect("run blockade");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("holds no run to extend"));
    assert!(!dir.path().join("none").exists());
}
