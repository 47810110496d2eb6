//! Helpers shared by the integration tests.
#![allow(dead_code)]

use blockade::runner::{self, Results};
use blockade::scenario::{Overrides, Scenario};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

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
    let population: u32 = results.segment_agents[arm].iter().sum();
    (0..=results.steps)
        .map(|step| {
            let total: f64 = (0..results.replicates)
                .map(|r| {
                    let task = results.task(arm, r);
                    let count: u32 = (0..results.segments)
                        .map(|s| results.count(task, step, s, state))
                        .sum();
                    f64::from(count) / f64::from(population)
                })
                .sum();
            total / f64::from(results.replicates)
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
