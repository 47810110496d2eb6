//! Usage weights and vendors (docs/MODEL.md, Usage; docs/FORMAT.md, usage.csv and metrics.csv):
//! usage shares are agent shares when every agent weighs the same, usage.csv exists only when
//! a segment declares usage and is the same bytes whatever the threads or the shards, the mean
//! weight is the log-normal's, and a vendor's share is the sum of its providers'.

use crate::common::{self, Row, Table, blockade, number, read_csv, run_quiet};

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Two segments, a foreign provider and two tiers of one domestic vendor; `USAGE_A` and
/// `USAGE_B` stand for each segment's usage line, `VENDORS` for the tiers' vendor lines.
const BASE: &str = r#"[scenario]
name = "usage-test"
start = 2024-01-01
step = "week"
steps = 12
population = 3000
replicates = 4
seed = 11

[network]
kind = "small_world"
degree = 6
rewire = 0.1

[adoption]
innovation = 0.02
imitation = 0.3
reconsider = 0.05

[[segments]]
name = "students"
share = 0.7
initial_adoption = 0.1
tasks = { text = 1.0 }
languages = { mandarin = 1.0 }
capabilities = { vpn = 0.4 }
weights = { quality = 5.0, price = 0.5, friction = 1.0, risk = 2.0, peer = 1.0, inertia = 1.0 }
heterogeneity = 0.3
USAGE_A

[[segments]]
name = "firms"
share = 0.3
initial_adoption = 0.2
tasks = { text = 1.0 }
languages = { mandarin = 1.0 }
capabilities = { vpn = 0.7 }
weights = { quality = 8.0, price = 0.2, friction = 1.0, risk = 3.0, peer = 0.5, inertia = 1.0 }
USAGE_B

[[providers]]
id = "openai_vpn"
requires = ["vpn"]
quality = { text = 0.95 }
languages = { mandarin = 0.85 }
price = 70.0
friction = 1.0
risk = 0.005
origin = "us"

[[providers]]
id = "qwen_turbo"
quality = { text = 0.75 }
languages = { mandarin = 1.0 }
price = 2.0
friction = 0.2
risk = 0.0
origin = "cn"
VENDOR_TURBO

[[providers]]
id = "qwen_max"
quality = { text = 0.9 }
languages = { mandarin = 1.0 }
price = 40.0
friction = 0.2
risk = 0.0
origin = "cn"
VENDOR_MAX

[[variants]]
name = "cheap-max"
set = { "providers.qwen_max.price" = 10.0 }
"#;

/// The base scenario with each placeholder replaced (an empty text removes it).
fn scenario(dir: &Path, usage_a: &str, usage_b: &str, vendors: [&str; 2]) -> PathBuf {
    let text = BASE
        .replace("USAGE_A", usage_a)
        .replace("USAGE_B", usage_b)
        .replace("VENDOR_TURBO", vendors[0])
        .replace("VENDOR_MAX", vendors[1]);
    let path = dir.join("usage-test.toml");
    std::fs::write(&path, text).expect("write scenario");
    path
}

const LOGNORMAL: &str = "usage = { median = 1.5, sigma = 0.8 }";
const ALIBABA: [&str; 2] = ["vendor = \"alibaba\"", "vendor = \"alibaba\""];

/// The rows of a CSV file keyed by their key columns, for lookups.
fn keyed<'t>(table: &'t Table, keys: &[&str]) -> HashMap<Vec<String>, &'t Row> {
    table
        .rows
        .iter()
        .map(|row| (keys.iter().map(|k| row[*k].clone()).collect(), row))
        .collect()
}

const CELL: [&str; 6] = ["variant", "replicate", "step", "date", "segment", "state"];

