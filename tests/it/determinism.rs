//! Reproducibility (docs/MODEL.md, 7.9 Random streams and common random numbers): the same scenario
//! and seed give byte-identical CSV files whatever the thread count, whether the work is split
//! across tasks or across blocks of agents, and on every repetition; another seed gives other
//! curves.

use crate::common;

use std::path::Path;

const CSV_FILES: [&str; 5] = [
    "adoption.csv",
    "summary.csv",
    "comparison.csv",
    "flows.csv",
    "metrics.csv",
];

fn run(out: &Path, threads: &str, extra: &[&str]) {
    common::blockade()
        .arg("run")
        .arg(common::bundled("openai-api-block-2024.toml"))
        .args(["--quiet", "--threads", threads, "--out"])
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

fn csv_bytes(dir: &Path) -> Vec<Vec<u8>> {
    CSV_FILES
        .iter()
        .map(|f| std::fs::read(dir.join(f)).expect("output file"))
        .collect()
}

fn resolved_sha256(dir: &Path) -> String {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("run.json")).expect("run.json"))
            .expect("json");
    json["resolved_sha256"].as_str().expect("hash").to_owned()
}

fn assert_same_for_one_and_two_threads(extra: &[&str]) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (one, two, again) = (
        tmp.path().join("one"),
        tmp.path().join("two"),
        tmp.path().join("again"),
    );
    run(&one, "1", extra);
    run(&two, "2", extra);
    run(&again, "2", extra);
    assert!(
        csv_bytes(&one) == csv_bytes(&two),
        "--threads 1 and 2 differ for {extra:?}"
    );
    assert!(
        csv_bytes(&two) == csv_bytes(&again),
        "two runs differ for {extra:?}"
    );
    assert_eq!(resolved_sha256(&one), resolved_sha256(&two));
}

/// Many small tasks: tasks run in parallel, each on one thread.
#[test]
fn many_tasks_give_identical_bytes_on_one_and_two_threads() {
    assert_same_for_one_and_two_threads(&["--population", "3000", "--replicates", "3"]);
}

/// One large task: its steps are split across threads in blocks of agents.
#[test]
fn one_task_split_across_threads_gives_identical_bytes() {
    assert_same_for_one_and_two_threads(&[
        "--population",
        "40000",
        "--replicates",
        "1",
        "--variant",
        "baseline",
    ]);
}

/// The other two kinds of network, split across threads too.
#[test]
fn scale_free_and_complete_networks_are_reproducible() {
    for kind in ["network.kind=scale_free", "network.kind=complete"] {
        assert_same_for_one_and_two_threads(&[
            "--population",
            "35000",
            "--replicates",
            "1",
            "--variant",
            "no-block",
            "--set",
            kind,
        ]);
    }
}

#[test]
fn different_seeds_give_different_curves() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let args = [
        "--population",
        "3000",
        "--replicates",
        "2",
        "--variant",
        "baseline",
    ];
    run(
        &tmp.path().join("a"),
        "2",
        &[&args[..], &["--seed", "1"]].concat(),
    );
    run(
        &tmp.path().join("b"),
        "2",
        &[&args[..], &["--seed", "2"]].concat(),
    );
    let a = common::read_csv(&tmp.path().join("a/adoption.csv"));
    let b = common::read_csv(&tmp.path().join("b/adoption.csv"));
    assert_eq!(a.rows.len(), b.rows.len());
    let differing = a
        .rows
        .iter()
        .zip(&b.rows)
        .filter(|(x, y)| x["agents"] != y["agents"])
        .count();
    assert!(
        differing > a.rows.len() / 4,
        "only {differing} of {} rows differ",
        a.rows.len()
    );
}
