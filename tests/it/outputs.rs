//! The output files (docs/FORMAT.md, Output files): exact headers, row order, shares that add up,
//! dates that advance by the step unit, flows that account for every change, and a run.json that
//! parses.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;

fn run(out: &Path, extra: &[&str]) {
    common::blockade()
        .arg("run")
        .arg(common::bundled("openai-api-block-2024.toml"))
        .args([
            "--quiet",
            "--population",
            "2000",
            "--replicates",
            "3",
            "--out",
        ])
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

fn header_line(path: &Path) -> String {
    std::fs::read_to_string(path)
        .expect("file")
        .lines()
        .next()
        .expect("header")
        .to_owned()
}

#[test]
fn headers_order_sums_dates_flows_and_manifest_follow_the_contract() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("run");
    run(
        &out,
        &["--variant", "no-block", "--variant", "vpn-crackdown"],
    );

    let headers = [
        (
            "adoption.csv",
            "variant,replicate,step,date,segment,state,agents,share",
        ),
        (
            "summary.csv",
            "variant,step,date,segment,state,mean,sd,p05,p50,p95,ci95_low,ci95_high",
        ),
        (
            "comparison.csv",
            "variant,step,date,segment,state,baseline_mean,variant_mean,diff_mean,diff_ci95_low,diff_ci95_high",
        ),
        (
            "flows.csv",
            "variant,replicate,step,date,segment,from,to,agents",
        ),
    ];
    for (file, header) in headers {
        assert_eq!(header_line(&out.join(file)), header, "{file}");
        let text = std::fs::read_to_string(out.join(file)).expect("file");
        assert!(!text.contains('\r'), "{file} has CR line ends");
        assert!(
            !text.contains("NaN") && !text.contains("inf") && !text.contains("-0.0,"),
            "{file}"
        );
    }

    let scenario = blockade::scenario::Scenario::load(
        &common::bundled("openai-api-block-2024.toml"),
        &Default::default(),
    )
    .expect("valid");
    let segments: Vec<&str> = scenario.segments.iter().map(|s| s.name.as_str()).collect();
    let states = scenario.states();
    let arms = ["baseline", "no-block", "vpn-crackdown"];
    let steps = scenario.calendar.steps() as usize;

    // adoption.csv: every (arm, replicate, step, segment, state) in contract order, shares of
    // a segment summing to 1, dates a week apart.
    let adoption = common::read_csv(&out.join("adoption.csv"));
    assert_eq!(
        adoption.rows.len(),
        arms.len() * 3 * (steps + 1) * segments.len() * states.len()
    );
    let mut rows = adoption.rows.iter();
    for arm in arms {
        for replicate in 0..3 {
            for step in 0..=steps {
                for segment in &segments {
                    let mut share_sum = 0.0;
                    let mut agents_sum = 0u64;
                    for state in &states {
                        let row = rows.next().expect("row");
                        assert_eq!(
                            (
                                row["variant"].as_str(),
                                row["replicate"].as_str(),
                                row["step"].as_str(),
                                row["segment"].as_str(),
                                row["state"].as_str()
                            ),
                            (
                                arm,
                                replicate.to_string().as_str(),
                                step.to_string().as_str(),
                                *segment,
                                *state
                            )
                        );
                        assert_eq!(row["date"], scenario.calendar.date(step as u32).to_string());
                        share_sum += row["share"].parse::<f64>().expect("share");
                        agents_sum += row["agents"].parse::<u64>().expect("integer agents");
                    }
                    assert!(
                        (share_sum - 1.0).abs() < 1e-9,
                        "{arm} {replicate} {step} {segment}: {share_sum}"
                    );
                    assert!(agents_sum > 0);
                }
            }
        }
    }
    let first = chrono::NaiveDate::parse_from_str("2024-01-01", "%Y-%m-%d").expect("date");
    assert_eq!(scenario.calendar.date(0), first);
    assert_eq!(scenario.calendar.date(1) - first, chrono::Duration::days(7));

    // summary.csv: segments then `all`; the mean shares of a (arm, step, segment) sum to 1.
    let summary = common::read_csv(&out.join("summary.csv"));
    let mut expected_segments = segments.clone();
    expected_segments.push("all");
    assert_eq!(
        summary.rows.len(),
        arms.len() * (steps + 1) * expected_segments.len() * states.len()
    );
    let mut sums: BTreeMap<(String, String, String), f64> = BTreeMap::new();
    for (i, row) in summary.rows.iter().enumerate() {
        let segment = expected_segments[(i / states.len()) % expected_segments.len()];
        assert_eq!(row["segment"], segment);
        assert_eq!(row["state"], states[i % states.len()]);
        let low: f64 = row["ci95_low"].parse().expect("float");
        let mean: f64 = row["mean"].parse().expect("float");
        let high: f64 = row["ci95_high"].parse().expect("float");
        assert!(low <= mean && mean <= high, "{row:?}");
        *sums
            .entry((
                row["variant"].clone(),
                row["step"].clone(),
                row["segment"].clone(),
            ))
            .or_default() += mean;
    }
    assert!(sums.values().all(|s| (s - 1.0).abs() < 1e-9));

    // comparison.csv: no baseline rows; variants in file order.
    let comparison = common::read_csv(&out.join("comparison.csv"));
    assert!(comparison.rows.iter().all(|r| r["variant"] != "baseline"));
    assert_eq!(
        comparison.rows.first().expect("rows")["variant"],
        "no-block"
    );
    assert_eq!(
        comparison.rows.last().expect("rows")["variant"],
        "vpn-crackdown"
    );

    // flows.csv: positive moves between different states that account exactly for the change
    // of every count from one step to the next.
    let flows = common::read_csv(&out.join("flows.csv"));
    let mut net: BTreeMap<(String, String, String, String, String), i64> = BTreeMap::new();
    for row in &flows.rows {
        assert_ne!(row["from"], row["to"]);
        let agents: i64 = row["agents"].parse().expect("integer");
        assert!(agents > 0);
        let key = |state: &str| {
            (
                row["variant"].clone(),
                row["replicate"].clone(),
                row["step"].clone(),
                row["segment"].clone(),
                state.to_owned(),
            )
        };
        *net.entry(key(&row["to"])).or_default() += agents;
        *net.entry(key(&row["from"])).or_default() -= agents;
    }
    let mut count: BTreeMap<(String, String, String, String, String), i64> = BTreeMap::new();
    for row in &adoption.rows {
        let key = (
            row["variant"].clone(),
            row["replicate"].clone(),
            row["step"].clone(),
            row["segment"].clone(),
            row["state"].clone(),
        );
        count.insert(key, row["agents"].parse().expect("integer"));
    }
    for ((arm, replicate, step, segment, state), agents) in &count {
        let step_number: u32 = step.parse().expect("step");
        if step_number == 0 {
            continue;
        }
        let before = count[&(
            arm.clone(),
            replicate.clone(),
            (step_number - 1).to_string(),
            segment.clone(),
            state.clone(),
        )];
        let moved = net
            .get(&(
                arm.clone(),
                replicate.clone(),
                step.clone(),
                segment.clone(),
                state.clone(),
            ))
            .copied()
            .unwrap_or(0);
        assert_eq!(
            before + moved,
            *agents,
            "{arm} {replicate} {step} {segment} {state}"
        );
    }

    // run.json parses, names the seed and what ran.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).expect("run.json"))
            .expect("json");
    assert_eq!(manifest["tool"], "blockade");
    assert_eq!(manifest["seed"], 2024);
    assert_eq!(manifest["replicates"], 3);
    assert_eq!(manifest["population"], 2000);
    assert_eq!(manifest["variants"], serde_json::json!(arms));
    assert_eq!(manifest["resolved"]["scenario"]["seed"], 2024);
    assert_eq!(manifest["scenario_sha256"].as_str().map(str::len), Some(64));
    assert!(
        manifest["agent_steps_per_s"]
            .as_f64()
            .is_some_and(|x| x > 0.0)
    );
}

