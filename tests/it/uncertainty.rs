//! `[uncertainty]` and given points (docs/FORMAT.md, [uncertainty] and Points file): points
//! given with `run --points` run exactly as the same points drawn, shard and merge
//! byte-identically, keep their weights, and are refused with the line of the bad point.

use crate::common::{self, run_quiet as run};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

const CSV_FILES: [&str; 7] = [
    "adoption.csv",
    "summary.csv",
    "comparison.csv",
    "flows.csv",
    "metrics.csv",
    "points.csv",
    "robustness.csv",
];

fn tiny() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/tiny-sweep.toml")
}

fn bytes(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(file).display()))
}

fn json(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&bytes(dir, "run.json")).expect("run.json")
}

/// A drawn sweep's points.csv without its `point` column: the same points, given.
fn given_from(drawn: &Path, to: &Path) {
    let text = String::from_utf8(bytes(drawn, "points.csv")).expect("UTF-8");
    let given: String = text
        .lines()
        .map(|line| line.split_once(',').expect("a point column").1.to_owned() + "\n")
        .collect();
    std::fs::write(to, given).expect("written");
}

#[test]
fn given_points_run_as_the_same_points_drawn_and_shard_alike() {
    let tmp = tempfile::tempdir().expect("tmp");
    let drawn = tmp.path().join("drawn");
    run(&tiny(), &drawn, &[]);
    let points = tmp.path().join("points.csv");
    given_from(&drawn, &points);
    let given = tmp.path().join("given");
    let flag = ["--points", points.to_str().expect("UTF-8 path")];
    run(&tiny(), &given, &flag);
    for file in CSV_FILES {
        assert!(
            bytes(&drawn, file) == bytes(&given, file),
            "{file} differs between the drawn and the given points"
        );
    }
    let sweep = &json(&given)["resolved"]["sweep"];
    assert_eq!(sweep["design"], "given");
    let sha: String = Sha256::digest(std::fs::read(&points).expect("points"))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(sweep["points_sha256"], sha.as_str());
    assert_eq!(sweep["points"], json(&drawn)["resolved"]["sweep"]["points"]);
    assert!(sweep.get("weights").is_none());

    let shards: Vec<PathBuf> = (1..=2)
        .map(|i| {
            let dir = tmp.path().join(format!("shard{i}"));
            let shard = format!("{i}/2");
            run(&tiny(), &dir, &["--shard", &shard, flag[0], flag[1]]);
            dir
        })
        .collect();
    let merged = tmp.path().join("merged");
    common::blockade()
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&merged)
        .arg("--quiet")
        .assert()
        .success();
    for file in CSV_FILES {
        assert!(
            bytes(&given, file) == bytes(&merged, file),
            "{file} of the merged given points differs from the unsharded run's"
        );
    }
}

#[test]
fn weights_are_kept_in_points_csv_and_run_json() {
    let tmp = tempfile::tempdir().expect("tmp");
    let points = tmp.path().join("posterior.csv");
    std::fs::write(
        &points,
        "weight,adoption.imitation,network.kind\n0.25,0.2,complete\n0.75,0.4,small_world\n",
    )
    .expect("written");
    let out = tmp.path().join("out");
    run(
        &tiny(),
        &out,
        &["--points", points.to_str().expect("UTF-8")],
    );
    assert_eq!(
        String::from_utf8(bytes(&out, "points.csv")).expect("UTF-8"),
        "point,adoption.imitation,network.kind,weight\n0,0.2,complete,0.25\n1,0.4,small_world,0.75\n"
    );
    let sweep = &json(&out)["resolved"]["sweep"];
    assert_eq!(sweep["weights"], serde_json::json!([0.25, 0.75]));
    assert_eq!(
        sweep["parameters"],
        serde_json::json!({ "adoption.imitation": {}, "network.kind": {} })
    );
}

#[test]
fn a_bad_given_point_is_refused_at_its_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let points = tmp.path().join("p.csv");
    let refused = |text: &str| {
        std::fs::write(&points, text).expect("written");
        let output = common::blockade()
            .arg("check")
            .arg(tiny())
            .arg("--points")
            .arg(&points)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        stderr
    };
    let message = refused("adoption.imitation\n0.2\n1.5\n");
    assert!(
        message.contains("p.csv:3: adoption.imitation: point 1 (adoption.imitation = 1.5)"),
        "{message}"
    );
    assert!(message.contains("probability"), "{message}");
    let message = refused("adoption.imitaton\n0.2\n");
    assert!(
        message.contains("p.csv:1: adoption.imitaton: unknown path"),
        "{message}"
    );
    let message = refused("network.kind\nring\n");
    assert!(
        message.contains("p.csv:2: network.kind: point 0"),
        "{message}"
    );
    let message = refused("adoption.imitation,weight\n0.2,-1\n");
    assert!(message.contains("p.csv:2: weight: point 0"), "{message}");
}