#[test]
fn equal_weights_give_usage_shares_equal_to_agent_shares_exactly() {
    let tmp = tempfile::tempdir().expect("temp dir");
    // sigma 0 and one median (not a power of two) for both segments. The weights are f32, so
    // every partial sum of k equal weights is exact in f64 (24 + 29 bits), the usage of a
    // state is count * w exactly and usage / total rounds the same rational as count / agents:
    // the shares are equal to the bit, not only within rounding.
    let same = "usage = { median = 0.3, sigma = 0.0 }";
    let file = scenario(tmp.path(), same, same, ["", ""]);
    let out = tmp.path().join("out");
    run_quiet(&file, &out, &[]);
    let adoption = read_csv(&out.join("adoption.csv"));
    let usage = read_csv(&out.join("usage.csv"));
    assert_eq!(
        usage.header,
        [&CELL[..], &["usage", "usage_share"]].concat()
    );
    assert_eq!(usage.rows.len(), adoption.rows.len());
    let by_cell = keyed(&adoption, &CELL);
    for row in &usage.rows {
        let key: Vec<String> = CELL.iter().map(|k| row[*k].clone()).collect();
        let agents = by_cell[&key];
        assert_eq!(
            number(row, "usage_share").to_bits(),
            number(agents, "share").to_bits(),
            "{key:?}"
        );
        let w = f64::from(0.3f32);
        assert_eq!(
            number(row, "usage"),
            number(agents, "agents") * w,
            "{key:?}"
        );
    }
    // And in metrics.csv, for every segment and `all`: each usage_share row has the numbers of
    // its share row, domestic and foreign too.
    let metrics = read_csv(&out.join("metrics.csv"));
    let rows = keyed(&metrics, &["variant", "segment", "metric", "state", "step"]);
    let mut compared = 0;
    for row in &metrics.rows {
        let Some(agent_metric) = row["metric"].strip_prefix("usage_") else {
            continue;
        };
        let key = vec![
            row["variant"].clone(),
            row["segment"].clone(),
            agent_metric.to_owned(),
            row["state"].clone(),
            row["step"].clone(),
        ];
        let agents = rows[&key];
        for column in [
            "mean",
            "ci95_low",
            "ci95_high",
            "diff_mean",
            "diff_ci95_low",
        ] {
            assert_eq!(row[column], agents[column], "{key:?} {column}");
        }
        compared += 1;
    }
    // 3 segments (2 + all) x 2 arms x (5 states + domestic + foreign).
    assert_eq!(compared, 3 * 2 * 7);
}

#[test]
fn without_usage_or_vendors_the_outputs_have_neither() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let plain = tmp.path().join("plain");
    std::fs::create_dir(&plain).expect("dir");
    let out = tmp.path().join("out");
    run_quiet(&scenario(&plain, "", "", ["", ""]), &out, &[]);
    assert!(!out.join("usage.csv").exists());
    let metrics = std::fs::read_to_string(out.join("metrics.csv")).expect("metrics");
    assert!(!metrics.contains("usage_"));
    assert!(!metrics.contains("vendor_share"));
    // Vendors written as the providers' ids change no byte of any file.
    let same = tmp.path().join("same");
    std::fs::create_dir(&same).expect("dir");
    let ids = ["vendor = \"qwen_turbo\"", "vendor = \"qwen_max\""];
    let out_ids = tmp.path().join("out_ids");
    run_quiet(&scenario(&same, "", "", ids), &out_ids, &[]);
    for file in [
        "adoption.csv",
        "summary.csv",
        "comparison.csv",
        "flows.csv",
        "metrics.csv",
    ] {
        assert!(
            std::fs::read(out.join(file)).unwrap() == std::fs::read(out_ids.join(file)).unwrap(),
            "{file} differs when vendors equal ids"
        );
    }
    // --measure usage needs usage.
    let output = blockade()
        .args(["compare", "--measure", "usage"])
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("--measure") && stderr.contains("no usage"),
        "{stderr}"
    );
}

