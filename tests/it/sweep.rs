//! Sweeps (docs/MODEL.md, 11. Sweeps and shards): the points follow the design, the outputs gain a
//! `point` column and points.csv, the values apply in the order file, command line, point, variant,
//! draws never depend on the point, and a point that makes the file invalid is refused before
//! anything runs, naming the point and the parameter.

use crate::common;

use blockade::scenario::{Overrides, Scenario};
use blockade::spec::Cost;
use std::path::{Path, PathBuf};

/// The tiny swept scenario the sweep, shard and Slurm tests share.
fn tiny() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/tiny-sweep.toml")
}

fn tiny_text() -> String {
    std::fs::read_to_string(tiny()).expect("fixture")
}

/// The tiny scenario with its `[sweep]` table (which ends the file) replaced by `sweep`.
fn with_sweep(sweep: &str) -> String {
    let text = tiny_text();
    let start = text.find("[sweep]").expect("the fixture has a sweep");
    format!("{}{sweep}", &text[..start])
}

fn load(text: &str, overrides: &Overrides) -> Result<Scenario, blockade::InputError> {
    Scenario::from_bytes("sweep.toml", text.as_bytes(), overrides)
}

fn floats(scenario: &Scenario, parameter: usize) -> Vec<f64> {
    let sweep = scenario.sweep.as_ref().expect("swept");
    sweep
        .points
        .iter()
        .map(|p| {
            let v = &p.values[parameter];
            v.as_float()
                .or(v.as_integer().map(|i| i as f64))
                .expect("number")
        })
        .collect()
}

#[test]
fn a_grid_is_every_combination_with_the_last_parameter_fastest() {
    let scenario = load(
        &with_sweep(
            "[sweep]\ndesign = \"grid\"\n[sweep.parameters]\n\
             \"adoption.imitation\" = { values = [0.1, 0.2] }\n\
             segments.startup.capabilities.vpn = { values = [0.3, 0.6, 0.9] }\n",
        ),
        &Overrides::default(),
    )
    .expect("valid");
    assert_eq!(floats(&scenario, 0), [0.1, 0.1, 0.1, 0.2, 0.2, 0.2]);
    assert_eq!(floats(&scenario, 1), [0.3, 0.6, 0.9, 0.3, 0.6, 0.9]);
    // The values are what each point's arms simulate.
    let sweep = scenario.sweep.as_ref().expect("swept");
    for (point, imitation) in sweep.points.iter().zip(floats(&scenario, 0)) {
        assert_eq!(point.baseline.params.imitation, imitation);
        assert_eq!(point.variants[1].params.imitation, imitation);
    }
    assert_eq!(
        sweep.points[4].baseline.params.segments[0].capabilities,
        [0.6]
    );
    // Arms are listed point by point: 6 points x 3 arms.
    let arms = scenario.arms(&[]).expect("arms");
    assert_eq!(arms.len(), 18);
    assert_eq!((arms[4].name, arms[4].point), ("no-block", 1));
}

