//! Folders that hold a run's metrics but not its counts (a sweep's default tables, or
//! `--tables metrics`): `compare` prints from metrics.csv (or metrics.parquet) exactly what it
//! prints from the counts, and `report` its page without the charts; what needs the counts
//! (`--at`, `--by vendor`, `plot`) is refused in one line naming the missing table and the
//! flag that writes it; a sensitivity
//! run analyses its metrics alone. Also `compare --variant` without the baseline (each state
//! keeps its label).

use crate::common::{self, blockade, run_quiet};
use std::path::{Path, PathBuf};

fn tiny() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/tiny-sweep.toml")
}

fn stdout_of(args: &[&str], dir: &Path) -> Vec<u8> {
    let output = blockade()
        .arg("compare")
        .arg(dir)
        .args(args)
        .output()
        .expect("runs");
    assert!(output.status.success(), "compare {args:?}: {output:?}");
    output.stdout
}

#[test]
fn compare_prints_the_same_from_a_sweeps_metrics_alone() {
    let tmp = tempfile::tempdir().expect("tmp");
    let full = tmp.path().join("full");
    let lean = tmp.path().join("lean");
    let parquet = tmp.path().join("parquet");
    run_quiet(&tiny(), &full, &["--tables", "all"]);
    run_quiet(&tiny(), &lean, &["--tables", "metrics"]);
    run_quiet(
        &tiny(),
        &parquet,
        &["--tables", "metrics", "--format", "parquet"],
    );
    assert!(!lean.join("adoption.csv").exists() && !lean.join("flows.csv").exists());
    for args in [
        &[][..],
        &["--format", "markdown"],
        &["--format", "csv"],
        &["--format", "json"],
        &["--segment", "startup", "--variant", "no-block"],
        &["--metric", "foreign_share", "--state", "qwen"],
    ] {
        let expected = stdout_of(args, &full);
        assert!(
            stdout_of(args, &lean) == expected,
            "compare {args:?} differs between the folder with counts and the one without"
        );
        // The same, but that the printed tables name the folder's metrics file.
        let named_as_csv = String::from_utf8(stdout_of(args, &parquet))
            .expect("UTF-8")
            .replace("metrics.parquet", "metrics.csv");
        assert!(
            named_as_csv.as_bytes() == expected,
            "compare {args:?} differs on metrics.parquet"
        );
    }
    // Both intervals are there, each saying what it covers.
    let text = String::from_utf8(stdout_of(&[], &lean)).expect("UTF-8");
    assert!(text.contains("Effects with two intervals"), "{text}");
    assert!(
        text.contains("covers only the simulation's noise"),
        "{text}"
    );
}

/// Runs `blockade ARGS...` and checks that it exits 2 with one line naming each of `words`.
fn refused(args: &[&str], dir: &Path, words: &[&str]) {
    let output = blockade()
        .arg(args[0])
        .arg(dir)
        .args(&args[1..])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    for word in words {
        assert!(
            stderr.contains(word),
            "{args:?} does not name {word}: {stderr}"
        );
    }
}

#[test]
fn what_needs_the_counts_is_refused_naming_the_table_and_the_flag() {
    let tmp = tempfile::tempdir().expect("tmp");
    let lean = tmp.path().join("lean");
    run_quiet(&tiny(), &lean, &["--tables", "metrics"]);
    refused(
        &["compare", "--at", "2024-02-01"],
        &lean,
        &["--at", "adoption.csv", "--tables all"],
    );
    refused(
        &["compare", "--by", "vendor"],
        &lean,
        &["--by", "adoption.csv", "--tables all"],
    );
    refused(&["plot"], &lean, &["adoption", "--tables all"]);
    // report works from the metrics, and says why it has no charts.
    let page = tmp.path().join("report.html");
    blockade()
        .arg("report")
        .arg(&lean)
        .arg("-o")
        .arg(&page)
        .assert()
        .success();
    let html = std::fs::read_to_string(&page).expect("report.html");
    assert!(!html.contains("<svg"), "a chart drawn without counts");
    assert!(html.contains("<code>--tables all</code>"));
    assert!(html.contains("data-section=\"robustness\""));

    // A metrics file whose points do not line up is refused, naming it.
    let path = lean.join("metrics.csv");
    let text = std::fs::read_to_string(&path).expect("metrics.csv");
    let mut lines: Vec<&str> = text.lines().collect();
    lines.pop();
    std::fs::write(&path, lines.join("\n") + "\n").expect("written");
    refused(&["compare"], &lean, &["metrics.csv", "point 2"]);
}

#[test]
fn a_sensitivity_run_analyses_its_metrics_alone() {
    let scenario =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/sensitivity-null.toml");
    let tmp = tempfile::tempdir().expect("tmp");
    let full = tmp.path().join("full");
    let lean = tmp.path().join("lean");
    run_quiet(&scenario, &full, &["--tables", "all"]);
    run_quiet(&scenario, &lean, &[]);
    assert!(!lean.join("adoption.csv").exists());
    let bytes = |d: &Path| std::fs::read(d.join("sensitivity.csv")).expect("sensitivity.csv");
    assert!(
        bytes(&full) == bytes(&lean),
        "sensitivity.csv differs between the analysis of the counts and of metrics.csv"
    );
    // compare on a sensitivity folder: the effects with both intervals, the analysed series
    // (the foreign share) naming its parameters by their index, the others by correlation.
    let text = String::from_utf8(stdout_of(&[], &lean)).expect("UTF-8");
    let effects = text
        .split("Effects with two intervals")
        .nth(1)
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        effects.contains("top parameters (index, else rho)"),
        "{text}"
    );
    let line = |label: &str| {
        effects
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no {label} row: {text}"))
    };
    let foreign = line("foreign");
    let top = foreign.split("  ").last().unwrap_or_default().trim();
    assert!(
        top.starts_with("segments.developers.capabilities.vpn ") && !top.contains("rho"),
        "{foreign}"
    );
    assert!(line("domestic (cn)").contains(" rho "), "{text}");
}

#[test]
fn compare_variant_without_the_baseline_labels_every_state() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("minimal");
    run_quiet(
        &common::bundled("minimal.toml"),
        &out,
        &["--population", "300", "--replicates", "2"],
    );
    let text = String::from_utf8(stdout_of(&["--variant", "no-block"], &out)).expect("UTF-8");
    let shares: Vec<&str> = text
        .split("\n\n")
        .find(|s| s.starts_with("Share of agents"))
        .expect("a section of shares")
        .lines()
        .skip(2)
        .collect();
    assert!(shares.len() >= 4, "{text}");
    for line in shares {
        let label = line.split_whitespace().next().unwrap_or("");
        assert_ne!(label, "no-block", "a row without its state: {line}\n{text}");
    }
}
