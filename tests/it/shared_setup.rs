//! A replicate's set-up (network, agents) is drawn once and shared by the arms and sweep
//! points that would draw the same (docs/PERFORMANCE.md, Shared set-up): every task must give
//! the counts it gives when it runs alone, with nothing kept from another task.

use blockade::runner;
use blockade::scenario::{Overrides, Scenario};
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// Runs every task of `file` together, then each alone, and compares the counts.
fn together_equals_alone(file: &Path, overrides: &Overrides) {
    let scenario = Scenario::load(file, overrides).expect("valid scenario");
    let arms = scenario.arms(&[]).expect("all arms");
    let cancel = AtomicBool::new(false);
    let together = runner::run(&scenario, &arms, &cancel, &|_| {}).expect("run");
    let tasks = together.shape().tasks();
    assert!(tasks > 1);
    for k in 0..tasks {
        let alone = runner::run_tasks(&scenario, &arms, &[k], &cancel, &|_| {}).expect("run");
        assert_eq!(
            &alone[0],
            together.task(k),
            "task {k} of {}",
            file.display()
        );
    }
}

#[test]
fn arms_and_points_sharing_a_setup_count_what_each_counts_alone() {
    // Its points sweep a capability fraction: they keep the network and draw other agents.
    let sweep = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/tiny-sweep.toml");
    together_equals_alone(&sweep, &Overrides::default());
    // The vpn-crackdown variant lowers capability fractions at later steps, changing the
    // agents it shares with the other arms of its replicate: it must change only its copy.
    let overrides = Overrides {
        population: Some(1500),
        replicates: Some(2),
        ..Overrides::default()
    };
    together_equals_alone(&crate::common::bundled("vpn-crackdown.toml"), &overrides);
    together_equals_alone(
        &crate::common::bundled("openai-api-block-2024.toml"),
        &overrides,
    );
}
