//! `blockade sensitivity` end to end on tests/scenarios/sensitivity-null.toml, whose friction
//! weight provably has no effect (every provider has the same friction, and the logit choice
//! cancels a term common to every option) and whose VPN share drives who can still reach
//! OpenAI after the block: with either method, the idle parameter is below the replicates'
//! noise and the VPN share ranks first, for the baseline and for the block's effect. Also: a
//! sharded run merges into the same sensitivity.csv, bad tables are refused, and
//! `plot --kind sensitivity` ranks the driver first and marks the idle parameter.

use super::common::{Table, blockade, read_csv, run_quiet};
use std::path::{Path, PathBuf};

const FRICTION: &str = "segments.developers.weights.friction";
const VPN: &str = "segments.developers.capabilities.vpn";

fn scenario() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/sensitivity-null.toml")
}

/// The rows of one series (variant, segment all, foreign_share) with `index`.
fn series<'t>(
    table: &'t Table,
    variant: &str,
    index: &str,
) -> Vec<&'t std::collections::HashMap<String, String>> {
    table
        .rows
        .iter()
        .filter(|r| r["variant"] == variant && r["segment"] == "all")
        .filter(|r| r["metric"] == "foreign_share" && r["index"] == index)
        .collect()
}

fn number(row: &std::collections::HashMap<String, String>, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column}: {:?}", row[column]))
}

/// Runs the analysis with `method` and checks, for the baseline and the block's effect: the
/// idle parameter is flagged below the noise and its index is below the noise row's value;
/// the VPN share ranks first by `ranked_by`, clear of the noise.
fn check_method(method: &str, ranked_by: &str, noise: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(method);
    let output = blockade()
        .arg("sensitivity")
        .arg(scenario())
        .args(["--method", method, "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    // The legend is wrapped: compare its words.
    let stdout = String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    // The table ranks the parameters and says what its intervals cover.
    assert!(stdout.contains("95% bootstrap interval"), "{stdout}");
    assert!(
        stdout.contains(&format!("ranked by {ranked_by}")),
        "{stdout}"
    );
    let table = read_csv(&out.join("sensitivity.csv"));
    for variant in ["baseline", "no-block"] {
        let floor = number(series(&table, variant, noise)[0], "value");
        let mut ranked = series(&table, variant, ranked_by);
        assert_eq!(ranked.len(), 3, "{variant}: one row per parameter");
        ranked.sort_by(|a, b| number(b, "value").total_cmp(&number(a, "value")));
        assert_eq!(ranked[0]["parameter"], VPN, "{variant}: {ranked:?}");
        assert!(
            number(ranked[0], "value") > floor,
            "{variant}: VPN share below the noise"
        );
        assert_eq!(ranked[0]["below_noise"], "false");
        let idle = ranked.iter().find(|r| r["parameter"] == FRICTION).unwrap();
        assert!(
            number(idle, "value") < floor,
            "{variant}: {idle:?} vs noise {floor}"
        );
        assert_eq!(idle["below_noise"], "true", "{variant}: {idle:?}");
    }
    chart(&out);
}

/// `plot --kind sensitivity` on the folder: the block's effect (the default series), the
/// driver's bar on top, the idle parameter marked below the noise floor, which is drawn; a
/// PNG too; an unknown variant or metric refused naming what the file has.
fn chart(out: &Path) {
    let svg = out.join("sensitivity.svg");
    blockade()
        .args(["plot", "--kind", "sensitivity"])
        .arg(out)
        .assert()
        .success();
    let texts = super::common::svg_text(&svg);
    let at = |text: &str| texts.iter().position(|t| t == text);
    let (driver, idle) = (at(VPN), at(&format!("* {FRICTION}")));
    assert!(
        driver.is_some() && idle.is_some() && driver < idle,
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t.starts_with("noise ")), "{texts:?}");
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("no-block: its paired effect"))
    );
    let png = out.join("baseline.png");
    blockade()
        .args([
            "plot",
            "--kind",
            "sensitivity",
            "--variant",
            "baseline",
            "-o",
        ])
        .arg(&png)
        .arg(out)
        .assert()
        .success();
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    for (flag, name) in [("--variant", "cheap"), ("--metric", "peak_unserved")] {
        let output = blockade()
            .args(["plot", "--kind", "sensitivity", flag, name])
            .arg(out)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(flag) && stderr.contains("it has:"),
            "{stderr}"
        );
    }
}

#[test]
fn sobol_puts_an_idle_parameter_below_the_noise_and_the_driver_first() {
    check_method("sobol", "total", "noise_share");
}

#[test]
fn morris_puts_an_idle_parameter_below_the_noise_and_the_driver_first() {
    check_method("morris", "mu_star", "noise_mu_star");
}

#[test]
fn a_sharded_analysis_merges_into_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    run_quiet(&scenario(), &whole, &[]);
    let shards: Vec<PathBuf> = (1..=2)
        .map(|i| {
            let shard = dir.path().join(format!("shard-{i}"));
            run_quiet(&scenario(), &shard, &["--shard", &format!("{i}/2")]);
            shard
        })
        .collect();
    let merged = dir.path().join("merged");
    blockade()
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&merged)
        .arg("--quiet")
        .assert()
        .success();
    let bytes = |d: &Path| std::fs::read(d.join("sensitivity.csv")).unwrap();
    assert_eq!(bytes(&whole), bytes(&merged));
    assert!(bytes(&whole).len() > 1000);
}

#[test]
fn bad_sensitivity_tables_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(scenario()).unwrap();
    let cases = [
        ("levels = 5", "sensitivity.levels", "even"),
        ("method = \"fast\"", "sensitivity.method", "not a method"),
        (
            "metrics = [\"nope\"]",
            "sensitivity.metrics",
            "not a metric",
        ),
        (
            "segments = [\"nobody\"]",
            "sensitivity.segments",
            "not a segment",
        ),
        ("samples = 0", "sensitivity.samples", "1..="),
    ];
    for (line, key, message) in cases {
        let changed = text
            .replace("metrics = [\"foreign_share\"]\n", "")
            .replace("method = \"sobol\"\n", "")
            .replace("samples = 16\n", "")
            .replace("[sensitivity]\n", &format!("[sensitivity]\n{line}\n"));
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, changed).unwrap();
        let output = blockade().arg("check").arg(&file).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{line}: {stderr}");
        assert!(
            stderr.contains(key) && stderr.contains(message),
            "{line}: {stderr}"
        );
    }
    // Without [uncertainty] there is nothing to vary; without [sensitivity], `sensitivity`
    // needs --method.
    let start = text.find("[uncertainty]").unwrap();
    let end = text.find("[sensitivity]").unwrap();
    let without = format!("{}{}", &text[..start], &text[end..]);
    let file = dir.path().join("no-uncertainty.toml");
    std::fs::write(&file, without).unwrap();
    let output = blockade().arg("check").arg(&file).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("needs an [uncertainty] table"));
    let file = dir.path().join("no-sensitivity.toml");
    std::fs::write(&file, &text[..end]).unwrap();
    let output = blockade().arg("sensitivity").arg(&file).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--method"));
}
