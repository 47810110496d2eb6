//! `compare` and `plot` on swept runs (issue 6, part 4): robustness with known numbers on a
//! hand-built swept folder, metrics paired within a point, per-point curves read back as
//! summary.csv has them, `robustness.csv` from a swept run and from `compare` alike,
//! `plot --point` and its refusals, and refused malformed swept folders.

use crate::common;

use std::path::{Path, PathBuf};

/// Per point, arm and replicate, the counts of [not_adopted, unserved, cn1, us1] at step 1;
/// at step 0 every agent is not_adopted. Segment `a` has 4 agents at point 0 and 8 at point 1
/// (a point may change the population).
const LAST: [[[[u32; 4]; 2]; 3]; 2] = [
    [
        [[1, 1, 1, 1], [2, 0, 1, 1]], // baseline
        [[0, 0, 3, 1], [2, 0, 2, 0]], // v
        [[1, 2, 0, 1], [2, 1, 1, 0]], // w
    ],
    [
        [[2, 2, 2, 2], [4, 0, 2, 2]],
        [[2, 2, 2, 2], [4, 1, 2, 1]],
        [[2, 0, 4, 2], [4, 0, 4, 0]],
    ],
];
const AGENTS: [u32; 2] = [4, 8];
const ARMS: [&str; 3] = ["baseline", "v", "w"];
const STATES: [&str; 4] = ["not_adopted", "unserved", "cn1", "us1"];
const DATES: [&str; 2] = ["2024-01-01", "2024-01-08"];

/// A swept output folder with the counts above: 2 points x 3 arms x 2 replicates, steps 0..=1,
/// one segment `a`, providers `cn1` (origin cn) and `us1` (us), one swept parameter.
fn swept_folder(dir: &Path) {
    std::fs::create_dir_all(dir).expect("folder");
    let manifest = serde_json::json!({
        "tool": "blockade",
        "variants": ARMS,
        "replicates": 2,
        "resolved": {
            "scenario": { "name": "tiny-swept", "steps": 1 },
            "segments": [{ "name": "a" }],
            "providers": [{ "id": "cn1", "origin": "cn" }, { "id": "us1", "origin": "us" }],
            "events": [],
            "timeline": [],
            "variants": [
                { "name": "v", "events": [], "timeline": [] },
                { "name": "w", "events": [], "timeline": [] }
            ],
            "sweep": {
                "design": "grid",
                "parameters": { "adoption.imitation": { "values": [0.1, 0.3] } },
                "points": [[0.1], [0.3]]
            }
        }
    });
    std::fs::write(dir.join("run.json"), manifest.to_string()).expect("run.json");
    std::fs::write(
        dir.join("points.csv"),
        "point,adoption.imitation\n0,0.1\n1,0.3\n",
    )
    .expect("points.csv");
    let mut adoption =
        String::from("point,variant,replicate,step,date,segment,state,agents,share\n");
    let mut flows = String::from("point,variant,replicate,step,date,segment,from,to,agents\n");
    for (point, arms) in LAST.iter().enumerate() {
        let n = AGENTS[point];
        for (arm, replicates) in ARMS.iter().zip(arms) {
            for (r, last) in replicates.iter().enumerate() {
                let first = [n, 0, 0, 0];
                for (t, counts) in [first, *last].iter().enumerate() {
                    for (state, count) in STATES.iter().zip(counts) {
                        let share = f64::from(*count) / f64::from(n);
                        adoption.push_str(&format!(
                            "{point},{arm},{r},{t},{},a,{state},{count},{share}\n",
                            DATES[t]
                        ));
                    }
                }
                // Every agent who adopted at step 1 left not_adopted.
                for (state, count) in STATES.iter().zip(last).skip(1) {
                    if *count > 0 {
                        flows.push_str(&format!(
                            "{point},{arm},{r},1,{},a,not_adopted,{state},{count}\n",
                            DATES[1]
                        ));
                    }
                }
            }
        }
    }
    std::fs::write(dir.join("adoption.csv"), adoption).expect("adoption.csv");
    std::fs::write(dir.join("flows.csv"), flows).expect("flows.csv");
}