#[test]
fn latin_hypercube_hits_each_stratum_once_per_parameter() {
    let samples = 20;
    let scenario = load(
        &with_sweep(&format!(
            "[sweep]\ndesign = \"latin_hypercube\"\nsamples = {samples}\nseed = 3\n\
             [sweep.parameters]\n\
             \"adoption.imitation\" = {{ min = 0.1, max = 0.5 }}\n\
             \"providers.qwen.price\" = {{ min = 2, max = 40 }}\n\
             \"segments.startup.capabilities.vpn\" = {{ values = [0.2, 0.4, 0.6, 0.8] }}\n"
        )),
        &Overrides::default(),
    )
    .expect("valid");
    for (parameter, (min, max)) in [(0, (0.1, 0.5)), (1, (2.0, 40.0))] {
        let mut strata: Vec<usize> = floats(&scenario, parameter)
            .iter()
            .map(|x| ((x - min) / (max - min) * samples as f64) as usize)
            .collect();
        strata.sort_unstable();
        assert_eq!(
            strata,
            (0..samples).collect::<Vec<_>>(),
            "parameter {parameter}"
        );
    }
    // A values list is a stratified index: 20 strata over 4 values, each value 5 times.
    let vpn = floats(&scenario, 2);
    for value in [0.2, 0.4, 0.6, 0.8] {
        assert_eq!(vpn.iter().filter(|&&v| v == value).count(), 5, "{value}");
    }
    // The design has its own seed: the scenario's seed does not move the points, the
    // design's does.
    let reseeded = load(
        &with_sweep(&format!(
            "[sweep]\ndesign = \"latin_hypercube\"\nsamples = {samples}\nseed = 3\n\
             [sweep.parameters]\n\"adoption.imitation\" = {{ min = 0.1, max = 0.5 }}\n"
        )),
        &Overrides {
            seed: Some(99),
            ..Overrides::default()
        },
    )
    .expect("valid");
    assert_eq!(floats(&reseeded, 0), floats(&scenario, 0));
    let other = load(
        &with_sweep(&format!(
            "[sweep]\ndesign = \"latin_hypercube\"\nsamples = {samples}\nseed = 4\n\
             [sweep.parameters]\n\"adoption.imitation\" = {{ min = 0.1, max = 0.5 }}\n"
        )),
        &Overrides::default(),
    )
    .expect("valid");
    assert_ne!(floats(&other, 0), floats(&scenario, 0));
}

#[test]
fn random_points_are_uniform_within_their_ranges() {
    let scenario = load(
        &with_sweep(
            "[sweep]\ndesign = \"random\"\nsamples = 400\nseed = 1\n[sweep.parameters]\n\
             \"adoption.imitation\" = { min = 0.2, max = 0.4 }\n",
        ),
        &Overrides::default(),
    )
    .expect("valid");
    let x = floats(&scenario, 0);
    assert!(x.iter().all(|v| (0.2..=0.4).contains(v)));
    // Mean of U(0.2, 0.4) is 0.3, sd 0.2/sqrt(12); five standard errors of 400 draws.
    let mean = x.iter().sum::<f64>() / x.len() as f64;
    assert!(
        (mean - 0.3).abs() < 5.0 * 0.2 / 12f64.sqrt() / 20.0,
        "{mean}"
    );
}

#[test]
fn values_apply_in_the_order_file_command_line_point_variant() {
    let text = with_sweep(
        "[sweep]\ndesign = \"grid\"\n[sweep.parameters]\n\
         \"adoption.imitation\" = { values = [0.15, 0.45] }\n",
    )
    .replace(
        "set = { \"providers.qwen.price\" = 4.0 }",
        "set = { \"providers.qwen.price\" = 4.0, \"adoption.imitation\" = 0.05 }",
    );
    let overrides = Overrides {
        sets: vec![
            "adoption.imitation=0.9".into(),
            "adoption.innovation=0.07".into(),
        ],
        ..Overrides::default()
    };
    let scenario = load(&text, &overrides).expect("valid");
    let sweep = scenario.sweep.as_ref().expect("swept");
    for (point, value) in sweep.points.iter().zip([0.15, 0.45]) {
        // The point wins over --set; --set still reaches what the point does not sweep.
        assert_eq!(point.baseline.params.imitation, value);
        assert_eq!(point.baseline.params.innovation, 0.07);
        // A variant that sets nothing swept takes the point's value; one that does wins.
        assert_eq!(point.variants[0].params.imitation, value);
        assert_eq!(point.variants[1].params.imitation, 0.05);
        assert_eq!(
            point.variants[1].params.providers[1].costs[Cost::Price],
            4.0
        );
    }
    let warnings = scenario.warnings.join("\n");
    assert!(
        warnings.contains("--set 'adoption.imitation=0.9'"),
        "{warnings}"
    );
    assert!(
        warnings.contains("variant 'cheap-qwen' sets adoption.imitation"),
        "{warnings}"
    );
}