#[test]
fn usage_is_the_same_bytes_on_one_and_two_threads_and_through_shards() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = scenario(tmp.path(), LOGNORMAL, "", ALIBABA);
    // Two tasks of 40 000 agents, fewer than two per thread: each step is split across the
    // threads in blocks.
    let big = ["--population", "40000", "--replicates", "1"];
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    run_quiet(&file, &one, &[&["--threads", "1"], &big[..]].concat());
    run_quiet(&file, &two, &[&["--threads", "2"], &big[..]].concat());
    assert!(one.join("usage.csv").exists());
    assert!(
        common::csv_bytes(&one) == common::csv_bytes(&two),
        "--threads 1 and 2 differ"
    );

    // Eight tasks in three shards, merged: the same files as one run, usage.csv included.
    let whole = tmp.path().join("whole");
    run_quiet(&file, &whole, &[]);
    let shards: Vec<PathBuf> = (1..=3)
        .map(|i| {
            let dir = tmp.path().join(format!("shard{i}"));
            run_quiet(&file, &dir, &["--shard", &format!("{i}/3")]);
            assert!(dir.join("usage.csv").exists(), "shard {i} has no usage.csv");
            dir
        })
        .collect();
    let merged = tmp.path().join("merged");
    blockade()
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&merged)
        .arg("--quiet")
        .assert()
        .success();
    let whole_files = common::csv_bytes(&whole);
    assert!(whole_files.iter().any(|(name, _)| name == "usage.csv"));
    assert!(
        whole_files == common::csv_bytes(&merged),
        "the merge differs from the run"
    );
}

#[test]
fn the_mean_usage_weight_is_the_log_normal_mean() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = scenario(tmp.path(), LOGNORMAL, "", ["", ""]);
    let out = tmp.path().join("out");
    run_quiet(&file, &out, &["--population", "20000", "--replicates", "1"]);
    let usage = read_csv(&out.join("usage.csv"));
    let adoption = read_csv(&out.join("adoption.csv"));
    let total = |table: &Table, segment: &str, column: &str| -> f64 {
        table
            .rows
            .iter()
            .filter(|r| r["variant"] == "baseline" && r["step"] == "0" && r["segment"] == segment)
            .map(|r| number(r, column))
            .sum()
    };
    let (median, sigma) = (1.5f64, 0.8f64);
    let n = total(&adoption, "students", "agents");
    let mean = total(&usage, "students", "usage") / n;
    let expected = median * (sigma * sigma / 2.0).exp();
    // The log-normal's variance: median^2 e^{sigma^2} (e^{sigma^2} - 1).
    let sd = median * (sigma * sigma).exp().sqrt() * ((sigma * sigma).exp() - 1.0).sqrt();
    let tolerance = 5.0 * sd / n.sqrt();
    assert!(
        (mean - expected).abs() < tolerance,
        "mean weight {mean}, expected {expected} ± {tolerance}"
    );
    // A segment without usage weighs 1 per agent.
    let firms = total(&adoption, "firms", "agents");
    assert_eq!(total(&usage, "firms", "usage"), firms);
}