use common::{Row, number, svg_text};

fn find<'a>(rows: &'a [Row], keys: &[(&str, &str)]) -> &'a Row {
    let found: Vec<&Row> = rows
        .iter()
        .filter(|r| keys.iter().all(|(k, v)| r[*k] == *v))
        .collect();
    assert_eq!(found.len(), 1, "rows matching {keys:?}");
    found[0]
}

/// Asserts a robustness row's numbers: diff mean, worst, worst-end 10th percentile, and the
/// fractions of points that beat the baseline, are above it and below it.
fn expect(row: &Row, better: &str, values: [f64; 6]) {
    assert_eq!(row["better"], better, "{row:?}");
    assert_eq!(row["points"], "2");
    let columns = [
        "diff_mean",
        "diff_worst",
        "diff_worst_p10",
        "fraction_beats",
        "fraction_positive",
        "fraction_negative",
    ];
    for (column, expected) in columns.iter().zip(values) {
        common::assert_close(row, column, expected);
    }
}

#[test]
fn robustness_of_a_hand_built_swept_folder_has_the_known_values() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("swept");
    swept_folder(&dir);
    let out = common::blockade()
        .args(["compare", "--write-metrics", "--format", "csv"])
        .arg(&dir)
        .assert()
        .success();
    let written = std::fs::read_to_string(dir.join("robustness.csv")).expect("robustness.csv");
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout),
        written,
        "--format csv prints robustness.csv on a swept run"
    );

    // metrics.csv: each point's rows, the point first; variants paired with their own point's
    // baseline.
    let metrics = common::read_csv(&dir.join("metrics.csv"));
    assert_eq!(
        metrics.header.join(","),
        "point,variant,segment,metric,state,step,date,unit,mean,ci95_low,ci95_high,diff_mean,\
         diff_ci95_low,diff_ci95_high,unpaired_ci95_low,unpaired_ci95_high"
    );
    // Per point: segments a and all, each 4 states, 2 origin shares, the crossing, the peak,
    // the exposure and 2 providers' switches; times 3 arms.
    assert_eq!(metrics.rows.len(), 2 * 2 * 11 * 3);
    let points: Vec<&str> = metrics.rows.iter().map(|r| r["point"].as_str()).collect();
    assert!(points[..66].iter().all(|&p| p == "0") && points[66..].iter().all(|&p| p == "1"));
    let unserved = |point: &str, variant: &str| {
        find(
            &metrics.rows,
            &[
                ("point", point),
                ("variant", variant),
                ("segment", "all"),
                ("metric", "share"),
                ("state", "unserved"),
            ],
        )
    };
    // Point 1 has 8 agents: the baseline's unserved shares are 2/8 and 0.
    assert_eq!(number(unserved("1", "baseline"), "mean"), 0.125);
    // w at point 1: 0 and 0 against that baseline (not point 0's 1/4 and 0).
    assert_eq!(number(unserved("1", "w"), "diff_mean"), -0.125);
    assert_eq!(number(unserved("0", "w"), "diff_mean"), 0.25);

    let table = common::read_csv(&dir.join("robustness.csv"));
    assert_eq!(
        table.header.join(","),
        "variant,segment,metric,state,step,date,unit,better,points,diff_mean,diff_worst,\
         diff_worst_p10,fraction_beats,fraction_positive,fraction_negative"
    );
    // Two variants (no baseline rows), two segments, 11 metrics each.
    assert_eq!(table.rows.len(), 2 * 2 * 11);
    let rows = &table.rows;
    let row = |variant: &str, metric: &str, state: &str| {
        find(
            rows,
            &[
                ("variant", variant),
                ("segment", "all"),
                ("metric", metric),
                ("state", state),
            ],
        )
    };
    // Unserved share, lower is better. v: -1/8 at point 0, +1/16 at point 1; w: +1/4, -1/8.
    // Worst is the largest; the 10th percentile from the worst end is the 90th percentile.
    let v = row("v", "share", "unserved");
    assert_eq!(
        (v["step"].as_str(), v["date"].as_str()),
        ("1", "2024-01-08")
    );
    expect(
        v,
        "lower",
        [-0.03125, 0.0625, -0.125 + 0.9 * 0.1875, 0.5, 0.5, 0.5],
    );
    expect(
        row("w", "share", "unserved"),
        "lower",
        [0.0625, 0.25, -0.125 + 0.9 * 0.375, 0.5, 0.5, 0.5],
    );
    // cn1 has no direction: worst is the smallest, beats means above. v: +3/8 and 0 (a tie
    // is neither above nor below).
    expect(
        row("v", "share", "cn1"),
        "none",
        [0.1875, 0.0, 0.1 * 0.375, 0.5, 0.5, 0.0],
    );
    expect(
        row("w", "share", "cn1"),
        "none",
        [0.0625, -0.125, -0.125 + 0.1 * 0.375, 0.5, 0.5, 0.5],
    );
    // us1: v is below the baseline at both points (-1/8, -1/16).
    expect(
        row("v", "share", "us1"),
        "none",
        [-0.09375, -0.125, -0.125 + 0.1 * 0.0625, 0.0, 0.0, 1.0],
    );
    // Domestic is cn1, foreign us1.
    expect(
        row("v", "domestic_share", ""),
        "none",
        [0.1875, 0.0, 0.1 * 0.375, 0.5, 0.5, 0.0],
    );
    expect(
        row("v", "foreign_share", ""),
        "none",
        [-0.09375, -0.125, -0.125 + 0.1 * 0.0625, 0.0, 0.0, 1.0],
    );
    // The crossing: the fraction of replicates that cross; v crosses in one of two at point 0
    // (3 of 4 on cn1), nowhere at point 1; the baseline never does. No step: it is a median
    // that differs between points.
    let crossing = row("v", "domestic_crossing", "");
    assert_eq!(
        (crossing["step"].as_str(), crossing["date"].as_str()),
        ("", "")
    );
    assert_eq!(crossing["unit"], "fraction_of_replicates");
    expect(crossing, "none", [0.25, 0.0, 0.05, 0.5, 0.5, 0.0]);
    // The peak is the step-1 share (step 0 has no one unserved); lower is better.
    expect(
        row("w", "peak_unserved", "unserved"),
        "lower",
        [0.0625, 0.25, -0.125 + 0.9 * 0.375, 0.5, 0.5, 0.5],
    );
    // Exposure in agent-steps: v -1/2 and +1/2; w +1 and -1.
    let exposure = row("v", "unserved_exposure", "unserved");
    assert_eq!(exposure["unit"], "agent_steps");
    expect(exposure, "lower", [0.0, 0.5, 0.4, 0.5, 0.5, 0.5]);
    expect(
        row("w", "unserved_exposure", "unserved"),
        "lower",
        [0.0, 1.0, 0.8, 0.5, 0.5, 0.5],
    );
    // No one leaves a provider: every difference is 0.
    expect(
        row("w", "switches_away", "us1"),
        "none",
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    );

    // One segment in CSV; the same rows in JSON; tables that read at 100 columns.
    let segment = common::blockade()
        .args(["compare", "--format", "csv", "--segment", "a"])
        .arg(&dir)
        .assert()
        .success();
    let segment = String::from_utf8_lossy(&segment.get_output().stdout).into_owned();
    assert_eq!(segment.lines().count(), 1 + 2 * 11);
    assert!(segment.lines().skip(1).all(|l| l.contains(",a,")));
    let json = common::blockade()
        .args(["compare", "--format", "json"])
        .arg(&dir)
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&json.get_output().stdout).expect("JSON");
    let json = json.as_array().expect("array");
    assert_eq!(json.len(), rows.len());
    assert!(json.iter().any(|r| r["variant"] == "w"
        && r["segment"] == "all"
        && r["metric"] == "unserved_exposure"
        && r["better"] == "lower"
        && r["diff_worst"] == 1.0));
    let text = common::blockade()
        .arg("compare")
        .arg(&dir)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&text.get_output().stdout).into_owned();
    assert!(
        text.contains("Robustness across 2 sweep points: tiny-swept, segment all"),
        "{text}"
    );
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
    // The label on the first variant's row; v: mean -3.125 pp (printed to even), worst
    // +6.25, 10% worst 4.375 (not quite exact in binary: above the tie), beats 50%.
    assert!(
        text.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == [
                    "unserved", "v", "lower", "-3.12", "6.25", "4.38", "50%", "50%", "50%"
                ]),
        "{text}"
    );
    let markdown = common::blockade()
        .args(["compare", "--format", "markdown"])
        .arg(&dir)
        .assert()
        .success();
    let markdown = String::from_utf8_lossy(&markdown.get_output().stdout).into_owned();
    assert!(
        markdown.contains("|  | w | lower | 6.25 | 25.00 | 21.25 | 50% | 50% | 50% |"),
        "{markdown}"
    );
}

