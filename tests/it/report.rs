//! `blockade report` and `run --report`: the page escapes the scenario's text, has the
//! sections the folder supports, and every number it prints is the one in metrics.csv or
//! robustness.csv.

use crate::common::{self, output_within_hang_guard};
use std::collections::HashMap;
use std::path::Path;

/// `blockade ARGS` run in `dir`, within the hang guard.
fn blockade(dir: &Path, args: &[&str]) -> std::process::Output {
    let what = format!("blockade {}", args.join(" "));
    output_within_hang_guard(common::blockade().current_dir(dir).args(args), &what)
}

fn assert_success(output: &std::process::Output, what: &str) {
    assert!(
        output.status.success(),
        "{what}: {:?}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

fn bundled(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(name)
        .display()
        .to_string()
}

/// The minimal scenario with hostile text in every free-text field the report shows.
fn hostile_scenario(dir: &Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(bundled("scenarios/minimal.toml")).expect("minimal");
    let text = text
        .replace(
            "description = \"What does blocking the foreign provider do to who uses what?\"",
            r#"description = "<script>alert('q')</script> & \"quoted\" <b>bold</b>""#,
        )
        .replace(
            "source = \"hypothetical: a block like OpenAI's of July 2024\"",
            r#"source = "see https://example.org/a?b=1&c=2, javascript:alert(1) and <img src=x onerror=alert(2)>""#,
        )
        .replace(
            "id = \"foreign_api\"",
            "id = \"foreign_api\"\nname = \"<iframe src=//evil.example></iframe>\"",
        )
        .replace(
            "description = \"The foreign provider is never blocked\"",
            r#"description = "</td></tr></table><script>x()</script>""#,
        );
    let path = dir.join("hostile.toml");
    std::fs::write(&path, text).expect("write");
    path
}

/// Each `<span class="n" …>` of the page: its file, key, column and value.
fn numbers(html: &str) -> Vec<HashMap<String, String>> {
    html.split("<span class=\"n\" ")
        .skip(1)
        .map(|rest| {
            let tag = &rest[..rest.find('>').expect("tag ends")];
            tag.split("\" ")
                .filter_map(|pair| {
                    let (name, value) = pair.split_once("=\"")?;
                    Some((name.to_string(), value.trim_end_matches('"').to_string()))
                })
                .collect()
        })
        .collect()
}

/// A CSV file's rows by their leading columns joined with `|`, up to and including `step`.
fn csv_rows(path: &Path) -> HashMap<String, HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).expect("csv");
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let key_columns = header
        .iter()
        .position(|c| c == "step")
        .expect("step column")
        + 1;
    reader
        .records()
        .map(|r| {
            let r = r.expect("row");
            let key = r.iter().take(key_columns).collect::<Vec<_>>().join("|");
            let row = header
                .iter()
                .cloned()
                .zip(r.iter().map(String::from))
                .collect();
            (key, row)
        })
        .collect()
}

/// Checks every number of the page against its file; returns how many there were.
fn check_numbers(html: &str, folder: &Path) -> usize {
    let mut files: HashMap<String, HashMap<String, HashMap<String, String>>> = HashMap::new();
    let spans = numbers(html);
    for span in &spans {
        let file = &span["data-file"];
        let rows = files
            .entry(file.clone())
            .or_insert_with(|| csv_rows(&folder.join(file)));
        let key = span["data-key"].replace("&amp;", "&");
        let row = rows
            .get(&key)
            .unwrap_or_else(|| panic!("{file} has no row {key}"));
        let written: f64 = row[&span["data-column"]]
            .parse()
            .expect("number in the file");
        let shown: f64 = span["data-value"].parse().expect("number in the page");
        assert_eq!(
            written.to_bits(),
            shown.to_bits(),
            "{file} {key} {}: {written} in the file, {shown} in the page",
            span["data-column"]
        );
    }
    spans.len()
}

fn section_ids(html: &str) -> Vec<String> {
    html.split("<section id=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').expect("id ends")].to_string())
        .collect()
}

#[test]
fn hostile_scenario_text_is_escaped_and_only_web_addresses_are_links() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let scenario = hostile_scenario(tmp.path());
    let run = blockade(
        tmp.path(),
        &[
            "run",
            scenario.to_str().expect("utf-8"),
            "--population",
            "300",
            "--replicates",
            "2",
            "--quiet",
            "--out",
            "out",
            "--report",
        ],
    );
    assert_success(&run, "run --report");
    let html = std::fs::read_to_string(tmp.path().join("out/report.html")).expect("report.html");
    for markup in [
        "<script",
        "<img",
        "<iframe",
        "<b>",
        "</td></tr></table><script",
    ] {
        assert!(
            !html.contains(markup),
            "{markup} reached the page unescaped"
        );
    }
    assert!(
        html.contains("&lt;script&gt;alert(&#39;q&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;")
    );
    assert!(html.contains("&lt;iframe src=//evil.example&gt;&lt;/iframe&gt;"));
    let links: Vec<&str> = html
        .split("href=\"")
        .skip(1)
        .map(|rest| &rest[..rest.find('"').expect("href ends")])
        .filter(|href| !href.starts_with('#') && *href != "data:,")
        .collect();
    assert_eq!(links, ["https://example.org/a?b=1&amp;c=2"]);
}

