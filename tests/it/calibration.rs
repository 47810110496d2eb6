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
    assert_eq!(common::csv_bytes(&one), common::csv_bytes(&two));
    assert_eq!(common::csv_bytes(&one).len(), 6);

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

/// The flagship's reported calibration: its eight targets, fitted over the seven parameters of
/// the bundled prior file, which replaces the flagship's own table (tiny sizes: this checks
/// that the files fit together, not what they find).
#[test]
fn the_flagship_calibrates_over_the_bundled_prior_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("flagship");
    let prior = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/calibration/openai-api-block-2024-prior.toml");
    let output = common::output_within_hang_guard(
        common::blockade()
            .arg("calibrate")
            .arg(common::bundled("openai-api-block-2024.toml"))
            .arg("--prior")
            .arg(&prior)
            .arg("--out")
            .arg(&out)
            .args(["--quiet", "--population", "300", "--replicates", "2"])
            .args(["--wave-points", "4", "--waves", "1", "--abc-points", "4"]),
        "calibrate the flagship",
    );
    assert!(output.status.success(), "{output:?}");
    let parameters = read_csv(&out.join("parameters.csv"));
    let paths: Vec<&str> = parameters
        .rows
        .iter()
        .map(|r| r["parameter"].as_str())
        .collect();
    assert_eq!(paths.len(), 7, "{paths:?}");
    assert!(paths.contains(&"providers.doubao.friction"), "{paths:?}");
    let targets = read_csv(&out.join("targets.csv"));
    assert_eq!(targets.rows.len(), 8);
    let held_out = targets
        .rows
        .iter()
        .filter(|r| r["use"] == "validate")
        .count();
    assert_eq!(held_out, 4);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).expect("run.json"))
            .expect("json");
    assert!(
        manifest["prior_file"]
            .as_str()
            .is_some_and(|p| p.ends_with("openai-api-block-2024-prior.toml")),
        "{manifest}"
    );
}

#[test]
fn a_prior_file_holds_one_uncertainty_table_checked_line_by_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = twin_with_targets(dir.path());
    let prior = dir.path().join("prior.toml");
    let refused = |text: &str| -> String {
        std::fs::write(&prior, text).expect("written");
        let output = common::blockade()
            .arg("calibrate")
            .arg(&file)
            .arg("--prior")
            .arg(&prior)
            .arg("--out")
            .arg(dir.path().join("never"))
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        stderr
    };
    let stderr = refused(
        "# a comment\n[uncertainty]\n\"adoption.imitation\" = { distribution = \"uniform\", \
         min = 0.1, max = 2.5 }\n",
    );
    assert!(
        stderr.contains("prior.toml:3: uncertainty.adoption.imitation"),
        "{stderr}"
    );
    let stderr = refused(
        "[uncertainty]\n\"adoption.imitation\" = { distribution = \"uniform\", min = 0.1, max = 0.5 }\n[sweep]\nsamples = 3\n",
    );
    assert!(
        stderr.contains("prior.toml:3") && stderr.contains("sweep"),
        "{stderr}"
    );
    assert!(!dir.path().join("never").exists());

    std::fs::write(
        &prior,
        "[uncertainty]\n\"adoption.imitation\" = { distribution = \"uniform\", min = 0.1, max = 0.5 }\n",
    )
    .expect("written");
    let out = dir.path().join("out");
    let output = common::output_within_hang_guard(
        common::blockade()
            .arg("calibrate")
            .arg(&file)
            .arg("--prior")
            .arg(&prior)
            .arg("--out")
            .arg(&out)
            .args([
                "--quiet",
                "--wave-points",
                "8",
                "--waves",
                "1",
                "--abc-points",
                "8",
            ]),
        "calibrate --prior",
    );
    assert!(output.status.success(), "{output:?}");
    let posterior = read_csv(&out.join("posterior.csv"));
    assert_eq!(posterior.header, ["adoption.imitation", "weight"]);
    for row in &posterior.rows {
        let x = common::number(row, "adoption.imitation");
        assert!((0.1..0.5).contains(&x), "{x}");
    }
}