#[test]
fn plot_draws_the_point_asked_for_and_refuses_others() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("swept");
    swept_folder(&dir);
    // Point 0 by default; --point 1 draws the other point's curves.
    common::blockade().arg("plot").arg(&dir).assert().success();
    let first = dir.join("adoption.svg");
    let text = svg_text(&first);
    assert!(
        text.iter()
            .any(|t| t == "Sweep point 0 of 2 (numbered from 0): adoption.imitation = 0.1"),
        "{text:?}"
    );
    let second = tmp.path().join("point-1.svg");
    common::blockade()
        .arg("plot")
        .arg(&dir)
        .args(["--point", "1", "--kind", "comparison", "-o"])
        .arg(&second)
        .assert()
        .success();
    let text = svg_text(&second);
    assert!(
        text.iter()
            .any(|t| t == "Sweep point 1 of 2 (numbered from 0): adoption.imitation = 0.3"),
        "{text:?}"
    );
    assert!(
        text.iter().any(|t| t.starts_with("w - baseline")),
        "{text:?}"
    );
    let other = tmp.path().join("point-0.svg");
    common::blockade()
        .arg("plot")
        .arg(&dir)
        .args(["--point", "0", "--kind", "comparison", "-o"])
        .arg(&other)
        .assert()
        .success();
    assert_ne!(
        std::fs::read(&other).expect("svg"),
        std::fs::read(&second).expect("svg"),
        "points 0 and 1 drew the same chart"
    );

    // Refusals: one line, exit status 2, nothing written.
    let unswept = tmp.path().join("unswept");
    common::blockade()
        .arg("run")
        .arg(common::bundled("bass-validation.toml"))
        .args([
            "--quiet",
            "--population",
            "200",
            "--replicates",
            "1",
            "--out",
        ])
        .arg(&unswept)
        .assert()
        .success();
    let cases: [(&Path, &[&str], &str); 4] = [
        (
            &dir,
            &["--point", "2"],
            "--point: point 2 is not in this run",
        ),
        (&dir, &["--point", "-1"], "-1"),
        (&dir, &["--point", "one"], "one"),
        (
            &unswept,
            &["--point", "0"],
            "--point: this run has no [sweep]",
        ),
    ];
    for (folder, args, message) in cases {
        let target = tmp.path().join("refused.svg");
        let out = common::blockade()
            .arg("plot")
            .arg(folder)
            .args(args)
            .arg("-o")
            .arg(&target)
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(message),
            "{args:?}: expected '{message}' in {stderr}"
        );
        assert!(!target.exists(), "{args:?} wrote a chart");
    }
    // Without --point the unswept run plots as before.
    common::blockade()
        .arg("plot")
        .arg(&unswept)
        .assert()
        .success();
}

