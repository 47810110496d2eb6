//! `compare` and `plot` (issue 3): metrics with known numbers on a hand-built folder, paired
//! intervals narrower than unpaired ones on the bundled scenario, charts that are valid SVG
//! naming every variant and event, and refusals (exit 2) of foreign or malformed folders.

use crate::common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use assert_cmd::assert::OutputAssertExt;

/// Student's t 0.975 quantile with one degree of freedom: tan(0.475 pi).
const T975_1: f64 = 12.706_204_736_174_707;

/// A tiny output folder with known counts: two arms, two replicates, steps 0..=2, one
/// segment `a` of 4 agents, providers `cn1` (origin cn), `us1` (us) and `x` (no origin).
fn tiny_folder(dir: &Path) {
    std::fs::create_dir_all(dir).expect("folder");
    let manifest = serde_json::json!({
        "tool": "blockade",
        "variants": ["baseline", "v"],
        "replicates": 2,
        "resolved": {
            "scenario": { "name": "tiny", "steps": 2 },
            "segments": [{ "name": "a" }],
            "providers": [
                { "id": "cn1", "origin": "cn" },
                { "id": "us1", "origin": "us" },
                { "id": "x", "origin": null }
            ],
            "events": [{ "name": "e1", "at": "2024-01-03", "step": 1 }],
            "timeline": [{ "name": "e1", "date": "2024-01-08", "step": 1 }],
            "variants": [{
                "name": "v",
                "events": [{ "name": "v-only", "at": 2, "step": 2 }],
                "timeline": [
                    { "name": "e1", "date": "2024-01-08", "step": 1 },
                    { "name": "v-only", "date": "2024-01-15", "step": 2 }
                ]
            }]
        }
    });
    std::fs::write(dir.join("run.json"), manifest.to_string()).expect("run.json");
    // [not_adopted, unserved, cn1, us1, x] per (arm, replicate, step).
    let counts: [[[[u32; 5]; 3]; 2]; 2] = [
        [
            [[4, 0, 0, 0, 0], [1, 1, 1, 1, 0], [0, 0, 3, 1, 0]],
            [[4, 0, 0, 0, 0], [2, 0, 1, 1, 0], [0, 1, 2, 0, 1]],
        ],
        [
            [[4, 0, 0, 0, 0], [0, 1, 3, 0, 0], [0, 0, 4, 0, 0]],
            [[4, 0, 0, 0, 0], [0, 2, 1, 0, 1], [0, 0, 3, 1, 0]],
        ],
    ];
    let states = ["not_adopted", "unserved", "cn1", "us1", "x"];
    let dates = ["2024-01-01", "2024-01-08", "2024-01-15"];
    let mut adoption = String::from("variant,replicate,step,date,segment,state,agents,share\n");
    for (name, replicates) in ["baseline", "v"].iter().zip(&counts) {
        for (r, steps) in replicates.iter().enumerate() {
            for (t, (date, step)) in dates.iter().zip(steps).enumerate() {
                for (state, n) in states.iter().zip(step) {
                    let share = f64::from(*n) / 4.0;
                    adoption.push_str(&format!("{name},{r},{t},{date},a,{state},{n},{share}\n"));
                }
            }
        }
    }
    std::fs::write(dir.join("adoption.csv"), adoption).expect("adoption.csv");
    // Every change of the counts above, so that each step's flows lead to the next's counts.
    let flows = "variant,replicate,step,date,segment,from,to,agents\n\
        baseline,0,1,2024-01-08,a,not_adopted,unserved,1\n\
        baseline,0,1,2024-01-08,a,not_adopted,cn1,1\n\
        baseline,0,1,2024-01-08,a,not_adopted,us1,1\n\
        baseline,0,2,2024-01-15,a,not_adopted,cn1,1\n\
        baseline,0,2,2024-01-15,a,unserved,cn1,1\n\
        baseline,1,1,2024-01-08,a,not_adopted,cn1,1\n\
        baseline,1,1,2024-01-08,a,not_adopted,us1,1\n\
        baseline,1,2,2024-01-15,a,not_adopted,unserved,1\n\
        baseline,1,2,2024-01-15,a,not_adopted,cn1,1\n\
        baseline,1,2,2024-01-15,a,us1,x,1\n\
        v,0,1,2024-01-08,a,not_adopted,unserved,1\n\
        v,0,1,2024-01-08,a,not_adopted,cn1,3\n\
        v,0,2,2024-01-15,a,unserved,cn1,1\n\
        v,1,1,2024-01-08,a,not_adopted,unserved,2\n\
        v,1,1,2024-01-08,a,not_adopted,cn1,1\n\
        v,1,1,2024-01-08,a,not_adopted,x,1\n\
        v,1,2,2024-01-15,a,unserved,cn1,2\n\
        v,1,2,2024-01-15,a,x,us1,1\n";
    std::fs::write(dir.join("flows.csv"), flows).expect("flows.csv");
}

