//! `--format parquet` (docs/FORMAT.md, Output files): a run's tables as Parquet files are the
//! same bytes whatever the threads or the shards, hold what the CSV of the same run holds
//! (every command that reads a folder reads both alike), and a damaged one is refused with
//! exit status 2 and one line naming it. The values themselves are compared column by column
//! in pandas and polars by scripts/check_parquet.py, which CI runs.

use crate::common::{self, run_quiet as run};

use std::path::{Path, PathBuf};

/// tiny-sweep (3 points, 18 tasks) with usage in one segment, so that every table is written.
fn tiny_with_usage(dir: &Path) -> PathBuf {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/tiny-sweep.toml");
    let text = std::fs::read_to_string(file).expect("tiny-sweep.toml");
    let anchor = "heterogeneity = 0.2\n";
    assert!(text.contains(anchor));
    let text = text.replacen(
        anchor,
        &format!("{anchor}usage = {{ median = 1.5, sigma = 0.8 }}\n"),
        1,
    );
    let path = dir.join("tiny-usage.toml");
    std::fs::write(&path, text).expect("write scenario");
    path
}

const TABLES: [&str; 8] = [
    "adoption",
    "comparison",
    "flows",
    "metrics",
    "points",
    "robustness",
    "summary",
    "usage",
];

/// The folder's files but run.json (whose timings differ from run to run), by name.
fn tables(dir: &Path) -> Vec<(String, Vec<u8>)> {
    common::folder_bytes(dir)
        .into_iter()
        .filter(|(name, _)| name != "run.json")
        .collect()
}

fn names(dir: &Path) -> Vec<String> {
    tables(dir).into_iter().map(|(name, _)| name).collect()
}

fn with_extension(extension: &str) -> Vec<String> {
    TABLES.iter().map(|t| format!("{t}.{extension}")).collect()
}

fn run_json(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("run.json")).expect("run.json")).expect("JSON")
}

#[test]
fn parquet_tables_are_the_same_bytes_whatever_the_threads_or_the_shards() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = tiny_with_usage(tmp.path());
    let one = tmp.path().join("one");
    let two = tmp.path().join("two");
    run(&file, &one, &["--format", "parquet", "--threads", "1"]);
    run(&file, &two, &["--format", "parquet", "--threads", "2"]);
    assert_eq!(names(&one), with_extension("parquet"));
    assert_eq!(run_json(&one)["format"], "parquet");
    assert!(tables(&one) == tables(&two), "--threads 1 and 2 differ");

    // The shards are CSV; their merge writes the format they were run with.
    let shards: Vec<PathBuf> = (1..=3)
        .map(|i| {
            let dir = tmp.path().join(format!("shard{i}"));
            let shard = format!("{i}/3");
            run(&file, &dir, &["--shard", &shard, "--format", "parquet"]);
            dir
        })
        .collect();
    assert!(
        names(&shards[0]).iter().all(|n| !n.ends_with(".parquet")),
        "{:?}",
        names(&shards[0])
    );
    let merged = tmp.path().join("merged");
    common::blockade()
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&merged)
        .arg("--quiet")
        .assert()
        .success();
    assert_eq!(run_json(&merged)["format"], "parquet");
    for ((name, a), (_, b)) in tables(&one).iter().zip(tables(&merged)) {
        assert!(
            *a == b,
            "{name}: the merged shards differ from the single run"
        );
    }
    assert_eq!(names(&merged), names(&one));

    // --format csv on the merge writes what a CSV run writes.
    let csv = tmp.path().join("csv");
    run(&file, &csv, &[]);
    assert!(run_json(&csv).get("format").is_none());
    let merged_csv = tmp.path().join("merged-csv");
    common::blockade()
        .arg("merge")
        .args(&shards)
        .args(["--format", "csv", "--quiet", "--out"])
        .arg(&merged_csv)
        .assert()
        .success();
    assert_eq!(names(&csv), with_extension("csv"));
    assert!(
        tables(&csv) == tables(&merged_csv),
        "merge --format csv differs"
    );
}

/// What `blockade ARGS` prints, which must succeed.
fn stdout(args: &[&str], dir: &Path) -> Vec<u8> {
    let output = common::blockade()
        .args(args)
        .arg(dir)
        .output()
        .expect("runs");
    assert!(output.status.success(), "{args:?}: {output:?}");
    output.stdout
}