#[test]
fn a_vendors_share_is_the_sum_of_its_providers_shares() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = scenario(tmp.path(), LOGNORMAL, "", ALIBABA);
    let out = tmp.path().join("out");
    run_quiet(&file, &out, &[]);
    let adoption = read_csv(&out.join("adoption.csv"));
    let usage = read_csv(&out.join("usage.csv"));
    let metrics = read_csv(&out.join("metrics.csv"));
    let last = "12";
    // Per replicate, the tiers' shares added, then the mean over the 4 replicates.
    let mean_of = |table: &Table, variant: &str, segment: &str, column: &str| -> f64 {
        let per_replicate: Vec<f64> = (0..4)
            .map(|r| {
                table
                    .rows
                    .iter()
                    .filter(|row| {
                        row["variant"] == variant
                            && row["replicate"] == r.to_string()
                            && row["step"] == last
                            && row["segment"] == segment
                            && row["state"].starts_with("qwen_")
                    })
                    .map(|row| number(row, column))
                    .sum()
            })
            .collect();
        per_replicate.iter().sum::<f64>() / 4.0
    };
    let find = |metric: &str, variant: &str, segment: &str| -> &Row {
        metrics
            .rows
            .iter()
            .find(|r| {
                r["metric"] == metric
                    && r["variant"] == variant
                    && r["segment"] == segment
                    && r["state"] == "alibaba"
                    && r["step"] == last
            })
            .unwrap_or_else(|| panic!("no {metric} row for {variant} {segment}"))
    };
    for variant in ["baseline", "cheap-max"] {
        for segment in ["students", "firms"] {
            let vendor = number(find("vendor_share", variant, segment), "mean");
            let expected = mean_of(&adoption, variant, segment, "share");
            assert!((vendor - expected).abs() < 1e-12, "{variant} {segment}");
            let vendor_usage = number(find("usage_vendor_share", variant, segment), "mean");
            let expected = mean_of(&usage, variant, segment, "usage_share");
            assert!(
                (vendor_usage - expected).abs() < 1e-12,
                "{variant} {segment}"
            );
        }
    }
    // The vendor has both tiers' agents: more than either alone.
    let vendor = number(find("vendor_share", "baseline", "all"), "mean");
    assert!(vendor > 0.0);

    // compare --by vendor prints the vendor as a state, with the vendor_share row's numbers.
    let printed = blockade()
        .args([
            "compare",
            "--by",
            "vendor",
            "--format",
            "csv",
            "--segment",
            "students",
        ])
        .arg(&out)
        .output()
        .expect("runs");
    assert!(printed.status.success());
    let text = String::from_utf8(printed.stdout).expect("utf-8");
    let path = tmp.path().join("by-vendor.csv");
    std::fs::write(&path, &text).expect("write");
    let grouped = read_csv(&path);
    let share = grouped
        .rows
        .iter()
        .find(|r| {
            r["metric"] == "share"
                && r["variant"] == "baseline"
                && r["state"] == "alibaba"
                && r["step"] == last
        })
        .expect("a share row for the vendor");
    let vendor = number(find("vendor_share", "baseline", "students"), "mean");
    assert!((number(share, "mean") - vendor).abs() < 1e-12);
    assert!(!grouped.rows.iter().any(|r| r["state"].starts_with("qwen_")));
    // metrics.csv still has every provider after compare --by vendor.
    let again = std::fs::read_to_string(out.join("metrics.csv")).expect("metrics");
    assert!(again.contains("qwen_max") && again.contains("vendor_share"));

    // --measure usage prints the usage shares and no agent share.
    let printed = blockade()
        .args(["compare", "--measure", "usage", "--format", "csv"])
        .arg(&out)
        .output()
        .expect("runs");
    assert!(printed.status.success());
    let path = tmp.path().join("usage.csv");
    std::fs::write(&path, &printed.stdout).expect("write");
    let metrics: Vec<String> = read_csv(&path)
        .rows
        .iter()
        .map(|r| r["metric"].clone())
        .collect();
    assert!(metrics.iter().any(|m| m == "usage_vendor_share"));
    for gone in ["share", "domestic_share", "vendor_share"] {
        assert!(!metrics.iter().any(|m| m == gone), "{gone} printed");
    }

    // The printed table has the section of usage shares, and none of agent shares.
    let printed = blockade()
        .args(["compare", "--measure", "usage"])
        .arg(&out)
        .output()
        .expect("runs");
    let text = String::from_utf8(printed.stdout).expect("utf-8");
    assert!(text.contains("Share of usage at"), "{text}");
    assert!(!text.contains("Share of agents at"), "{text}");

    // plot --by vendor --measure usage draws the vendor, not its tiers.
    let chart = tmp.path().join("vendors.svg");
    blockade()
        .args(["plot", "--by", "vendor", "--measure", "usage", "-o"])
        .arg(&chart)
        .arg(&out)
        .assert()
        .success();
    let labels = common::svg_text(&chart).join(" ");
    assert!(labels.contains("alibaba"), "{labels}");
    assert!(!labels.contains("qwen_max"), "{labels}");
}

#[test]
fn check_prints_each_providers_vendor_and_each_segments_usage() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = scenario(tmp.path(), LOGNORMAL, "", ALIBABA);
    let output = blockade().arg("check").arg(&file).output().expect("runs");
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).expect("utf-8");
    assert!(text.contains("usage: median 1.5 x exp(0.8 z)"), "{text}");
    assert!(text.contains("usage: not declared"), "{text}");
    assert_eq!(text.matches("vendor: alibaba").count(), 2, "{text}");
    assert!(text.contains("vendor: openai_vpn"), "{text}");
}
