//! Shards and merge (docs/MODEL.md, 11. Sweeps and shards): shards merged give byte-identical CSV
//! files to an unsharded run, whatever N and the order the folders are given in; a missing,
//! duplicated, foreign, truncated or damaged shard is refused with exit status 2 and a one-line
//! message naming it, and a refused merge leaves the output folder as it was.

use crate::common;

use std::path::{Path, PathBuf};

const CSV_FILES: [&str; 5] = [
    "adoption.csv",
    "summary.csv",
    "comparison.csv",
    "flows.csv",
    "metrics.csv",
];

fn tiny() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/tiny-sweep.toml")
}

use common::run_quiet as run;

/// Runs every shard of N into `root/I`; returns the folders in shard order.
fn run_shards(file: &Path, root: &Path, n: u32, extra: &[&str]) -> Vec<PathBuf> {
    (1..=n)
        .map(|i| {
            let dir = root.join(i.to_string());
            let shard = format!("{i}/{n}");
            let mut args = vec!["--shard", shard.as_str()];
            args.extend_from_slice(extra);
            run(file, &dir, &args);
            dir
        })
        .collect()
}

fn merge(shards: &[PathBuf], out: &Path) -> std::process::Output {
    common::blockade()
        .arg("merge")
        .args(shards)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .output()
        .expect("runs")
}

fn bytes(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(file).display()))
}

fn json(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&bytes(dir, "run.json")).expect("run.json")
}

fn assert_same_csv(whole: &Path, merged: &Path, files: &[&str], what: &str) {
    for file in files {
        assert!(
            bytes(whole, file) == bytes(merged, file),
            "{what}: {file} differs from the unsharded run's"
        );
    }
}

#[test]
fn merged_shards_are_byte_identical_to_an_unsharded_run() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let whole = tmp.path().join("whole");
    run(&tiny(), &whole, &[]);
    let mut files = CSV_FILES.to_vec();
    files.extend(["points.csv", "robustness.csv"]);
    // 18 tasks: three shards of six; one shard of all; 20 shards, two of them empty.
    for n in [3, 1, 20] {
        let root = tmp.path().join(format!("n{n}"));
        let mut shards = run_shards(&tiny(), &root, n, &[]);
        // Any order of folders will do.
        shards.reverse();
        let merged = root.join("merged");
        let output = merge(&shards, &merged);
        assert!(output.status.success(), "N = {n}: {output:?}");
        assert_same_csv(&whole, &merged, &files, &format!("N = {n}"));
        let (a, b) = (json(&whole), json(&merged));
        assert_eq!(a["resolved_sha256"], b["resolved_sha256"]);
        assert_eq!(a["resolved"], b["resolved"]);
        assert_eq!(a["variants"], b["variants"]);
        assert_eq!(a["agent_steps"], b["agent_steps"], "N = {n}");
        assert_eq!(b["shards"].as_array().map(Vec::len), Some(n as usize));
        let mut names: Vec<String> = std::fs::read_dir(&merged)
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "adoption.csv",
                "comparison.csv",
                "flows.csv",
                "metrics.csv",
                "points.csv",
                "robustness.csv",
                "run.json",
                "summary.csv"
            ]
        );
    }
}

#[test]
fn an_unswept_run_with_a_variant_subset_merges_byte_identically() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = common::bundled("openai-api-block-2024.toml");
    let extra = [
        "--population",
        "600",
        "--replicates",
        "3",
        "--variant",
        "no-block",
    ];
    let whole = tmp.path().join("whole");
    run(&file, &whole, &extra);
    let shards = run_shards(&file, tmp.path(), 4, &extra);
    let merged = tmp.path().join("merged");
    let output = merge(&shards, &merged);
    assert!(output.status.success(), "{output:?}");
    assert_same_csv(&whole, &merged, &CSV_FILES, "unswept");
    assert!(!merged.join("points.csv").exists());
    assert!(!merged.join("robustness.csv").exists());
}

/// Runs a merge that must be refused: status 2, one line naming `names`, and `out` (holding
/// an earlier good run) left byte for byte as it was, with nothing left beside it.
fn assert_refused(shards: &[PathBuf], out: &Path, names: &[&str]) {
    let before = common::folder_bytes(out);
    let parent = out.parent().expect("parent");
    let siblings = std::fs::read_dir(parent).expect("dir").count();
    let output = merge(shards, out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    for name in names {
        assert!(stderr.contains(name), "'{name}' not in: {stderr}");
    }
    assert_eq!(
        common::folder_bytes(out),
        before,
        "the earlier results changed"
    );
    assert_eq!(
        std::fs::read_dir(parent).expect("dir").count(),
        siblings,
        "a temporary folder was left behind"
    );
}

/// Three good shards of the tiny sweep, and an output folder holding an earlier good merge.
fn three_shards(root: &Path) -> (Vec<PathBuf>, PathBuf) {
    let shards = run_shards(&tiny(), &root.join("shards"), 3, &[]);
    let out = root.join("out").join("merged");
    let output = merge(&shards, &out);
    assert!(output.status.success(), "{output:?}");
    (shards, out)
}

fn shown(dir: &Path) -> String {
    dir.display().to_string()
}

#[test]
fn a_missing_shard_is_refused_naming_it() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (shards, out) = three_shards(tmp.path());
    assert_refused(
        &[shards[0].clone(), shards[2].clone()],
        &out,
        &["missing shard 2/3"],
    );
}