/// `check --predict` runs the twin at its written values and prints each target's simulated
/// mean, which is the library's mean over the same replicates (the same seed and streams), and
/// an implausibility that is small where the observation is the model's own mean.
#[test]
fn check_predict_sets_each_target_against_the_run_at_the_files_values() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = twin_with_targets(dir.path());
    let output = common::output_within_hang_guard(
        common::blockade().arg("check").arg(&file).arg("--predict"),
        "check --predict",
    );
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("simulation noise only"), "{stdout}");

    let scenario = Scenario::load(&file, &Overrides::default()).expect("valid");
    let arms = scenario.arms(&["baseline".into()]).expect("baseline");
    let results =
        blockade::runner::run(&scenario, &arms, &AtomicBool::new(false), &|_| {}).expect("run");
    for target in &scenario.targets {
        let values = simulated(target, &results, 0);
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let line = stdout
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{} ", target.name)) && l.contains('['))
            .unwrap_or_else(|| panic!("no prediction line for {}: {stdout}", target.name));
        assert!(line.contains(&format!(" {mean:.4} [")), "{line} vs {mean}");
        // The observed value is the mean over 16 replicates at these values; the file's own
        // replicates differ from it by simulation noise, well below 3 tolerated sds.
        let implausibility: f64 = line
            .split_whitespace()
            .last()
            .and_then(|w| w.parse().ok())
            .expect("an implausibility");
        assert!(implausibility < 3.0, "{line}");
    }

    let output = common::blockade()
        .arg("check")
        .arg(twin())
        .arg("--predict")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--predict") && stderr.contains("[[targets]]"),
        "{stderr}"
    );
}