#[test]
fn a_run_without_variants_writes_a_comparison_with_only_the_header() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("run");
    run(&out, &["--variant", "baseline"]);
    let text = std::fs::read_to_string(out.join("comparison.csv")).expect("file");
    assert_eq!(
        text,
        "variant,step,date,segment,state,baseline_mean,variant_mean,diff_mean,diff_ci95_low,diff_ci95_high\n"
    );
}

#[test]
fn month_steps_are_counted_from_the_start_and_clamped() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("run");
    common::blockade()
        .arg("run")
        .arg(common::bundled("bass-validation.toml"))
        .args([
            "--quiet",
            "--population",
            "500",
            "--replicates",
            "1",
            "--out",
        ])
        .arg(&out)
        .args([
            "--set",
            "scenario.step=month",
            "--set",
            "scenario.start=2024-01-31",
            "--set",
            "scenario.steps=3",
        ])
        .assert()
        .success();
    let summary = common::read_csv(&out.join("summary.csv"));
    let mut dates: Vec<&str> = summary.rows.iter().map(|r| r["date"].as_str()).collect();
    dates.dedup();
    assert_eq!(
        dates,
        ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"]
    );
}

#[test]
fn a_second_run_replaces_the_first_whole() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("run");
    run(&out, &["--variant", "no-block"]);
    run(&out, &["--variant", "baseline", "--seed", "7"]);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).expect("run.json"))
            .expect("json");
    assert_eq!(manifest["seed"], 7);
    let adoption = common::read_csv(&out.join("adoption.csv"));
    assert!(adoption.rows.iter().all(|r| r["variant"] == "baseline"));
    let siblings: Vec<_> = std::fs::read_dir(tmp.path()).expect("dir").collect();
    assert_eq!(siblings.len(), 1, "temporary folders were left behind");
}
