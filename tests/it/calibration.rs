//! `blockade calibrate` (docs/MODEL.md, 13. Calibration): a twin experiment, byte identity
//! across thread counts, `run --posterior`, and refusals.
//!
//! The twin experiment: `tests/scenarios/twin.toml` is run through the library at the values
//! it is written with (innovation 0.01, imitation 0.3, the foreign provider's friction 1.0,
//! reconsider 0.05); its own shares become the targets; `calibrate` starts from the wide priors
//! of its `[uncertainty]` table. The posterior's 90% interval must cover each identifiable
//! value and be narrower than the prior's; reconsider, on which no target depends, must stay
//! about as wide as its prior.

use crate::common::{self, Table, read_csv};
use blockade::calibration::simulated;
use blockade::scenario::{Overrides, Scenario};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

fn twin() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/twin.toml")
}

/// The targets, as TOML: (name, quantity, step, use).
const TARGETS: [(&str, &str, u32, &str); 4] = [
    ("adopted-early", "adopted", 6, "calibrate"),
    ("adopted-late", "adopted", 14, "calibrate"),
    ("domestic-late", "domestic", 20, "calibrate"),
    ("foreign-mid", "foreign", 10, "validate"),
];

/// The twin file with its own shares as targets: each target's mean over 16 replicates at the
/// file's values (observation sd 0.01, no discrepancy: the model is the truth here).
fn twin_with_targets(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(twin()).expect("twin.toml");
    let mut tables = String::new();
    for (name, of, step, use_) in TARGETS {
        tables += &format!(
            "\n[[targets]]\nname = \"{name}\"\nof = \"{of}\"\nat = {step}\nvalue = 0.5\n\
             observation_sd = 0.01\ndiscrepancy_sd = 0.0\nuse = \"{use_}\"\n"
        );
    }
    let probe = format!("{text}{tables}");
    let overrides = Overrides {
        replicates: Some(16),
        ..Overrides::default()
    };
    let scenario = Scenario::from_bytes("twin.toml", probe.as_bytes(), &overrides).expect("valid");
    let arms = scenario.arms(&["baseline".into()]).expect("baseline");
    let results =
        blockade::runner::run(&scenario, &arms, &AtomicBool::new(false), &|_| {}).expect("run");
    let mut file = text;
    for ((name, of, step, use_), target) in TARGETS.iter().zip(&scenario.targets) {
        let values = simulated(target, &results, 0);
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        file += &format!(
            "\n[[targets]]\nname = \"{name}\"\nof = \"{of}\"\nat = {step}\nvalue = {mean}\n\
             observation_sd = 0.01\ndiscrepancy_sd = 0.0\nsource = \"the twin at its written \
             values, 16 replicates\"\nuse = \"{use_}\"\n"
        );
    }
    let path = dir.join("twin-targets.toml");
    std::fs::write(&path, file).expect("written");
    path
}

fn calibrate(file: &Path, out: &Path, extra: &[&str]) {
    let output = common::output_within_hang_guard(
        common::blockade()
            .arg("calibrate")
            .arg(file)
            .arg("--out")
            .arg(out)
            .args([
                "--quiet",
                "--wave-points",
                "100",
                "--waves",
                "4",
                "--abc-points",
                "300",
            ])
            .args(extra),
        "calibrate",
    );
    assert!(output.status.success(), "{output:?}");
}

fn row<'a>(table: &'a Table, column: &str, value: &str) -> &'a common::Row {
    table
        .rows
        .iter()
        .find(|r| r[column] == value)
        .unwrap_or_else(|| panic!("no row with {column} = {value}"))
}