/// `plot --kind calibration` on a calibration of the twin: an SVG naming every target (the
/// held-out one marked) and parameter, a PNG, and refusals of a folder `calibrate` did not
/// write and of a flag that chooses what a run's chart shows.
#[test]
fn plot_draws_a_calibration_folder_as_svg_and_png() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = twin_with_targets(dir.path());
    let out = dir.path().join("calibration");
    let output = common::output_within_hang_guard(
        common::blockade()
            .arg("calibrate")
            .arg(&file)
            .arg("--out")
            .arg(&out)
            .args([
                "--quiet",
                "--wave-points",
                "20",
                "--waves",
                "2",
                "--abc-points",
                "30",
            ]),
        "calibrate",
    );
    assert!(output.status.success(), "{output:?}");
    let plot = |extra: &[&str]| {
        common::blockade()
            .arg("plot")
            .arg(&out)
            .args(["--kind", "calibration"])
            .args(extra)
            .output()
            .expect("runs")
    };
    let output = plot(&[]);
    assert!(output.status.success(), "{output:?}");
    let texts = common::svg_text(&out.join("calibration.svg"));
    for (name, _, _, use_) in TARGETS {
        let shown = if use_ == "validate" {
            format!("{name} (held out)")
        } else {
            name.to_owned()
        };
        assert!(texts.contains(&shown), "{shown} not in {texts:?}");
    }
    for path in [
        "adoption.innovation",
        "adoption.imitation",
        "adoption.reconsider",
    ] {
        assert!(texts.iter().any(|t| t == path), "{path} not in {texts:?}");
    }
    assert!(
        texts
            .iter()
            .filter(|t| t.starts_with("implausibility "))
            .count()
            == TARGETS.len(),
        "{texts:?}"
    );

    let png = dir.path().join("calibration.png");
    let output = plot(&["-o", png.to_str().expect("utf-8")]);
    assert!(output.status.success(), "{output:?}");
    let bytes = std::fs::read(&png).expect("png");
    assert!(bytes.starts_with(b"\x89PNG"), "not a PNG");

    let output = plot(&["--variant", "baseline"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("--variant"));
    let run = dir.path().join("run");
    std::fs::create_dir(&run).expect("created");
    let output = common::blockade()
        .arg("plot")
        .arg(&run)
        .args(["--kind", "calibration"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("is not a calibration folder"),
        "{output:?}"
    );
}

/// The points a calibration writing into `partial` recorded.
fn recorded_points(partial: &Path) -> usize {
    std::fs::read(partial.join("calibration-points.jsonl"))
        .map(|bytes| bytes.iter().filter(|&&b| b == b'\n').count())
        .unwrap_or(0)
}

/// Starts `calibrate` and sends `signal` once it has recorded at least `points` points (never
/// by a clock: a loaded machine only makes the test slower); returns whether the signal came
/// before the calibration ended.
fn stop_calibration_after(
    file: &Path,
    out: &Path,
    extra: &[&str],
    points: usize,
    signal: &str,
) -> bool {
    let partial = out.with_file_name("out.partial");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("blockade"))
        .arg("calibrate")
        .arg(file)
        .args(["--quiet", "--threads", "2", "--out"])
        .arg(out)
        .args(extra)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let started = std::time::Instant::now();
    loop {
        if child.try_wait().expect("status").is_some() {
            return false;
        }
        if recorded_points(&partial) >= points {
            break;
        }
        assert!(
            started.elapsed() < common::HANG_GUARD,
            "hang guard: no progress recorded"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let sent = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    let output = common::wait_within_hang_guard(child, "the stopped calibration");
    assert!(!output.status.success(), "{output:?}");
    assert!(!out.exists(), "a stopped calibration wrote its folder");
    assert!(
        partial.is_dir(),
        "a stopped calibration left no partial folder"
    );
    true
}

/// A calibration stopped by SIGINT and by SIGKILL, then resumed, writes the bytes of one
/// never interrupted; a partial folder of another calibration is refused.
#[test]
fn a_calibration_stopped_twice_resumes_to_the_same_bytes() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = twin_with_targets(dir.path());
    let sizes = [
        "--wave-points",
        "200",
        "--waves",
        "4",
        "--abc-points",
        "400",
    ];
    let whole = dir.path().join("whole");
    let output = common::output_within_hang_guard(
        common::blockade()
            .arg("calibrate")
            .arg(&file)
            .arg("--out")
            .arg(&whole)
            .args(["--quiet", "--threads", "1"])
            .args(sizes),
        "calibrate",
    );
    assert!(output.status.success(), "{output:?}");

    let out = dir.path().join("out");
    let mut stops = 0;
    for (points, signal) in [(40, "-INT"), (400, "-KILL")] {
        let mut extra: Vec<&str> = sizes.to_vec();
        if stops > 0 {
            extra.push("--resume");
        }
        stops += usize::from(stop_calibration_after(&file, &out, &extra, points, signal));
    }
    assert!(
        stops >= 1,
        "the calibration ended before it could be stopped"
    );

    let refused = common::blockade()
        .arg("calibrate")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .args([
            "--resume",
            "--wave-points",
            "150",
            "--waves",
            "4",
            "--abc-points",
            "400",
        ])
        .output()
        .expect("runs");
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("is of another calibration") && stderr.contains("--wave-points 200 there"),
        "{stderr}"
    );

    let recorded = recorded_points(&out.with_file_name("out.partial"));
    let output = common::output_within_hang_guard(
        common::blockade()
            .arg("calibrate")
            .arg(&file)
            .arg("--out")
            .arg(&out)
            .args(["--threads", "2", "--resume"])
            .args(sizes),
        "calibrate --resume",
    );
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!(
            "{} of them recorded by an earlier run",
            recorded * 4
        )),
        "{recorded} points recorded: {stdout}"
    );
    let (a, b) = (common::csv_bytes(&whole), common::csv_bytes(&out));
    assert_eq!(a.len(), 6);
    assert_eq!(
        a.iter().map(|(n, _)| n).collect::<Vec<_>>(),
        b.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(
            x == y,
            "{name} differs from the uninterrupted calibration's"
        );
    }
    assert!(!out.with_file_name("out.partial").exists());
    let names: Vec<String> = common::folder_bytes(&out)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert!(
        !names.iter().any(|n| n.starts_with("calibration-")),
        "{names:?}"
    );
}