/// Each case: a broken copy of the swept folder, and what the one-line error must say. `plot`
/// reads only the point it draws (0 by default), so a fault in point 1 alone is refused by
/// `plot --point 1` and not by a chart of point 0.
#[test]
fn malformed_swept_folders_are_refused_with_exit_2() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let edit = |name: &str, change: &dyn Fn(&Path)| {
        let dir = tmp.path().join(name);
        swept_folder(&dir);
        change(&dir);
        dir
    };
    let replace = common::replace_once;
    let cases: Vec<(PathBuf, &str)> = vec![
        (
            edit("no-points", &|d| {
                std::fs::remove_file(d.join("points.csv")).expect("rm")
            }),
            "points.csv: cannot read",
        ),
        (
            edit("few-points", &replace("points.csv", "1,0.3\n", "")),
            "points.csv: has 1 point where run.json lists 2",
        ),
        (
            edit("renumbered", &replace("points.csv", "1,0.3", "2,0.3")),
            "expected point 1",
        ),
        (
            edit(
                "point-outside",
                &replace("adoption.csv", "1,w,1,1,", "7,w,1,1,"),
            ),
            "point 7 is not in this run",
        ),
        (
            edit(
                "no-point-column",
                &replace("flows.csv", "point,variant", "variant"),
            ),
            "unexpected header",
        ),
        (
            // A point whose segment does not add up (point 1 has 8 agents).
            edit(
                "agents",
                &replace(
                    "adoption.csv",
                    "1,v,0,1,2024-01-08,a,unserved,2,",
                    "1,v,0,1,2024-01-08,a,unserved,3,",
                ),
            ),
            "point 1: variant v: segment a has 9 agents",
        ),
    ];
    for (dir, message) in &cases {
        let point_1_only = dir.ends_with("agents");
        for command in ["compare", "plot"] {
            let mut blockade = common::blockade();
            blockade.arg(command).arg(dir);
            if command == "plot" && point_1_only {
                blockade.args(["--point", "1"]);
            }
            let out = blockade.assert().code(2);
            let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
            assert_eq!(stderr.lines().count(), 1, "{command} {dir:?}: {stderr}");
            assert!(
                stderr.starts_with("error: ") && stderr.contains(message),
                "{command} {dir:?}: expected '{message}' in {stderr}"
            );
        }
        assert!(!dir.join("metrics.csv").exists() && !dir.join("robustness.csv").exists());
        assert!(!dir.join("adoption.svg").exists());
    }
    let agents = tmp.path().join("agents");
    common::blockade()
        .arg("plot")
        .arg(&agents)
        .assert()
        .success();
}

