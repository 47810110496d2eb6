//! Common random numbers (docs/MODEL.md, 7.9 Random streams and common random numbers): the
//! baseline and every variant of a replicate use the same draws, so a variant that changes nothing
//! gives exactly the baseline's curves, and a variant that removes an event follows the baseline
//! exactly until that event.

use crate::common;

use common::run_quiet as run;

/// A variant whose `set` restates the baseline's own values changes nothing at all.
#[test]
fn a_variant_that_restates_the_baseline_has_an_exact_zero_difference() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let text =
        std::fs::read_to_string(common::bundled("openai-api-block-2024.toml")).expect("file");
    let restate = r#"
[[variants]]
name = "restated"
description = "sets parameters to the values the baseline already has"
set = { "adoption.imitation" = IMITATION, "segments.startup.weights.peer" = PEER, "network.rewire" = REWIRE }
"#;
    let scenario = blockade::scenario::Scenario::load(
        &common::bundled("openai-api-block-2024.toml"),
        &Default::default(),
    )
    .expect("valid");
    let base = &scenario.baseline;
    let startup = scenario
        .segments
        .iter()
        .position(|s| s.name == "startup")
        .expect("startup");
    let rewire = match base.network {
        blockade::spec::NetworkSpec::SmallWorld { rewire, .. } => rewire,
        other => panic!("expected a small-world network, found {other:?}"),
    };
    let restate = restate
        .replace("IMITATION", &format!("{:?}", base.params.imitation))
        .replace(
            "PEER",
            &format!(
                "{:?}",
                base.params.segments[startup].weights[blockade::spec::Weight::Peer]
            ),
        )
        .replace("REWIRE", &format!("{rewire:?}"));
    let file = tmp.path().join("restated.toml");
    std::fs::write(&file, text + &restate).expect("write scenario");
    let out = tmp.path().join("out");
    run(
        &file,
        &out,
        &[
            "--population",
            "3000",
            "--replicates",
            "4",
            "--variant",
            "restated",
        ],
    );

    let comparison = common::read_csv(&out.join("comparison.csv"));
    assert!(!comparison.rows.is_empty());
    for row in &comparison.rows {
        assert_eq!(row["variant"], "restated");
        for column in ["diff_mean", "diff_ci95_low", "diff_ci95_high"] {
            assert_eq!(row[column], "0.0", "{column} in {row:?}");
        }
        assert_eq!(row["baseline_mean"], row["variant_mean"]);
    }
}

/// `no-block` removes the block (and the notice that announced it): until the first removed
/// event its curves are the baseline's, row for row; from then on they differ.
#[test]
fn no_block_follows_the_baseline_until_the_first_removed_event() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("out");
    let file = common::bundled("openai-api-block-2024.toml");
    run(
        &file,
        &out,
        &[
            "--population",
            "4000",
            "--replicates",
            "3",
            "--variant",
            "no-block",
        ],
    );

    let scenario = blockade::scenario::Scenario::load(&file, &Default::default()).expect("valid");
    let variant = scenario
        .variants
        .iter()
        .find(|v| v.name == "no-block")
        .expect("no-block");
    assert!(
        variant
            .remove_events
            .iter()
            .any(|e| e == "openai-api-block")
    );
    let step_of = |name: &str| {
        scenario
            .events
            .iter()
            .find(|e| e.name == name)
            .expect("event")
            .step
    };
    let first_removed = variant
        .remove_events
        .iter()
        .map(|e| step_of(e))
        .min()
        .expect("removes");
    assert!(first_removed <= step_of("openai-api-block"));

    let adoption = common::read_csv(&out.join("adoption.csv"));
    let arm = |name: &str| -> Vec<_> {
        adoption
            .rows
            .iter()
            .filter(|r| r["variant"] == name)
            .collect()
    };
    let (baseline, no_block) = (arm("baseline"), arm("no-block"));
    assert_eq!(baseline.len(), no_block.len());
    let mut differ_after = false;
    for (b, v) in baseline.iter().zip(&no_block) {
        assert_eq!(
            (&b["replicate"], &b["step"], &b["segment"], &b["state"]),
            (&v["replicate"], &v["step"], &v["segment"], &v["state"])
        );
        let step: u32 = b["step"].parse().expect("step");
        if step < first_removed {
            assert_eq!(
                b["agents"], v["agents"],
                "step {step} differs: {b:?} vs {v:?}"
            );
        } else if b["agents"] != v["agents"] {
            differ_after = true;
        }
    }
    assert!(differ_after, "the removed events made no difference at all");
}