use common::{Row, assert_close as close, number, svg_text};

fn find<'a>(rows: &'a [Row], variant: &str, metric: &str, state: &str, step: &str) -> &'a Row {
    rows.iter()
        .find(|r| {
            r["variant"] == variant
                && r["segment"] == "all"
                && r["metric"] == metric
                && r["state"] == state
                && r["step"] == step
        })
        .unwrap_or_else(|| panic!("no row {variant} {metric} {state} {step}"))
}

#[test]
fn metrics_of_a_hand_built_folder_have_the_known_values() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("tiny");
    tiny_folder(&dir);
    let out = common::blockade()
        .args([
            "compare",
            "--write-metrics",
            "--at",
            "2024-01-05",
            "--format",
            "csv",
        ])
        .arg(&dir)
        .assert()
        .success();
    let written = std::fs::read_to_string(dir.join("metrics.csv")).expect("metrics.csv");
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout),
        written,
        "--format csv prints metrics.csv"
    );
    let table = common::read_csv(&dir.join("metrics.csv"));
    assert_eq!(
        table.header.join(","),
        "variant,segment,metric,state,step,date,unit,mean,ci95_low,ci95_high,diff_mean,\
         diff_ci95_low,diff_ci95_high,unpaired_ci95_low,unpaired_ci95_high"
    );
    let rows = &table.rows;
    // Two segments' worth (a and all), each: 5 states and 2 origin shares at 2 steps, the
    // crossing, the peak, the exposure and 3 providers' switches; times 2 arms.
    assert_eq!(rows.len(), 2 * 2 * (2 * 7 + 3 + 3));

    // cn1 at the last step: baseline 3/4 and 2/4, variant 4/4 and 3/4.
    let half = T975_1 * (0.25 / 2f64.sqrt()) / 2f64.sqrt();
    let base = find(rows, "baseline", "share", "cn1", "2");
    assert_eq!(base["date"], "2024-01-15");
    assert_eq!(base["unit"], "share");
    close(base, "mean", 0.625);
    close(base, "ci95_low", 0.625 - half);
    close(base, "ci95_high", 0.625 + half);
    for column in ["diff_mean", "diff_ci95_low", "unpaired_ci95_high"] {
        assert_eq!(base[column], "", "the baseline has no {column}");
    }
    let variant = find(rows, "v", "share", "cn1", "2");
    close(variant, "mean", 0.875);
    // Differences 0.25 and 0.25: no spread, so the paired interval is the point...
    close(variant, "diff_mean", 0.25);
    close(variant, "diff_ci95_low", 0.25);
    close(variant, "diff_ci95_high", 0.25);
    // ...while Welch sees two samples that each spread by 0.25 (df = 2, equal variances).
    let welch = blockade::stats::t975(2.0) * (2.0 * 0.03125 / 2.0f64).sqrt();
    close(variant, "unpaired_ci95_low", 0.25 - welch);
    close(variant, "unpaired_ci95_high", 0.25 + welch);

    // --at 2024-01-05 is step 1 (the first on or after it): unserved 1/4, 0; 1/4, 2/4.
    let at = find(rows, "v", "share", "unserved", "1");
    assert_eq!(at["date"], "2024-01-08");
    close(at, "mean", 0.375);
    close(at, "diff_mean", 0.25);
    close(at, "diff_ci95_high", 0.25 + T975_1 * 0.5 / 2.0);

    // Domestic is cn1 alone; foreign is us1 and x, which has no origin.
    close(
        find(rows, "baseline", "domestic_share", "", "2"),
        "mean",
        0.625,
    );
    let foreign = find(rows, "v", "foreign_share", "", "2");
    close(foreign, "mean", 0.125);
    close(foreign, "diff_mean", -0.125);

    // Crossing (domestic > 1/2, i.e. 3 of 4): baseline at step 2 and never; v at 1 and 2.
    let crossing = |variant| {
        rows.iter()
            .find(|r| {
                r["variant"] == variant
                    && r["segment"] == "all"
                    && r["metric"] == "domestic_crossing"
            })
            .expect("crossing row")
    };
    let (b, v) = (crossing("baseline"), crossing("v"));
    assert_eq!(
        (b["step"].as_str(), b["date"].as_str()),
        ("2", "2024-01-15")
    );
    close(b, "mean", 0.5);
    assert_eq!(
        (v["step"].as_str(), v["date"].as_str()),
        ("1", "2024-01-08")
    );
    close(v, "mean", 1.0);
    for column in ["ci95_low", "diff_mean", "unpaired_ci95_low"] {
        assert_eq!(v[column], "", "a crossing has no {column}");
    }
    assert_eq!(v["unit"], "fraction_of_replicates");

    // Peak unserved: baseline 1/4 at steps 1 and 2 (median 1); v 1/4 and 2/4, both at 1.
    let peak = find(rows, "v", "peak_unserved", "unserved", "1");
    close(peak, "mean", 0.375);
    close(peak, "diff_mean", 0.125);
    close(
        find(rows, "baseline", "peak_unserved", "unserved", "1"),
        "mean",
        0.25,
    );

    // Exposure: unserved agents summed over steps 0..=2: baseline 1 and 1, v 1 and 2.
    let exposure = find(rows, "v", "unserved_exposure", "unserved", "");
    assert_eq!(exposure["unit"], "agent_steps");
    close(exposure, "mean", 1.5);
    close(exposure, "diff_mean", 0.5);
    close(exposure, "diff_ci95_high", 0.5 + T975_1 * 0.5);

    // Switches away: baseline replicate 1 leaves us1 once; v replicate 1 leaves x once.
    close(
        find(rows, "baseline", "switches_away", "us1", ""),
        "mean",
        0.5,
    );
    let us1 = find(rows, "v", "switches_away", "us1", "");
    close(us1, "mean", 0.0);
    close(us1, "diff_mean", -0.5);
    close(find(rows, "v", "switches_away", "x", ""), "mean", 0.5);
    close(find(rows, "v", "switches_away", "cn1", ""), "mean", 0.0);

    // The other formats show the same numbers.
    let json = common::blockade()
        .args(["compare", "--format", "json", "--segment", "a"])
        .arg(&dir)
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&json.get_output().stdout).expect("JSON");
    let rows = json.as_array().expect("array");
    assert!(rows.iter().all(|r| r["segment"] == "a"));
    assert!(rows.iter().any(|r| r["metric"] == "share"
        && r["state"] == "cn1"
        && r["variant"] == "v"
        && r["mean"] == 0.875
        && r["diff_mean"] == 0.25));
    let markdown = common::blockade()
        .args(["compare", "--format", "markdown"])
        .arg(&dir)
        .assert()
        .success();
    let markdown = String::from_utf8_lossy(&markdown.get_output().stdout).into_owned();
    assert!(
        markdown.contains("| cn1 | baseline | 62.50 ± 158.83 |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| v | 2024-01-08 (step 1) | 2/2 |"),
        "{markdown}"
    );

    // A chart of it names the variants and the events, with each event's own date.
    let svg = dir.join("adoption.svg");
    common::blockade().arg("plot").arg(&dir).assert().success();
    let text = svg_text(&svg);
    for expected in ["baseline", "v", "e1", "2024-01-03", "v-only", "2024-01-15"] {
        assert!(
            text.iter().any(|t| t.contains(expected)),
            "no '{expected}' in {text:?}"
        );
    }
}