fn tiny_sweep() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/tiny-sweep.toml")
}

#[test]
fn a_swept_run_writes_metrics_by_point_and_robustness_that_compare_rewrites() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("run");
    common::blockade()
        .arg("run")
        .arg(tiny_sweep())
        .args(["--quiet", "--plot", "--out"])
        .arg(&dir)
        .assert()
        .success();
    let metrics = common::read_csv(&dir.join("metrics.csv"));
    let robustness = common::read_csv(&dir.join("robustness.csv"));
    assert_eq!(metrics.header[0], "point");
    assert_eq!(robustness.header[0], "variant");
    // 3 points x 3 arms; 2 segments and all; per segment 5 states and 2 origin shares, the
    // crossing, the peak, the exposure, and 3 providers' switches (13 keys).
    assert_eq!(metrics.rows.len(), 3 * 3 * 3 * 13);
    assert_eq!(robustness.rows.len(), 2 * 3 * 13);
    // Each robustness row summarises the metrics rows of its key at the three points.
    for row in &robustness.rows {
        let diffs: Vec<f64> = metrics
            .rows
            .iter()
            .filter(|m| {
                ["variant", "segment", "metric", "state"]
                    .iter()
                    .all(|k| m[*k] == row[*k])
            })
            .map(|m| {
                if m["metric"] == "domestic_crossing" {
                    let base = find(
                        &metrics.rows,
                        &[
                            ("point", m["point"].as_str()),
                            ("variant", "baseline"),
                            ("segment", m["segment"].as_str()),
                            ("metric", "domestic_crossing"),
                        ],
                    );
                    number(m, "mean") - number(base, "mean")
                } else {
                    number(m, "diff_mean")
                }
            })
            .collect();
        assert_eq!(diffs.len(), 3, "{row:?}");
        let mean = diffs.iter().sum::<f64>() / 3.0;
        assert!((number(row, "diff_mean") - mean).abs() < 1e-12, "{row:?}");
        let (min, max) = diffs
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), &d| (lo.min(d), hi.max(d)));
        let worst = if row["better"] == "lower" { max } else { min };
        assert_eq!(number(row, "diff_worst"), worst, "{row:?}");
        let above = diffs.iter().filter(|&&d| d > 0.0).count() as f64 / 3.0;
        assert_eq!(number(row, "fraction_positive"), above, "{row:?}");
    }
    // Some difference is not zero, or the checks above prove little.
    assert!(
        robustness
            .rows
            .iter()
            .any(|r| number(r, "diff_mean") != 0.0)
    );
    // `run --plot` drew point 0.
    let text = svg_text(&dir.join("adoption.svg"));
    assert!(
        text.iter().any(|t| t.starts_with("Sweep point 0 of 3")),
        "{text:?}"
    );

    // compare gives the same bytes as run wrote.
    let before = [
        std::fs::read(dir.join("metrics.csv")).expect("metrics.csv"),
        std::fs::read(dir.join("robustness.csv")).expect("robustness.csv"),
    ];
    std::fs::remove_file(dir.join("robustness.csv")).expect("rm");
    common::blockade()
        .args(["compare", "--write-metrics"])
        .arg(&dir)
        .assert()
        .success();
    let after = [
        std::fs::read(dir.join("metrics.csv")).expect("metrics.csv"),
        std::fs::read(dir.join("robustness.csv")).expect("robustness.csv"),
    ];
    assert!(before == after, "compare wrote other metrics than run");
}