use common::run_quiet as run;

#[test]
fn swept_outputs_start_with_the_point_and_points_csv_holds_the_values() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("run");
    run(&tiny(), &out, &[]);
    let scenario = Scenario::load(&tiny(), &Overrides::default()).expect("valid");
    let points = scenario.sweep.as_ref().expect("swept").points.len();
    for file in [
        "adoption.csv",
        "summary.csv",
        "comparison.csv",
        "flows.csv",
        "metrics.csv",
    ] {
        let table = common::read_csv(&out.join(file));
        assert_eq!(table.header[0], "point", "{file}");
        let mut seen: Vec<usize> = table
            .rows
            .iter()
            .map(|r| r["point"].parse().expect("integer point"))
            .collect();
        assert!(
            seen.windows(2).all(|w| w[0] <= w[1]),
            "{file}: rows by point"
        );
        seen.dedup();
        assert_eq!(seen, (0..points).collect::<Vec<_>>(), "{file}");
    }
    let text = std::fs::read_to_string(out.join("points.csv")).expect("points.csv");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("point,adoption.imitation,segments.startup.capabilities.vpn")
    );
    for (i, point) in scenario
        .sweep
        .as_ref()
        .expect("swept")
        .points
        .iter()
        .enumerate()
    {
        let line = lines.next().expect("a row per point");
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields[0], i.to_string());
        // Written in the shortest form that reads back exactly.
        let imitation: f64 = fields[1].parse().expect("float");
        assert_eq!(Some(imitation), point.values[0].as_float());
    }
    assert_eq!(lines.next(), None);

    // Comparisons are paired within a point: each point's baseline_mean is that point's
    // baseline mean in summary.csv.
    let summary = common::read_csv(&out.join("summary.csv"));
    let comparison = common::read_csv(&out.join("comparison.csv"));
    for row in comparison.rows.iter().step_by(97) {
        let base = summary
            .rows
            .iter()
            .find(|s| {
                s["variant"] == "baseline"
                    && ["point", "step", "segment", "state"]
                        .iter()
                        .all(|k| s[*k] == row[*k])
            })
            .expect("matching summary row");
        assert_eq!(base["mean"], row["baseline_mean"], "{row:?}");
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).expect("run.json"))
            .expect("json");
    assert_eq!(manifest["resolved"]["sweep"]["design"], "latin_hypercube");
    assert_eq!(
        manifest["resolved"]["sweep"]["points"]
            .as_array()
            .map(Vec::len),
        Some(points)
    );
}

/// The rows of one point of a swept file, with the point column removed.
fn rows_of_point(path: &Path, point: &str) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("file")
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(',').filter(|(p, _)| *p == point))
        .map(|(_, rest)| rest.to_owned())
        .collect()
}

#[test]
fn draws_never_depend_on_the_point() {
    // Point 1 of this grid is the file as written: its curves must be the unswept run's,
    // byte for byte, although point 0 ran before it.
    let tmp = tempfile::tempdir().expect("temp dir");
    let unswept_file = tmp.path().join("unswept.toml");
    let swept_file = tmp.path().join("swept.toml");
    std::fs::write(&unswept_file, with_sweep("")).expect("write");
    std::fs::write(
        &swept_file,
        with_sweep(
            "[sweep]\ndesign = \"grid\"\n[sweep.parameters]\n\
             \"adoption.imitation\" = { values = [0.6, 0.3] }\n",
        ),
    )
    .expect("write");
    let (unswept, swept) = (tmp.path().join("a"), tmp.path().join("b"));
    run(&unswept_file, &unswept, &[]);
    run(&swept_file, &swept, &[]);
    for file in ["adoption.csv", "summary.csv", "comparison.csv", "flows.csv"] {
        let plain: Vec<String> = std::fs::read_to_string(unswept.join(file))
            .expect("file")
            .lines()
            .skip(1)
            .map(str::to_owned)
            .collect();
        assert_eq!(rows_of_point(&swept.join(file), "1"), plain, "{file}");
        assert_ne!(rows_of_point(&swept.join(file), "0"), plain, "{file}");
    }
    // Without a sweep there is no point column and no points.csv.
    assert!(!unswept.join("points.csv").exists());
    let header = common::read_csv(&unswept.join("adoption.csv")).header;
    assert_eq!(header[0], "variant");
}