/// `compare`'s printed table of the hand-built folder with `args`.
fn printed(dir: &Path, args: &[&str]) -> String {
    let out = common::blockade()
        .arg("compare")
        .args(args)
        .arg(dir)
        .assert()
        .success();
    String::from_utf8_lossy(&out.get_output().stdout).into_owned()
}

#[test]
fn filtered_tables_print_only_the_sections_that_keep_rows() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("tiny");
    tiny_folder(&dir);
    let titles = [
        "Share of agents",
        "When (medians over replicates)",
        "Unserved: peak share",
        "Switches away from each provider",
    ];
    // Unfiltered, every section has rows and shows.
    let all = printed(&dir, &[]);
    assert!(
        all.contains("simulation noise only") && all.contains("assumed parameters"),
        "the legend says what the intervals cover and what they leave out: {all}"
    );
    for title in titles {
        assert!(all.contains(title), "no '{title}' in {all}");
    }
    for (args, kept) in [
        (&["--metric", "foreign_share"][..], "Share of agents"),
        (
            &["--metric", "switches_away"],
            "Switches away from each provider",
        ),
        (
            &[
                "--metric",
                "switches_away",
                "--state",
                "us1",
                "--variant",
                "v",
            ],
            "Switches away from each provider",
        ),
        (
            &["--metric", "peak_unserved", "--format", "markdown"],
            "Unserved: peak share",
        ),
    ] {
        let text = printed(&dir, args);
        for title in titles {
            assert_eq!(
                text.contains(title),
                title == kept,
                "{args:?}: '{title}' in {text}"
            );
        }
    }
}

