//! Choosing the tables a run writes (docs/FORMAT.md, `run --tables` and `[output]`): a sweep
//! writes its metrics and neither its per-replicate counts nor its curves unless asked, every
//! file it writes is byte-identical to the same file of a run that writes everything, its
//! shards hold no counts and merge byte-identically, and bad lists are one-line refusals.

use crate::common;

use std::path::{Path, PathBuf};

/// The tiny sweep without its `[output]` table, so that the sweep's defaults apply.
fn default_sweep(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/tiny-sweep.toml"),
    )
    .expect("tiny-sweep.toml");
    let start = text.find("[output]").expect("an [output] table");
    let end = start + text[start..].find("\n\n").expect("a blank line after it");
    let path = dir.join("sweep.toml");
    std::fs::write(&path, format!("{}{}", &text[..start], &text[end + 2..])).expect("written");
    path
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn bytes(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(file).display()))
}

#[test]
fn a_sweep_writes_its_metrics_only_and_says_how_to_get_the_rest() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = default_sweep(tmp.path());
    let lean = tmp.path().join("lean");
    let output = common::blockade()
        .arg("run")
        .arg(&file)
        .arg("--out")
        .arg(&lean)
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("skipped adoption, flows, summary, comparison:")
            && stderr.contains("--tables metrics,summary,comparison")
            && stderr.contains("--tables all"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !stdout.contains("summary.csv") && stdout.contains("its metrics in metrics.csv"),
        "{stdout}"
    );
    assert_eq!(
        names(&lean),
        ["metrics.csv", "points.csv", "robustness.csv", "run.json"]
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&bytes(&lean, "run.json")).expect("run.json");
    assert_eq!(manifest["tables"], serde_json::json!(["metrics"]));
    // The statistics' curves, as the message says; and everything, as the file's own
    // [output] asks: the metrics computed in memory are the ones a reader of the counts
    // computes (`compare --write-metrics` rewrites them).
    let curves = tmp.path().join("curves");
    common::run_quiet(&file, &curves, &["--tables", "metrics,summary,comparison"]);
    assert_eq!(
        names(&curves),
        [
            "comparison.csv",
            "metrics.csv",
            "points.csv",
            "robustness.csv",
            "run.json",
            "summary.csv"
        ]
    );
    let full = tmp.path().join("full");
    common::run_quiet(&file, &full, &["--tables", "all"]);
    for dir in [&lean, &curves] {
        for name in names(dir).iter().filter(|n| n.ends_with(".csv")) {
            assert!(bytes(dir, name) == bytes(&full, name), "{name} differs");
        }
    }
    let metrics = bytes(&full, "metrics.csv");
    let robustness = bytes(&full, "robustness.csv");
    common::blockade()
        .args(["compare", "--write-metrics"])
        .arg(&full)
        .assert()
        .success();
    assert!(
        bytes(&full, "metrics.csv") == metrics,
        "compare computes other metrics"
    );
    assert!(bytes(&full, "robustness.csv") == robustness);
}

#[test]
fn the_tables_asked_for_are_the_tables_written() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = common::bundled("minimal.toml");
    let all = tmp.path().join("all");
    common::run_quiet(&file, &all, &["--population", "300", "--replicates", "2"]);
    let some = tmp.path().join("some");
    common::run_quiet(
        &file,
        &some,
        &[
            "--population",
            "300",
            "--replicates",
            "2",
            "--tables",
            "flows,summary",
        ],
    );
    assert_eq!(names(&some), ["flows.csv", "run.json", "summary.csv"]);
    for name in ["flows.csv", "summary.csv"] {
        assert!(bytes(&some, name) == bytes(&all, name), "{name} differs");
    }
}

#[test]
fn shards_of_a_lean_sweep_hold_no_counts_and_merge_byte_identically() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = default_sweep(tmp.path());
    let whole = tmp.path().join("whole");
    common::run_quiet(&file, &whole, &[]);
    for n in [2u32, 5] {
        let shards: Vec<PathBuf> = (1..=n)
            .map(|i| {
                let dir = tmp.path().join(format!("n{n}-{i}"));
                common::run_quiet(&file, &dir, &["--shard", &format!("{i}/{n}")]);
                assert!(!dir.join("adoption.csv").exists() && !dir.join("flows.csv").exists());
                dir
            })
            .collect();
        let merged = tmp.path().join(format!("merged{n}"));
        common::blockade()
            .arg("merge")
            .args(&shards)
            .arg("--out")
            .arg(&merged)
            .arg("--quiet")
            .assert()
            .success();
        assert_eq!(names(&merged), names(&whole), "N = {n}");
        for name in names(&whole).iter().filter(|n| n.ends_with(".csv")) {
            assert!(
                bytes(&whole, name) == bytes(&merged, name),
                "N = {n}: {name} differs"
            );
        }
    }
    // Shards asked for other tables are not one run's.
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    common::run_quiet(&file, &a, &["--shard", "1/2"]);
    common::run_quiet(&file, &b, &["--shard", "2/2", "--tables", "summary"]);
    let output = common::blockade()
        .arg("merge")
        .args([&a, &b])
        .arg("--out")
        .arg(tmp.path().join("refused"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("--tables"));
}

/// A run refused with exit status 2 and one line of stderr containing every one of `words`.
fn assert_refused(file: &Path, extra: &[&str], words: &[&str]) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let output = common::blockade()
        .arg("run")
        .arg(file)
        .arg("--out")
        .arg(tmp.path().join("out"))
        .args(extra)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{extra:?}: {output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    for word in words {
        assert!(stderr.contains(word), "{extra:?}: {stderr}");
    }
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn bad_lists_of_tables_are_one_line_refusals() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = default_sweep(tmp.path());
    assert_refused(
        &file,
        &["--tables", "summary,adoptoin"],
        &["--tables", "adoptoin"],
    );
    assert_refused(
        &file,
        &["--tables", "summary,,metrics"],
        &["--tables", "empty"],
    );
    assert_refused(&file, &["--tables", ""], &["--tables"]);
    // Charts are drawn from the counts, which a sweep leaves out by default.
    assert_refused(&file, &["--plot"], &["--plot", "adoption", "flows"]);
    let text = std::fs::read_to_string(&file).expect("read");
    let bad = tmp.path().join("bad.toml");
    std::fs::write(
        &bad,
        format!("{text}\n[output]\ntables = [\"summary\", \"sumary\"]\n"),
    )
    .expect("written");
    let line = text.lines().count() + 3;
    assert_refused(
        &bad,
        &[],
        &[&format!("bad.toml:{line}"), "output.tables", "sumary"],
    );
    std::fs::write(&bad, format!("{text}\n[output]\ntables = []\n")).expect("written");
    assert_refused(&bad, &[], &["output.tables"]);
}