#[test]
fn check_shows_the_design_the_points_and_the_task_count() {
    let output = common::blockade()
        .arg("check")
        .arg(tiny())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(output).expect("utf-8");
    assert!(text.contains("x 3 sweep points = 18 tasks"), "{text}");
    assert!(text.contains("sweep (latin_hypercube, 3 samples, design seed 7): 3 points, 18 tasks"));
    assert!(text.contains("adoption.imitation"));
    assert!(text.contains("one of 0.2, 0.5, 0.8"));

    // Many points: the first and last five, the count of the rest, and each range.
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = tmp.path().join("many.toml");
    std::fs::write(
        &file,
        with_sweep(
            "[sweep]\ndesign = \"random\"\nsamples = 50\nseed = 2\n[sweep.parameters]\n\
             \"adoption.imitation\" = { min = 0.1, max = 0.5 }\n",
        ),
    )
    .expect("write");
    let output = common::blockade()
        .arg("check")
        .arg(&file)
        .args(["--variant", "baseline"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(output).expect("utf-8");
    assert!(
        text.contains("x 1 arm x 50 sweep points = 100 tasks"),
        "{text}"
    );
    assert!(text.contains("(40 more points)"), "{text}");
    assert!(text.contains("    49  "), "{text}");
    assert!(text.contains(" range  "), "{text}");
}

/// A broken sweep: what it is, the `[sweep]` table, and the words its message must hold.
const BAD_SWEEPS: &[(&str, &str, &[&str])] = &[
    (
        "a point that breaks a sum",
        "[sweep]\ndesign = \"grid\"\n[sweep.parameters]\n\
         \"segments.startup.share\" = { values = [0.6, 0.7] }\n",
        &[
            "sweep.parameters.segments.startup.share",
            "point 1 (segments.startup.share = 0.7)",
            "sum to",
        ],
    ),
    (
        "a point outside a probability's range",
        "[sweep]\ndesign = \"grid\"\n[sweep.parameters]\n\
         \"adoption.imitation\" = { values = [0.3, 1.5] }\n",
        &[
            "sweep.parameters.adoption.imitation",
            "point 1 (adoption.imitation = 1.5)",
            "probability",
        ],
    ),
    (
        "a point that breaks another key",
        "[sweep]\ndesign = \"grid\"\n[sweep.parameters]\n\
         \"scenario.population\" = { values = [300, 3] }\n",
        &["point 1 (scenario.population = 3", "network.degree"],
    ),
    (
        "a grid with min and max",
        "[sweep]\ndesign = \"grid\"\n[sweep.parameters]\n\
         \"adoption.imitation\" = { min = 0.1, max = 0.5 }\n",
        &[
            "sweep.parameters.adoption.imitation",
            "a grid takes values lists",
        ],
    ),
    (
        "a grid with samples",
        "[sweep]\ndesign = \"grid\"\nsamples = 4\n[sweep.parameters]\n\
         \"adoption.imitation\" = { values = [0.1] }\n",
        &["sweep.samples", "no samples"],
    ),
    (
        "a latin hypercube without samples",
        "[sweep]\ndesign = \"latin_hypercube\"\nseed = 1\n[sweep.parameters]\n\
         \"adoption.imitation\" = { min = 0.1, max = 0.5 }\n",
        &["sweep.samples", "required"],
    ),
    (
        "a random design without a seed",
        "[sweep]\ndesign = \"random\"\nsamples = 3\n[sweep.parameters]\n\
         \"adoption.imitation\" = { min = 0.1, max = 0.5 }\n",
        &["sweep.seed", "required"],
    ),
    (
        "an unknown design",
        "[sweep]\ndesign = \"sobol\"\n[sweep.parameters]\n\
         \"adoption.imitation\" = { values = [0.1] }\n",
        &["sweep.design", "'sobol' is not a design"],
    ),
    (
        "a path no variant may set",
        "[sweep]\ndesign = \"grid\"\n[sweep.parameters]\n\
         \"scenario.steps\" = { values = [4, 8] }\n",
        &["sweep.parameters.scenario.steps", "cannot set"],
    ),
    (
        "an unknown path",
        "[sweep]\ndesign = \"grid\"\n[sweep.parameters]\n\
         \"adoption.imitaton\" = { values = [0.1] }\n",
        &["sweep.parameters.adoption.imitaton", "unknown path"],
    ),
    (
        "min and max for an integer",
        "[sweep]\ndesign = \"random\"\nsamples = 2\nseed = 1\n[sweep.parameters]\n\
         \"scenario.population\" = { min = 100, max = 400 }\n",
        &["expected an integer", "give values"],
    ),
    (
        "min above max",
        "[sweep]\ndesign = \"random\"\nsamples = 2\nseed = 1\n[sweep.parameters]\n\
         \"adoption.imitation\" = { min = 0.5, max = 0.1 }\n",
        &["above max"],
    ),
    (
        "no parameters",
        "[sweep]\ndesign = \"grid\"\n[sweep.parameters]\n",
        &["sweep.parameters", "at least one"],
    ),
    (
        "an unknown key",
        "[sweep]\ndesign = \"grid\"\npoints = 3\n[sweep.parameters]\n\
         \"adoption.imitation\" = { values = [0.1] }\n",
        &["unknown field `points`"],
    ),
    (
        "a grid too large",
        "[sweep]\ndesign = \"grid\"\n[sweep.parameters]\n\
         \"adoption.imitation\" = { values = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0] }\n\
         \"adoption.innovation\" = { values = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0] }\n\
         \"adoption.reconsider\" = { values = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0] }\n\
         \"providers.qwen.price\" = { values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }\n",
        &["more than 10000 points"],
    ),
];

#[test]
fn a_bad_sweep_is_refused_before_anything_runs_naming_the_point_and_parameter() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("earlier");
    run(&tiny(), &out, &["--variant", "baseline"]);
    let before = common::folder_bytes(&out);
    for (name, sweep, words) in BAD_SWEEPS {
        let file = tmp.path().join("bad.toml");
        std::fs::write(&file, with_sweep(sweep)).expect("write");
        for command in ["check", "run"] {
            let mut cmd = common::blockade();
            cmd.arg(command).arg(&file);
            if command == "run" {
                cmd.args(["--quiet", "--out"]).arg(&out);
            }
            let output = cmd.output().expect("runs");
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(
                output.status.code(),
                Some(2),
                "{name} ({command}): {stderr}"
            );
            assert_eq!(stderr.lines().count(), 1, "{name}: one line: {stderr}");
            for word in *words {
                assert!(stderr.contains(word), "{name}: '{word}' not in: {stderr}");
            }
            assert!(stderr.contains("bad.toml:"), "{name}: {stderr}");
        }
        assert_eq!(
            common::folder_bytes(&out),
            before,
            "{name}: earlier run changed"
        );
    }
}

#[test]
fn a_point_error_names_the_line_of_its_parameter() {
    let text = with_sweep(
        "[sweep]\ndesign = \"grid\"\n[sweep.parameters]\n\
         adoption.innovation = { values = [0.1] }\n\
         adoption.imitation = { values = [0.3, 2.0] }\n",
    );
    let err = load(&text, &Overrides::default()).expect_err("invalid");
    let line = text
        .lines()
        .position(|l| l.starts_with("adoption.imitation"))
        .expect("line")
        + 1;
    assert_eq!(err.line, Some(line), "{err}");
    assert_eq!(
        err.key.as_deref(),
        Some("sweep.parameters.adoption.imitation")
    );
}