#[test]
fn swept_curves_read_back_as_summary_csv_has_them() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("run");
    common::blockade()
        .arg("run")
        .arg(tiny_sweep())
        .args(["--quiet", "--out"])
        .arg(&dir)
        .assert()
        .success();
    let run = blockade::output::read::load_run(&dir).expect("readable");
    let sweep = run.sweep.as_ref().expect("swept");
    assert_eq!(sweep.parameters[1], "segments.startup.capabilities.vpn");
    assert_eq!(run.points.len(), 3);
    let summary = common::read_csv(&dir.join("summary.csv")).rows;
    for (point, data) in run.points.iter().enumerate() {
        let segment = data.segments.len();
        for (arm, variant) in data.arms.iter().enumerate() {
            for state in 0..data.states.len() {
                let band = blockade::compare::series::share_band(data, arm, segment, state);
                let point = point.to_string();
                let row = find(
                    &summary,
                    &[
                        ("point", point.as_str()),
                        ("variant", variant.as_str()),
                        ("segment", "all"),
                        ("state", data.states[state].as_str()),
                        ("step", "8"),
                    ],
                );
                assert_eq!(number(row, "mean"), band.mean[8], "{row:?}");
                assert_eq!(number(row, "ci95_low"), band.low[8], "{row:?}");
            }
        }
        // One point alone reads the same as that point of the whole.
        let (alone, values) = blockade::output::read::load_point(&dir, Some(point)).expect("point");
        assert!(&alone == data, "point {point} read alone differs");
        assert_eq!(values.as_ref(), Some(sweep));
    }
    // The unswept reader refuses a swept folder.
    let refused = blockade::output::read::load(&dir).expect_err("swept");
    assert!(
        refused.to_string().contains("a swept run (3 points)"),
        "{refused}"
    );
}

#[test]
fn a_swept_run_of_the_baseline_alone_has_nothing_to_summarise() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("run");
    common::blockade()
        .arg("run")
        .arg(tiny_sweep())
        .args(["--quiet", "--variant", "baseline", "--out"])
        .arg(&dir)
        .assert()
        .success();
    let robustness = std::fs::read_to_string(dir.join("robustness.csv")).expect("file");
    assert_eq!(robustness.lines().count(), 1, "header only: {robustness}");
    let metrics = common::read_csv(&dir.join("metrics.csv"));
    assert!(metrics.rows.iter().all(|r| r["variant"] == "baseline"));
    let out = common::blockade()
        .arg("compare")
        .arg(&dir)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("No variant ran besides the baseline"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 3, "{text}");
}