/// The bundled scenario, 10 replicates of 2 000 agents, run once for this file's tests.
fn bundled_run() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("compare-bundled");
        common::blockade()
            .arg("run")
            .arg(common::bundled("openai-api-block-2024.toml"))
            .args([
                "--quiet",
                "--plot",
                "--population",
                "2000",
                "--replicates",
                "10",
            ])
            .arg("--out")
            .arg(&dir)
            .assert()
            .success();
        dir
    })
}

#[test]
fn paired_intervals_are_narrower_than_unpaired_ones_on_the_bundled_scenario() {
    let dir = bundled_run();
    let rows = common::read_csv(&dir.join("metrics.csv")).rows;
    let width = |row: &Row, low: &str, high: &str| number(row, high) - number(row, low);
    let mut compared = 0;
    let mut narrower = 0;
    for row in rows
        .iter()
        .filter(|r| r["variant"] != "baseline" && !r["diff_mean"].is_empty())
    {
        let paired = width(row, "diff_ci95_low", "diff_ci95_high");
        let unpaired = width(row, "unpaired_ci95_low", "unpaired_ci95_high");
        if unpaired > 0.0 {
            compared += 1;
            narrower += usize::from(paired < unpaired);
        }
        // The headline number: every variant's domestic share at the end. (Not the foreign
        // share: where a variant closes Azure, the foreign share left is OpenAI's alone, which
        // shares little noise with the baseline's foreign share; see the 90% rule below.)
        if row["segment"] == "all" && row["step"] == "104" && row["metric"] == "domestic_share" {
            assert!(
                paired < unpaired,
                "{} {}: paired {paired} not narrower than unpaired {unpaired}",
                row["variant"],
                row["metric"]
            );
        }
    }
    assert!(compared > 500, "only {compared} rows compared");
    // A variant that empties a provider's share has no shared noise left to remove there
    // (its difference is minus the baseline's share), so a few rows may tie; most must not.
    assert!(
        narrower * 10 >= compared * 9,
        "paired narrower in only {narrower} of {compared} rows"
    );
}

