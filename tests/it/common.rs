//! Helpers shared by the integration tests.
#![allow(dead_code)]

use blockade::results::Results;
use blockade::runner;
use blockade::scenario::{Overrides, Scenario};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Output};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

/// A bundled scenario file.
pub fn bundled(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

/// Loads a bundled scenario and runs every arm through the library.
pub fn simulate(name: &str, overrides: &Overrides) -> (Scenario, Results) {
    let scenario = Scenario::load(&bundled(name), overrides).expect("bundled scenario is valid");
    let arms = scenario.arms(&[]).expect("all arms");
    let results = runner::run(&scenario, &arms, &AtomicBool::new(false), &|_| {}).expect("run");
    (scenario, results)
}

/// The mean over replicates of the share of `state` in the whole population at each step.
pub fn mean_share(results: &Results, arm: usize, state: usize) -> Vec<f64> {
    let shape = results.shape();
    (0..=shape.steps())
        .map(|step| {
            let shares = results.shares(arm, step, shape.segments(), state);
            shares.iter().sum::<f64>() / f64::from(shape.replicates())
        })
        .collect()
}

/// The `blockade` binary.
pub fn blockade() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("blockade").expect("the binary is built")
}

/// A CSV file as a header and rows of named fields.
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<HashMap<String, String>>,
}

pub fn read_csv(path: &Path) -> Table {
    let mut reader = csv::Reader::from_path(path).expect("readable CSV");
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            let r = r.expect("well-formed row");
            header
                .iter()
                .cloned()
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect();
    Table { header, rows }
}

/// Every file of a folder, by name, with its bytes.
pub fn folder_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("folder")
        .map(|e| {
            let e = e.expect("entry");
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("file"),
            )
        })
        .collect();
    files.sort();
    files
}

/// The CSV files of a folder, by name, with their bytes.
pub fn csv_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    folder_bytes(dir)
        .into_iter()
        .filter(|(name, _)| name.ends_with(".csv"))
        .collect()
}

/// A row of a CSV file, by column name.
pub type Row = HashMap<String, String>;

/// A numeric field of a row.
pub fn number(row: &Row, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column} = '{}' is not a number", row[column]))
}

/// Every text of an SVG file, which must parse as XML with an `svg` root.
pub fn svg_text(path: &Path) -> Vec<String> {
    let source = std::fs::read_to_string(path).expect("SVG file");
    let document = roxmltree::Document::parse(&source).expect("well-formed SVG");
    assert_eq!(document.root_element().tag_name().name(), "svg");
    document
        .descendants()
        .filter(|n| n.tag_name().name() == "text")
        .map(|n| n.text().unwrap_or_default().trim().to_owned())
        .collect()
}

/// An edit of `file` in a folder: its first `from` becomes `to` (which must be there).
pub fn replace_once(file: &'static str, from: &'static str, to: &'static str) -> impl Fn(&Path) {
    move |dir: &Path| {
        let text = std::fs::read_to_string(dir.join(file)).expect("file");
        assert!(text.contains(from), "{file} has no '{from}'");
        std::fs::write(dir.join(file), text.replacen(from, to, 1)).expect("write");
    }
}

/// Asserts that a numeric field is `expected` to 1e-12, naming the row's variant, metric and
/// state when it is not.
pub fn assert_close(row: &Row, column: &str, expected: f64) {
    let value = number(row, column);
    assert!(
        (value - expected).abs() < 1e-12,
        "{} {} {}: {column} = {value}, expected {expected}",
        row["variant"],
        row["metric"],
        row["state"]
    );
}

/// `blockade run FILE --quiet --out OUT EXTRA...`, which must succeed.
pub fn run_quiet(file: &Path, out: &Path, extra: &[&str]) {
    blockade()
        .arg("run")
        .arg(file)
        .args(["--quiet", "--out"])
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

/// How long a test lets a process run before calling it hung. It guards against hangs and
/// measures no speed: every process the suite starts ends far sooner, even on a loaded machine.
pub const HANG_GUARD: Duration = Duration::from_secs(60);

/// Runs `command` to its end, or kills it and fails the test as a hang after [`HANG_GUARD`].
pub fn output_within_hang_guard(command: &mut assert_cmd::Command, what: &str) -> Output {
    let started = Instant::now();
    let output = command.timeout(HANG_GUARD).output().expect("runs");
    assert!(
        started.elapsed() < HANG_GUARD,
        "hang guard: {what} was still running after {HANG_GUARD:?} and was killed"
    );
    output
}

/// Waits for `child` to end, reading its piped output meanwhile, or kills it and fails the test
/// as a hang after [`HANG_GUARD`].
pub fn wait_within_hang_guard(mut child: Child, what: &str) -> Output {
    fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                pipe.read_to_end(&mut bytes)
                    .expect("read the child's output");
            }
            bytes
        })
    }
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("status") {
            break status;
        }
        if started.elapsed() > HANG_GUARD {
            let _ = child.kill();
            let _ = child.wait();
            panic!("hang guard: {what} was still running after {HANG_GUARD:?} and was killed");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}