#[test]
fn a_parquet_folder_reads_back_as_the_csv_folder_of_the_same_run() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = tiny_with_usage(tmp.path());
    let csv = tmp.path().join("csv");
    let parquet = tmp.path().join("parquet");
    run(&file, &csv, &[]);
    run(&file, &parquet, &["--format", "parquet"]);
    for args in [
        &["compare", "--format", "csv"][..],
        &["compare", "--format", "json", "--measure", "usage"],
        &["compare"],
    ] {
        // The same, but that the printed tables name the folder's metrics file.
        assert_eq!(
            String::from_utf8_lossy(&stdout(args, &csv)),
            String::from_utf8_lossy(&stdout(args, &parquet))
                .replace("metrics.parquet", "metrics.csv"),
            "{args:?}"
        );
    }
    for point in ["0", "2"] {
        let chart = |dir: &Path| {
            let name = dir.file_name().expect("name").to_string_lossy();
            let out = tmp.path().join(format!("{name}-{point}.svg"));
            common::blockade()
                .args(["plot", "--point", point, "--output"])
                .arg(&out)
                .arg(dir)
                .assert()
                .success();
            std::fs::read(out).expect("chart")
        };
        assert!(
            chart(&csv) == chart(&parquet),
            "point {point}: the charts differ"
        );
    }
    // Rewriting the metrics from what was read gives the bytes the run wrote.
    let before = std::fs::read(parquet.join("metrics.parquet")).expect("metrics");
    stdout(&["compare", "--write-metrics", "--format", "csv"], &parquet);
    assert!(std::fs::read(parquet.join("metrics.parquet")).expect("metrics") == before);
    assert!(!parquet.join("metrics.csv").exists());
}

#[test]
fn a_damaged_parquet_table_is_refused_naming_it() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = tiny_with_usage(tmp.path());
    let dir = tmp.path().join("run");
    run(&file, &dir, &["--format", "parquet"]);
    let adoption = dir.join("adoption.parquet");
    let bytes = std::fs::read(&adoption).expect("adoption");
    std::fs::write(&adoption, &bytes[..bytes.len() / 2]).expect("truncate");
    let output = common::blockade()
        .arg("compare")
        .arg(&dir)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("adoption.parquet"), "{stderr}");

    // Another table in its place: fewer rows than run.json implies, or other columns.
    for other in ["summary.parquet", "usage.parquet"] {
        std::fs::copy(dir.join(other), &adoption).expect("copy");
        let output = common::blockade()
            .arg("compare")
            .arg(&dir)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains("adoption.parquet"), "{stderr}");
        if other == "usage.parquet" {
            assert!(stderr.contains("unexpected header"), "{stderr}");
        }
    }
}

/// `file` with `line` added to its `[output]` table.
fn with_output_line(dir: &Path, file: &Path, line: &str) -> PathBuf {
    let text = std::fs::read_to_string(file).expect("scenario");
    assert!(text.contains("\n[output]\n"));
    let path = dir.join("with-output.toml");
    std::fs::write(
        &path,
        text.replacen("\n[output]\n", &format!("\n[output]\n{line}\n"), 1),
    )
    .expect("write scenario");
    path
}

#[test]
fn output_format_in_the_file_chooses_the_format_and_the_flag_overrides_it() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = with_output_line(
        tmp.path(),
        &tiny_with_usage(tmp.path()),
        "format = \"parquet\"",
    );
    let chosen = tmp.path().join("chosen");
    let overridden = tmp.path().join("overridden");
    run(&file, &chosen, &[]);
    run(&file, &overridden, &["--format", "csv"]);
    assert_eq!(names(&chosen), with_extension("parquet"));
    assert_eq!(run_json(&chosen)["format"], "parquet");
    assert_eq!(names(&overridden), with_extension("csv"));

    let bad = with_output_line(
        tmp.path(),
        &tiny_with_usage(tmp.path()),
        "format = \"xlsx\"",
    );
    let output = common::blockade()
        .arg("check")
        .arg(&bad)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("output.format") && stderr.contains("csv or parquet"),
        "{stderr}"
    );
}

#[test]
fn messages_about_a_parquet_folder_name_its_parquet_files() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = tiny_with_usage(tmp.path());
    let dir = tmp.path().join("lean");
    let output = common::blockade()
        .arg("run")
        .arg(&file)
        .args(["--format", "parquet", "--tables", "metrics", "--out"])
        .arg(&dir)
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let closing = String::from_utf8_lossy(&output.stdout);
    assert!(
        closing.contains("its metrics in metrics.parquet")
            && closing.contains("points.parquet")
            && closing.contains("robustness.parquet summarises"),
        "{closing}"
    );
    let output = common::blockade()
        .arg("compare")
        .arg(&dir)
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        printed.contains("are in metrics.parquet") && !printed.contains("metrics.csv"),
        "{printed}"
    );
    let output = common::blockade()
        .arg("plot")
        .arg(&dir)
        .arg("-o")
        .arg(tmp.path().join("chart.svg"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let refused = String::from_utf8_lossy(&output.stderr);
    assert!(!refused.contains("metrics.csv"), "{refused}");
}