/// A calibration whose every batch is computed by three shards, each batch merged before the
/// next is sharded (as a Slurm job array per wave would), writes the bytes of one computed
/// whole; a merge that lacks a shard is refused.
#[test]
fn a_calibration_sharded_batch_by_batch_merges_to_the_same_bytes() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = twin_with_targets(dir.path());
    let sizes = [
        "--quiet",
        "--wave-points",
        "30",
        "--waves",
        "3",
        "--abc-points",
        "40",
    ];
    let calibrate = |out: &Path, extra: &[&str]| {
        let output = common::output_within_hang_guard(
            common::blockade()
                .arg("calibrate")
                .arg(&file)
                .arg("--out")
                .arg(out)
                .args(sizes)
                .args(extra),
            "calibrate",
        );
        assert!(output.status.success(), "{output:?}");
    };
    let whole = dir.path().join("whole");
    calibrate(&whole, &[]);

    let out = dir.path().join("out");
    let mut merges = 0;
    while !out.exists() {
        assert!(merges < 6, "the merges never completed the calibration");
        for shard in ["1/3", "2/3", "3/3"] {
            calibrate(&out, &["--shard", shard, "--threads", "1"]);
        }
        assert!(!out.exists(), "a shard wrote the calibration folder");
        calibrate(&out, &["--merge"]);
        merges += 1;
    }
    // Every history-matching wave and the ABC step was sharded: at least two batches.
    assert!(merges >= 2, "{merges} merges");
    let (a, b) = (common::csv_bytes(&whole), common::csv_bytes(&out));
    assert_eq!(a.len(), 6);
    assert_eq!(
        a.iter().map(|(n, _)| n).collect::<Vec<_>>(),
        b.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{name} differs from the unsharded calibration's");
    }

    let lacking = dir.path().join("lacking");
    calibrate(&lacking, &["--shard", "1/2"]);
    let output = common::blockade()
        .arg("calibrate")
        .arg(&file)
        .arg("--out")
        .arg(&lacking)
        .args(sizes)
        .arg("--merge")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("holds the shards 1/2"), "{stderr}");
}

/// `run --posterior` runs the posterior's weighted points as a sweep, so it keeps a sweep's
/// guarantees: the same bytes on one thread or two, as two shards merged, and after a kill
/// and `--resume`.
#[test]
fn a_posterior_run_is_the_same_across_threads_shards_and_a_resume() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = twin_with_targets(dir.path());
    let calibration = dir.path().join("calibration");
    calibrate(&file, &calibration, &[]);
    let posterior = calibration.to_string_lossy().into_owned();
    // The posterior's points at 20 000 agents: long enough to be stopped part way on any machine.
    let flags = ["--posterior", &posterior, "--population", "20000"];

    let whole = dir.path().join("whole");
    common::run_quiet(&file, &whole, &[&flags[..], &["--threads", "1"]].concat());
    assert!(!common::csv_bytes(&whole).is_empty());

    let two = dir.path().join("two");
    common::run_quiet(&file, &two, &[&flags[..], &["--threads", "2"]].concat());
    assert_eq!(
        common::csv_bytes(&whole),
        common::csv_bytes(&two),
        "threads 1 and 2 differ"
    );

    let shards: Vec<PathBuf> = (1..=2)
        .map(|i| {
            let out = dir.path().join(format!("shard{i}"));
            let shard = format!("{i}/2");
            common::run_quiet(&file, &out, &[&flags[..], &["--shard", &shard]].concat());
            out
        })
        .collect();
    let merged = dir.path().join("merged");
    let output = common::blockade()
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&merged)
        .arg("--quiet")
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        common::csv_bytes(&whole),
        common::csv_bytes(&merged),
        "two shards merged differ"
    );

    let resumed = dir.path().join("resumed");
    let mut stops = 0;
    for (points, signal) in [(20, "-KILL"), (150, "-INT")] {
        let resume: &[&str] = if stops == 0 { &[] } else { &["--resume"] };
        let args = [&flags[..], resume].concat();
        stops += usize::from(crate::resume::stop_after(
            &file, &resumed, &args, points, signal,
        ));
    }
    assert!(
        stops >= 1,
        "the posterior run ended before it could be stopped"
    );
    common::run_quiet(&file, &resumed, &[&flags[..], &["--resume"]].concat());
    assert_eq!(
        common::csv_bytes(&whole),
        common::csv_bytes(&resumed),
        "the resumed run differs"
    );
}