#[test]
fn a_duplicated_shard_is_refused_naming_both_folders() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (shards, out) = three_shards(tmp.path());
    // The same shard run twice into two folders.
    let again = tmp.path().join("again");
    run(&tiny(), &again, &["--shard", "2/3"]);
    let mut given = shards.clone();
    given.push(again.clone());
    assert_refused(
        &given,
        &out,
        &[
            "shard 2/3 is given twice",
            &shown(&shards[1]),
            &shown(&again),
        ],
    );
}

#[test]
fn shards_of_different_scenarios_or_seeds_are_refused_naming_the_shard() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (shards, out) = three_shards(tmp.path());
    let other = tmp.path().join("other");
    run(
        &tiny(),
        &other,
        &["--shard", "2/3", "--set", "adoption.innovation=0.03"],
    );
    assert_refused(
        &[shards[0].clone(), other.clone(), shards[2].clone()],
        &out,
        &[&shown(&other), "another scenario", &shown(&shards[0])],
    );
    let reseeded = tmp.path().join("reseeded");
    run(&tiny(), &reseeded, &["--shard", "3/3", "--seed", "12"]);
    assert_refused(
        &[shards[0].clone(), shards[1].clone(), reseeded.clone()],
        &out,
        &[&shown(&reseeded), "seed 12"],
    );
    let split = tmp.path().join("split");
    run(&tiny(), &split, &["--shard", "3/4"]);
    assert_refused(
        &[shards[0].clone(), shards[1].clone(), split.clone()],
        &out,
        &[&shown(&split), "shard 3/4"],
    );
}

#[test]
fn a_truncated_or_damaged_shard_file_is_refused_naming_the_shard() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (shards, out) = three_shards(tmp.path());
    for file in ["adoption.csv", "flows.csv", "points.csv"] {
        let path = shards[1].join(file);
        let good = std::fs::read(&path).expect("file");
        // Truncated: a copy that stopped early.
        std::fs::write(&path, &good[..good.len() - 7]).expect("write");
        assert_refused(&shards, &out, &[&shown(&shards[1]), file, "truncated"]);
        // Damaged: the same size, one digit changed.
        let mut damaged = good.clone();
        let at = damaged
            .iter()
            .rposition(u8::is_ascii_digit)
            .expect("a digit");
        damaged[at] = if damaged[at] == b'1' { b'2' } else { b'1' };
        std::fs::write(&path, &damaged).expect("write");
        assert_refused(&shards, &out, &[&shown(&shards[1]), file, "SHA-256"]);
        std::fs::write(&path, &good).expect("restore");
    }
    // Restored, the shards merge again.
    assert!(merge(&shards, &tmp.path().join("again")).status.success());
}

#[test]
fn folders_that_are_not_shards_are_refused() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (shards, out) = three_shards(tmp.path());
    // A run's output folder is not a shard folder.
    assert_refused(
        &[shards[0].clone(), out.clone(), shards[2].clone()],
        &out,
        &[&shown(&out), "not a shard folder"],
    );
    let nowhere = tmp.path().join("nowhere");
    assert_refused(
        std::slice::from_ref(&nowhere),
        &out,
        &[&shown(&nowhere), "no such folder"],
    );
    // A manifest someone edited by hand: its task list is not its shard's.
    let manifest = shards[0].join("shard.json");
    let good = std::fs::read_to_string(&manifest).expect("shard.json");
    let mut edited: serde_json::Value = serde_json::from_str(&good).expect("json");
    edited["tasks"] = serde_json::json!([0, 1, 2]);
    std::fs::write(&manifest, edited.to_string()).expect("write");
    assert_refused(&shards, &out, &[&shown(&shards[0]), "task list"]);
    std::fs::write(&manifest, "{ not json").expect("write");
    assert_refused(&shards, &out, &[&shown(&shards[0]), "shard.json"]);
    // Merging into one of the shard folders would destroy it.
    std::fs::write(&manifest, good).expect("restore");
    let output = merge(&shards, &shards[2]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(shards[2].join("shard.json").exists());
}

#[test]
fn a_shard_folder_is_replaced_whole_by_a_rerun() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("shard");
    run(&tiny(), &dir, &["--shard", "1/2"]);
    run(&tiny(), &dir, &["--shard", "2/2"]);
    let manifest: serde_json::Value =
        serde_json::from_slice(&bytes(&dir, "shard.json")).expect("json");
    assert_eq!(manifest["shard"], 2);
    assert_eq!(std::fs::read_dir(tmp.path()).expect("dir").count(), 1);
}