#[test]
fn charts_of_the_bundled_scenario_name_every_variant_and_event() {
    let dir = bundled_run();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("run.json")).expect("run.json"))
            .expect("JSON");
    let variants: Vec<&str> = manifest["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(variants.len(), 7);
    let resolved = &manifest["resolved"];
    let mut events: Vec<&str> = resolved["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    for variant in resolved["variants"].as_array().expect("variants") {
        events.extend(
            variant["timeline"]
                .as_array()
                .expect("timeline")
                .iter()
                .filter_map(|e| e["name"].as_str()),
        );
    }
    assert!(events.len() > 20);

    // `run --plot` drew these two; `plot` draws the stacked one, and a PNG.
    let adoption = svg_text(&dir.join("adoption.svg"));
    let joined = adoption.join("\n");
    for name in variants.iter().chain(&events) {
        assert!(
            adoption
                .iter()
                .any(|t| t == name || t.ends_with(&format!(" {name}"))),
            "adoption.svg does not name '{name}'"
        );
    }
    // The block's own date (2024-07-09), not the date of the step it applies at.
    assert!(joined.contains("2024-07-09  openai-api-block"), "{joined}");
    let comparison = svg_text(&dir.join("comparison.svg"));
    for name in variants.iter().skip(1) {
        assert!(
            comparison.iter().any(|t| t.starts_with(name)),
            "comparison.svg has no panel for '{name}'"
        );
    }
    assert!(
        comparison
            .iter()
            .any(|t| t.contains("openai-api-block (baseline only)")),
        "comparison.svg does not mark the event no-block removes"
    );

    let tmp = tempfile::tempdir().expect("temp dir");
    let stacked = tmp.path().join("stacked.svg");
    common::blockade()
        .arg("plot")
        .arg(dir)
        .args([
            "--kind",
            "stacked",
            "--variant",
            "vpn-crackdown",
            "--segment",
            "startup",
        ])
        .arg("-o")
        .arg(&stacked)
        .assert()
        .success();
    let text = svg_text(&stacked);
    assert!(text.iter().any(|t| t.contains("vpn-crackdown")));
    assert!(text.iter().any(|t| t.ends_with("vpn-crackdown-round-1")));

    let png = tmp.path().join("chart.png");
    common::blockade()
        .arg("plot")
        .arg(dir)
        .args([
            "--states",
            "qwen,deepseek,openai_vpn",
            "--variant",
            "no-block",
            "-o",
        ])
        .arg(&png)
        .assert()
        .success();
    let bytes = std::fs::read(&png).expect("PNG");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(
        bytes.len() > 10_000,
        "a PNG of {} bytes has no chart",
        bytes.len()
    );
    assert_eq!(
        std::fs::read_dir(tmp.path()).expect("dir").count(),
        2,
        "temporary files left"
    );
}

#[test]
fn compare_rewrites_the_metrics_that_run_wrote() {
    let dir = bundled_run();
    let before = std::fs::read(dir.join("metrics.csv")).expect("metrics.csv");
    let out = common::output_within_hang_guard(
        common::blockade().arg("compare").arg(dir),
        "compare of the bundled run",
    )
    .assert()
    .success();
    assert_eq!(
        std::fs::read(dir.join("metrics.csv")).expect("metrics.csv"),
        before
    );
    let table = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        table.lines().all(|l| l.chars().count() <= 100),
        "wider than 100:\n{table}"
    );
    assert!(table.contains("domestic (cn)") && table.contains("open-again"));
}