#[test]
fn a_twin_experiment_recovers_the_identifiable_values() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = twin_with_targets(dir.path());
    let out = dir.path().join("calibration");
    calibrate(&file, &out, &[]);
    let parameters = read_csv(&out.join("parameters.csv"));
    let truth = [
        ("adoption.innovation", 0.01),
        ("adoption.imitation", 0.3),
        ("providers.abroad.friction", 1.0),
    ];
    for (path, value) in truth {
        let r = row(&parameters, "parameter", path);
        let (low, high) = (
            common::number(r, "posterior_p05"),
            common::number(r, "posterior_p95"),
        );
        let prior = common::number(r, "prior_p95") - common::number(r, "prior_p05");
        assert!(
            low <= value && value <= high,
            "{path}: {value} outside [{low}, {high}]"
        );
        assert!(
            high - low < 0.5 * prior,
            "{path}: [{low}, {high}] against a prior of {prior}"
        );
    }
    // Nothing observed depends on reconsider: its posterior stays about as wide as its prior.
    let r = row(&parameters, "parameter", "adoption.reconsider");
    let width = common::number(r, "posterior_p95") - common::number(r, "posterior_p05");
    let prior = common::number(r, "prior_p95") - common::number(r, "prior_p05");
    assert!(width > 0.6 * prior, "reconsider: {width} against {prior}");

    // The held-out target is predicted: its observation lies in the posterior's interval
    // widened by its observation sd (1.96 x 0.01 on each side).
    let targets = read_csv(&out.join("targets.csv"));
    let held = row(&targets, "target", "foreign-mid");
    assert_eq!(held["use"], "validate");
    let observed = common::number(held, "observed");
    assert!(
        common::number(held, "posterior_p05") - 0.0196 <= observed
            && observed <= common::number(held, "posterior_p95") + 0.0196,
        "{held:?}"
    );
    let waves = read_csv(&out.join("waves.csv"));
    let first = common::number(&waves.rows[0], "not_ruled_out");
    assert!(first < 0.5, "wave 1 ruled out little: {first}");
    let posterior = read_csv(&out.join("posterior.csv"));
    let total: f64 = posterior
        .rows
        .iter()
        .map(|r| common::number(r, "weight"))
        .sum();
    assert!((total - 1.0).abs() < 1e-9, "{total}");
}

#[test]
fn a_calibration_is_byte_identical_across_thread_counts_and_feeds_run_posterior() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = twin_with_targets(dir.path());
    let small = ["--wave-points", "20", "--waves", "2", "--abc-points", "30"];
    let one = dir.path().join("one");
    let two = dir.path().join("two");
    for (out, threads) in [(&one, "1"), (&two, "2")] {
        let output = common::output_within_hang_guard(
            common::blockade()
                .arg("calibrate")
                .arg(&file)
                .arg("--out")
                .arg(out)
                .args(["--quiet", "--threads", threads])
                .args(small),
            "calibrate",
        );
        assert!(output.status.success(), "{output:?}");
    }
    let csv = |dir: &Path| -> Vec<(String, Vec<u8>)> {
        common::folder_bytes(dir)
            .into_iter()
            .filter(|(name, _)| name.ends_with(".csv"))
            .collect()
    };
    assert_eq!(csv(&one), csv(&two));
    assert_eq!(csv(&one).len(), 6);

    let run = dir.path().join("run");
    let output = common::output_within_hang_guard(
        common::blockade()
            .arg("run")
            .arg(&file)
            .arg("--posterior")
            .arg(&one)
            .arg("--out")
            .arg(&run)
            .arg("--quiet"),
        "run --posterior",
    );
    assert!(output.status.success(), "{output:?}");
    let posterior = read_csv(&one.join("posterior.csv"));
    let points = read_csv(&run.join("points.csv"));
    assert_eq!(points.rows.len(), posterior.rows.len());
    for (p, q) in points.rows.iter().zip(&posterior.rows) {
        assert_eq!(p["adoption.imitation"], q["adoption.imitation"]);
    }
}

#[test]
fn calibrate_refuses_a_file_without_targets_or_uncertainty() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out");
    let output = common::blockade()
        .arg("calibrate")
        .arg(twin())
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("use = \"calibrate\""), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!out.exists());

    let text = std::fs::read_to_string(twin()).expect("twin");
    let (head, _) = text.split_once("\n[uncertainty]\n").expect("a table");
    let file = dir.path().join("no-uncertainty.toml");
    std::fs::write(
        &file,
        format!(
            "{head}[[targets]]\nname = \"t\"\nof = \"adopted\"\nat = 3\nvalue = 0.1\n\
             observation_sd = 0.01\ndiscrepancy_sd = 0.0\nuse = \"calibrate\"\n"
        ),
    )
    .expect("written");
    let output = common::blockade()
        .arg("calibrate")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("[uncertainty]"));

    // A folder `calibrate` did not write is no posterior.
    std::fs::create_dir(&out).expect("created");
    let output = common::blockade()
        .arg("run")
        .arg(twin())
        .arg("--posterior")
        .arg(&out)
        .arg("--out")
        .arg(dir.path().join("run"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("is not a calibration folder"),
        "{output:?}"
    );
}