#[test]
fn check_prints_the_uncertainty_table_and_a_sweep_drawn_from_it() {
    let text = std::fs::read_to_string(tiny()).expect("tiny");
    let (head, _) = text.split_once("[sweep.parameters]").expect("a sweep");
    let file = format!(
        "{head}\n[uncertainty]\n\
         \"adoption.imitation\" = {{ distribution = \"uniform\", min = 0.1, max = 0.5, source = \"a survey\" }}\n\
         \"providers.qwen.price\" = {{ distribution = \"log_uniform\", min = 5.0, max = 40.0 }}\n"
    );
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("u.toml");
    std::fs::write(&path, file).expect("written");
    let output = common::blockade()
        .arg("check")
        .arg(&path)
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("uncertainty: 2 parameters"), "{stdout}");
    assert!(stdout.contains("source: a survey"), "{stdout}");
    assert!(stdout.contains("log-uniform on [5, 40]"), "{stdout}");
    assert!(
        stdout.contains("sweep (latin_hypercube, 3 samples"),
        "{stdout}"
    );
    let out = tmp.path().join("out");
    run(&path, &out, &[]);
    let resolved = &json(&out)["resolved"];
    assert_eq!(
        resolved["uncertainty"]["providers.qwen.price"],
        serde_json::json!({ "distribution": "log_uniform", "min": 5.0, "max": 40.0 })
    );
    assert_eq!(
        resolved["sweep"]["parameters"]["providers.qwen.price"]["distribution"],
        "log_uniform"
    );
    for point in resolved["sweep"]["points"].as_array().expect("points") {
        let price = point[1].as_f64().expect("a number");
        assert!((5.0..=40.0).contains(&price), "{price}");
    }
}

#[test]
fn every_bundled_uncertainty_table_changes_nothing_alone_and_drives_a_valid_sweep() {
    use blockade::scenario::{Overrides, Scenario};
    let mut tables = 0;
    for entry in std::fs::read_dir(common::bundled("")).expect("scenarios") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("scenario");
        let Some(at) = text.find("\n[uncertainty]\n") else {
            continue;
        };
        tables += 1;
        let name = path.display().to_string();
        let load = |text: &str| {
            Scenario::from_bytes(&name, text.as_bytes(), &Overrides::default())
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let with = load(&text);
        let without = load(&text[..at]);
        assert!(!with.uncertainty.is_empty(), "{name}");
        assert_eq!(
            with.baseline, without.baseline,
            "{name}: the table changed the baseline"
        );
        for (a, b) in with.variants.iter().zip(&without.variants) {
            assert_eq!(
                a.setup, b.setup,
                "{name}: the table changed variant {}",
                a.name
            );
        }
        let swept = load(&format!(
            "{text}\n[sweep]\ndesign = \"latin_hypercube\"\nsamples = 16\nseed = 5\n"
        ));
        let sweep = swept.sweep.expect("a sweep drawn from [uncertainty]");
        assert_eq!(sweep.parameters.len(), with.uncertainty.len(), "{name}");
        assert_eq!(sweep.points.len(), 16);
    }
    // azure-closure, domestic-catch-up, us-labs-close-2025 and vpn-crackdown at least.
    assert!(tables >= 4, "{tables} bundled files with [uncertainty]");
}

/// The cells of `compare`'s row for `label` (a state) and `variant` in the two-interval
/// section: effect, half-width over replicates, spread over points. A label shows on its
/// first variant's row only; the rows under it start with spaces.
fn two_interval_cells(stdout: &str, label: &str, variant: &str) -> (String, String, String) {
    let section = stdout
        .split("Effects with two intervals")
        .nth(1)
        .expect("the two-interval section");
    let mut current = "";
    for line in section.lines() {
        let mut cells: Vec<&str> = line.split_whitespace().collect();
        if !line.starts_with(' ') && !cells.is_empty() {
            current = cells.remove(0);
        }
        if current == label && cells.first() == Some(&variant) {
            return (cells[1].into(), cells[2].into(), cells[3].into());
        }
    }
    panic!("no row {label} {variant} in\n{section}")
}

