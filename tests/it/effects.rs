//! `plot --kind effects`: a swept run's and a `--posterior` run's effects drawn as a forest
//! plot, one row per variant, and the refusals (an unswept folder, unknown names) with exit 2.

use crate::common::{self, svg_text};
use std::path::{Path, PathBuf};

fn tiny_sweep() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/tiny-sweep.toml")
}

/// The rows' labels: the texts that name a variant of `variants`.
fn row_labels(svg: &Path, variants: &[&str]) -> Vec<String> {
    svg_text(svg)
        .into_iter()
        .filter(|t| variants.contains(&t.as_str()))
        .collect()
}

fn plot(dir: &Path, extra: &[&str]) -> std::process::Output {
    common::blockade()
        .arg("plot")
        .arg(dir)
        .args(["--kind", "effects"])
        .args(extra)
        .output()
        .expect("runs")
}

/// Exit 2 with one line that names `flag`.
fn assert_refused(output: &std::process::Output, flag: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(flag), "{stderr}");
}

#[test]
fn a_swept_run_has_one_row_per_variant_and_unknown_names_are_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("sweep");
    common::run_quiet(&tiny_sweep(), &out, &[]);
    let output = plot(&out, &[]);
    assert!(output.status.success(), "{output:?}");
    let svg = out.join("effects.svg");
    let variants = ["baseline", "no-block", "cheap-qwen"];
    assert_eq!(row_labels(&svg, &variants), ["no-block", "cheap-qwen"]);
    let texts = svg_text(&svg);
    // The default metric, and a legend that says what each interval covers.
    assert!(
        texts.iter().any(|t| t.contains("foreign_share")),
        "{texts:?}"
    );
    let legend = texts.join(" ");
    assert!(legend.contains("over replicates"), "{legend}");
    assert!(legend.contains("over the 3 points"), "{legend}");

    let png = dir.path().join("qwen.png");
    let output = common::blockade()
        .arg("plot")
        .arg(&out)
        .args(["--kind", "effects", "--metric", "share", "--states", "qwen"])
        .args(["--variant", "cheap-qwen", "-o"])
        .arg(&png)
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    assert!(std::fs::read(&png).expect("png").starts_with(b"\x89PNG"));

    for (extra, flag) in [
        (&["--metric", "peak"][..], "--metric"),
        (
            &["--metric", "share", "--states", "deepseek"][..],
            "--states",
        ),
        (&["--states", "qwen"][..], "--states"),
        (&["--segment", "indie"][..], "--segment"),
        (&["--variant", "baseline"][..], "--variant"),
        (&["--variant", "nope"][..], "--variant"),
        (&["--point", "1"][..], "--point"),
    ] {
        assert_refused(&plot(&out, extra), flag);
    }
}

#[test]
fn an_unswept_folder_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let text = std::fs::read_to_string(tiny_sweep()).expect("tiny-sweep.toml");
    let (head, _) = text.split_once("\n[sweep]\n").expect("a [sweep] table");
    let file = dir.path().join("unswept.toml");
    std::fs::write(&file, head).expect("written");
    let out = dir.path().join("out");
    common::run_quiet(&file, &out, &[]);
    let output = plot(&out, &[]);
    assert_refused(&output, "--kind effects");
    assert!(String::from_utf8_lossy(&output.stderr).contains("[sweep]"));
    assert!(!out.join("effects.svg").exists());
}

/// The flagship calibrated at tiny sizes (this checks that the folders fit together, not
/// what they find), its variants run over the posterior (a metrics-only, weighted folder),
/// and drawn: one row per variant, the thin line said to be over a posterior sample.
#[test]
fn a_posterior_run_has_one_row_per_variant_weighted() {
    let dir = tempfile::tempdir().expect("tmp");
    let calibration = dir.path().join("calibration");
    let flagship = common::bundled("openai-api-block-2024.toml");
    let prior = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/calibration/openai-api-block-2024-prior.toml");
    let tiny = ["--quiet", "--population", "300", "--replicates", "2"];
    let output = common::output_within_hang_guard(
        common::blockade()
            .arg("calibrate")
            .arg(&flagship)
            .arg("--prior")
            .arg(&prior)
            .arg("--out")
            .arg(&calibration)
            .args(tiny)
            .args(["--wave-points", "4", "--waves", "1", "--abc-points", "4"]),
        "calibrate the flagship",
    );
    assert!(output.status.success(), "{output:?}");
    let run = dir.path().join("posterior");
    let output = common::output_within_hang_guard(
        common::blockade()
            .arg("run")
            .arg(&flagship)
            .arg("--posterior")
            .arg(&calibration)
            .arg("--out")
            .arg(&run)
            .args(tiny),
        "run --posterior",
    );
    assert!(output.status.success(), "{output:?}");
    assert!(!run.join("adoption.csv").exists(), "not metrics-only");
    let output = plot(&run, &[]);
    assert!(output.status.success(), "{output:?}");
    let variants: Vec<String> = common::read_csv(&run.join("metrics.csv"))
        .rows
        .iter()
        .map(|r| r["variant"].clone())
        .filter(|v| v != "baseline")
        .fold(Vec::new(), |mut seen, v| {
            if !seen.contains(&v) {
                seen.push(v);
            }
            seen
        });
    assert!(variants.len() >= 2, "{variants:?}");
    let names: Vec<&str> = variants.iter().map(String::as_str).collect();
    assert_eq!(row_labels(&run.join("effects.svg"), &names), names);
    let legend = svg_text(&run.join("effects.svg")).join(" ");
    assert!(legend.contains("posterior sample"), "{legend}");
}