#[test]
fn an_unswept_report_has_its_sections_and_the_numbers_of_metrics_csv() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = blockade(
        tmp.path(),
        &[
            "run",
            &bundled("scenarios/minimal.toml"),
            "--population",
            "400",
            "--replicates",
            "3",
            "--quiet",
            "--out",
            "out",
            "--report",
        ],
    );
    assert_success(&run, "run --report");
    let written = std::fs::read_to_string(tmp.path().join("out/report.html")).expect("report");

    // `report` on the committed folder writes the same page `run --report` staged.
    let again = blockade(tmp.path(), &["report", "out", "-o", "again.html"]);
    assert_success(&again, "report");
    let html = std::fs::read_to_string(tmp.path().join("again.html")).expect("again.html");
    assert_eq!(html, written);

    assert_eq!(
        section_ids(&html),
        ["question", "headline", "charts", "scenario", "intervals"]
    );
    // 3 metrics: a clause of 1 to 5 numbers for the variant, and a table row per arm (3
    // numbers for the baseline, 6 for the variant).
    let count = check_numbers(&html, &tmp.path().join("out"));
    assert!(count >= 3 * (1 + 3 + 6), "{count} numbers");
    let headline = &html[html.find("<ul class=\"headline\">").expect("headline list")..];
    let headline = &headline[..headline.find("</ul>").expect("list ends")];
    assert_eq!(headline.matches("<li>").count(), 1);
    assert!(html.contains("Under <strong>no-block</strong>, the foreign share at 2024-12-30 is"));
    assert!(html.contains(
        "The largest effect on the foreign share at 2024-12-30 is <strong>no-block</strong>"
    ));
    assert_eq!(html.matches("<figure").count(), 3);
    assert_eq!(html.matches("role=\"img\" aria-label=\"").count(), 3);
}

#[test]
fn a_swept_report_adds_the_robustness_across_points() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = blockade(
        tmp.path(),
        &[
            "run",
            &bundled("tests/scenarios/tiny-sweep.toml"),
            "--quiet",
            "--out",
            "sweep",
        ],
    );
    assert_success(&run, "run");
    let report = blockade(
        tmp.path(),
        &[
            "report",
            "sweep",
            "--metric",
            "foreign_share,qwen",
            "--segment",
            "startup",
        ],
    );
    assert_success(&report, "report");
    let html = std::fs::read_to_string(tmp.path().join("sweep/report.html")).expect("report");
    assert_eq!(
        section_ids(&html),
        [
            "question",
            "headline",
            "robustness",
            "charts",
            "scenario",
            "intervals"
        ]
    );
    assert!(html.contains("the share on qwen at"));
    let count = check_numbers(&html, &tmp.path().join("sweep"));
    // The largest effect; then 2 metrics x 2 variants: clauses of 5 numbers, robustness rows
    // of 6, and 3 points of 3 numbers per variant.
    assert_eq!(count, 1 + 2 * 2 * (5 + 6 + 3 * 3));
}

#[test]
fn a_bad_folder_or_flag_is_refused_in_one_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for args in [&["report", "missing"][..], &["report", "."][..]] {
        let output = blockade(tmp.path(), args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    let run = blockade(
        tmp.path(),
        &[
            "run",
            &bundled("scenarios/minimal.toml"),
            "--population",
            "200",
            "--replicates",
            "2",
            "--quiet",
            "--out",
            "out",
        ],
    );
    assert_success(&run, "run");
    for args in [
        &["report", "out", "--metric", "nonsense"][..],
        &["report", "out", "--segment", "nobody"][..],
    ] {
        let output = blockade(tmp.path(), args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&output.stderr).lines().count(), 1);
        assert!(!tmp.path().join("out/report.html").exists());
    }
}

/// A run with usage weights and vendors of several providers (the flagship) adds a section of
/// developers' and usage shares and one of vendor shares; each prints, per row and arm, the
/// numbers of metrics.csv. A run with neither (above) has neither section.
#[test]
fn usage_and_vendors_have_their_sections_when_the_run_has_them() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = blockade(
        tmp.path(),
        &[
            "run",
            &bundled("scenarios/openai-api-block-2024.toml"),
            "--population",
            "500",
            "--replicates",
            "2",
            "--variant",
            "no-block",
            "--quiet",
            "--out",
            "out",
            "--report",
        ],
    );
    assert_success(&run, "run --report");
    let html = std::fs::read_to_string(tmp.path().join("out/report.html")).expect("report");
    assert_eq!(
        section_ids(&html),
        [
            "question",
            "headline",
            "charts",
            "usage",
            "vendors",
            "scenario",
            "intervals"
        ]
    );
    check_numbers(&html, &tmp.path().join("out"));
    let table = |id: &str| {
        let start = html
            .find(&format!("<table class=\"numbers\" id=\"{id}\">"))
            .expect("table");
        html[start..start + html[start..].find("</table>").expect("table ends")].to_string()
    };
    // Usage: 17 states plus the domestic and foreign totals, two arms each; the baseline's
    // row has 2 numbers per share (mean and interval low, high: 3) for developers and usage,
    // the variant's 3 more for its difference.
    let usage = table("usage-table");
    assert_eq!(usage.matches("<tr").count(), 1 + 19 * 2);
    assert_eq!(
        usage.matches("<span class=\"n\"").count(),
        19 * (3 + 3 + 6 + 3)
    );
    assert!(usage.contains("data-key=\"baseline|all|usage_share|azure_openai|104\""));
    assert!(usage.contains("data-key=\"no-block|all|usage_foreign_share||104\""));
    // Vendors: 11 vendors; developers with the difference, and usage.
    let vendors = table("vendor-table");
    assert_eq!(vendors.matches("<tr").count(), 1 + 11 * 2);
    assert!(vendors.contains("data-key=\"no-block|all|vendor_share|alibaba|104\""));
    assert!(vendors.contains("data-key=\"baseline|all|usage_vendor_share|open_weights|104\""));
}