#[test]
fn compare_prints_both_intervals_from_the_points_weights_included() {
    let tmp = tempfile::tempdir().expect("tmp");
    let points = tmp.path().join("posterior.csv");
    // Three points; the third carries three times the weight of each other.
    std::fs::write(
        &points,
        "adoption.imitation,providers.qwen.price,weight\n0.1,40,1\n0.3,20,1\n0.5,5,3\n",
    )
    .expect("written");
    let out = tmp.path().join("out");
    run(
        &tiny(),
        &out,
        &["--points", points.to_str().expect("UTF-8")],
    );
    let output = common::blockade()
        .arg("compare")
        .arg(&out)
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    // The legend wraps at 100 columns: read it as one line.
    let words = stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("covers only the simulation's noise"),
        "{stdout}"
    );
    assert!(
        words.contains("covers the declared uncertainty"),
        "{stdout}"
    );
    assert!(
        words.contains("each point counted by its weight"),
        "{stdout}"
    );

    // The same numbers from metrics.csv: the qwen share of all agents at the last step.
    let metrics = common::read_csv(&out.join("metrics.csv"));
    let rows: Vec<&common::Row> = metrics
        .rows
        .iter()
        .filter(|r| {
            r["variant"] == "cheap-qwen"
                && r["segment"] == "all"
                && r["metric"] == "share"
                && r["state"] == "qwen"
        })
        .collect();
    assert_eq!(rows.len(), 3);
    let diff: Vec<f64> = rows
        .iter()
        .map(|r| common::number(r, "diff_mean"))
        .collect();
    let mut half: Vec<f64> = rows
        .iter()
        .map(|r| (common::number(r, "diff_ci95_high") - common::number(r, "diff_ci95_low")) / 2.0)
        .collect();
    half.sort_by(f64::total_cmp);
    let effect = (diff[0] + diff[1] + 3.0 * diff[2]) / 5.0;
    // Weights 1, 1, 3 of 5 place the sorted effects at the middles of their shares of [0, 1];
    // the 5th percentile lies below the first middle (0.1 at least), so it is the smallest
    // effect, and the 95th above the last (0.7 at most), so it is the largest.
    let (lo, hi) = diff
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &d| {
            (a.min(d), b.max(d))
        });
    let pct = |x: f64| format!("{:.2}", 100.0 * x);
    let (shown_effect, shown_half, shown_spread) =
        two_interval_cells(&stdout, "qwen", "cheap-qwen");
    assert_eq!(shown_effect, pct(effect));
    assert_eq!(shown_half, pct(half[1]));
    assert_eq!(shown_spread, format!("{}..{}", pct(lo), pct(hi)));
}

/// `compare --intervals --format csv`: one row per variant, segment, metric and state, whose
/// numbers are metrics.csv's across the points: the mean paired effect, the effect ± the
/// median paired half-width (over replicates), and the spread of the per-point effect.
#[test]
fn the_two_intervals_as_rows_are_the_metrics_across_the_points() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("sweep");
    run(&tiny(), &out, &["--tables", "metrics"]);
    let output = common::blockade()
        .args(["compare", "--intervals", "--format", "csv"])
        .arg(&out)
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let csv = tmp.path().join("intervals.csv");
    std::fs::write(&csv, &output.stdout).expect("written");
    let rows = common::read_csv(&csv).rows;
    let metrics = common::read_csv(&out.join("metrics.csv")).rows;
    // Every variant row of one point of metrics.csv has its row here.
    let variant_rows = metrics
        .iter()
        .filter(|r| r["point"] == "0" && r["variant"] != "baseline")
        .count();
    assert_eq!(rows.len(), variant_rows);
    let row = rows
        .iter()
        .find(|r| {
            r["variant"] == "no-block" && r["segment"] == "all" && r["metric"] == "foreign_share"
        })
        .expect("the block's effect on the foreign share");
    let per_point: Vec<&common::Row> = metrics
        .iter()
        .filter(|r| {
            r["variant"] == "no-block" && r["segment"] == "all" && r["metric"] == "foreign_share"
        })
        .collect();
    assert_eq!(per_point.len(), 3);
    let effects: Vec<f64> = per_point
        .iter()
        .map(|r| common::number(r, "diff_mean"))
        .collect();
    let mut halves: Vec<f64> = per_point
        .iter()
        .map(|r| (common::number(r, "diff_ci95_high") - common::number(r, "diff_ci95_low")) / 2.0)
        .collect();
    halves.sort_by(f64::total_cmp);
    let effect = effects.iter().sum::<f64>() / 3.0;
    let close = |column: &str, expected: f64| {
        let value = common::number(row, column);
        assert!(
            (value - expected).abs() < 1e-12,
            "{column}: {value} vs {expected}"
        );
    };
    close("effect", effect);
    close("replicates_low", effect - halves[1]);
    close("replicates_high", effect + halves[1]);
    // Three points stand at 1/6, 1/2 and 5/6: the 5th and 95th percentiles are the ends.
    close(
        "points_low",
        effects.iter().copied().fold(f64::INFINITY, f64::min),
    );
    close(
        "points_high",
        effects.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    assert_eq!(row["points"], "3");
    assert!(
        row["top_parameter"].starts_with("adoption.")
            || row["top_parameter"].starts_with("segments.")
    );

    // A run without a sweep has one interval only: refused, naming the flag.
    let unswept = tmp.path().join("unswept");
    run(
        &common::bundled("minimal.toml"),
        &unswept,
        &["--population", "200", "--replicates", "2"],
    );
    let output = common::blockade()
        .args(["compare", "--intervals"])
        .arg(&unswept)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--intervals"));
}