#[test]
fn read_back_curves_match_summary_csv() {
    let dir = bundled_run();
    let data = blockade::output::read::load(dir).expect("readable");
    let summary = common::read_csv(&dir.join("summary.csv")).rows;
    let segment = data.segments.len();
    for (arm, variant) in data.arms.iter().enumerate().step_by(3) {
        for state in [1, 2, 4] {
            let band = blockade::compare::series::share_band(&data, arm, segment, state);
            for step in [0usize, 30, 104] {
                let row = summary
                    .iter()
                    .find(|r| {
                        &r["variant"] == variant
                            && r["segment"] == "all"
                            && r["state"] == data.states[state]
                            && r["step"] == step.to_string()
                    })
                    .expect("summary row");
                assert_eq!(number(row, "mean"), band.mean[step]);
                assert_eq!(number(row, "ci95_high"), band.high[step]);
            }
        }
    }
}

/// Each case: a broken copy of the tiny folder, and what the one-line error must say.
#[test]
fn foreign_or_malformed_folders_are_refused_with_exit_2() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let edit = |name: &str, change: &dyn Fn(&Path)| {
        let dir = tmp.path().join(name);
        tiny_folder(&dir);
        change(&dir);
        dir
    };
    let replace = common::replace_once;
    let cases: Vec<(PathBuf, &str)> = vec![
        (tmp.path().join("missing"), "not a folder"),
        (
            edit("no-manifest", &|d| {
                std::fs::remove_file(d.join("run.json")).expect("rm")
            }),
            "not a blockade output folder",
        ),
        (
            edit(
                "other-tool",
                &replace("run.json", "\"blockade\"", "\"other\""),
            ),
            "not a blockade output folder",
        ),
        (
            edit(
                "bad-header",
                &replace("adoption.csv", "agents,share", "count,share"),
            ),
            "unexpected header",
        ),
        (
            edit(
                "bad-number",
                &replace("adoption.csv", ",a,cn1,0,", ",a,cn1,zero,"),
            ),
            "agents: 'zero' is not a valid number",
        ),
        (
            edit("unknown-state", &replace("adoption.csv", ",a,x,", ",a,y,")),
            "unknown state 'y'",
        ),
        (
            edit("short", &|d| {
                let text = std::fs::read_to_string(d.join("adoption.csv")).expect("file");
                let kept: Vec<&str> = text.lines().take(40).collect();
                std::fs::write(d.join("adoption.csv"), kept.join("\n") + "\n").expect("write");
            }),
            "39 rows where run.json implies 60",
        ),
        (
            edit("no-flows", &|d| {
                std::fs::remove_file(d.join("flows.csv")).expect("rm")
            }),
            "flows.csv: cannot read",
        ),
        (
            edit("bad-flow", &replace("flows.csv", "us1,x,1", "us1,us1,1")),
            "not a flow of this run",
        ),
    ];
    for (dir, message) in &cases {
        for command in ["compare", "plot"] {
            let out = common::blockade().arg(command).arg(dir).assert().code(2);
            let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
            assert_eq!(
                stderr.lines().count(),
                1,
                "{command} {}: {stderr}",
                dir.display()
            );
            assert!(
                stderr.starts_with("error: ") && stderr.contains(message),
                "{command} {}: expected '{message}' in {stderr}",
                dir.display()
            );
        }
        assert!(!dir.join("metrics.csv").exists() && !dir.join("adoption.svg").exists());
    }
    // Bad flags against a good folder are refusals too.
    let good = edit("good", &|_| {});
    for args in [
        vec!["compare", "--segment", "nope"],
        vec!["compare", "--at", "2030-01-01"],
        vec!["compare", "--at", "July"],
        vec!["plot", "--variant", "nope"],
        vec!["plot", "--states", "qwen"],
        vec!["plot", "-o", "chart.pdf"],
        vec![
            "plot",
            "--kind",
            "stacked",
            "--variant",
            "baseline",
            "--variant",
            "v",
        ],
    ] {
        let out = common::blockade().args(&args).arg(&good).assert().code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            !good.join("metrics.csv").exists(),
            "{args:?} wrote metrics.csv"
        );
    }
}
