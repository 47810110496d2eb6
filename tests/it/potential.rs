//! Market potential (docs/MODEL.md, 7.1 Adoption): the Bass special case with a potential m,
//! and events that move a potential.
//!
//! The Bass case: one provider, complete network, initial_adoption 0, risk 0, potential m. The
//! mean adopted fraction must follow F_t = F_{t-1} + (m - F_{t-1}) min(1, p + q F_{t-1}),
//! F_0 = 0.
//!
//! Tolerance, per (m, p, q): five standard errors of the mean of R = 4 replicates of
//! N = 100 000 agents, at the worst step, rounded up. The per-replicate sd comes from simulating
//! the exact process 300 times: N_pot ~ Binomial(N, m) potential adopters (the potential draws),
//! then A_t = A_{t-1} + Binomial(N_pot - A_{t-1}, min(1, p + q A_{t-1} / (N - 1))). Its largest
//! sd of A_t / N over the 40 steps is 0.0027 for (0.6, 0.02, 0.3), 0.0018 for (0.3, 0.05, 0.5)
//! and 0.0057 for (0.85, 0.01, 0.6) (it is larger than the binomial bound sqrt(m(1-m)/N), since
//! early chance adoptions shift the whole curve in time); the standard error of the mean of 4 is
//! half that, so 5 SE = 0.0068, 0.0044 and 0.0143: tolerances 0.007, 0.005 and 0.015. The exact
//! process's mean stays within 0.0002 of the recursion (a gap of O(1/N)).

use crate::common;

use blockade::results::Results;
use blockade::runner;
use blockade::scenario::{Overrides, Scenario};
use blockade::spec::NOT_ADOPTED;
use std::sync::atomic::AtomicBool;

/// bass-validation.toml with `sets` and 4 replicates of 100 000 agents.
fn bass_with(sets: &[String]) -> (Scenario, Results) {
    common::simulate(
        "bass-validation.toml",
        &Overrides {
            sets: sets.to_vec(),
            replicates: Some(4),
            population: Some(100_000),
            ..Overrides::default()
        },
    )
}

#[test]
fn mean_adoption_follows_the_bass_recursion_with_a_market_potential() {
    for (m, p, q, tolerance) in [
        (0.6, 0.02, 0.3, 0.007),
        (0.3, 0.05, 0.5, 0.005),
        (0.85, 0.01, 0.6, 0.015),
    ] {
        let (scenario, results) = bass_with(&[
            format!("segments.developers.potential={m}"),
            format!("adoption.innovation={p}"),
            format!("adoption.imitation={q}"),
        ]);
        let setup = &scenario.baseline;
        assert_eq!(setup.params.segments[0].potential, m);
        assert_eq!(setup.segments[0].initial_adoption, 0.0);
        let not_adopted = common::mean_share(&results, 0, NOT_ADOPTED as usize);
        let mut bass = 0.0f64;
        for (step, share) in not_adopted.iter().enumerate() {
            if step > 0 {
                bass += (m - bass) * (p + q * bass).min(1.0);
            }
            let adopted = 1.0 - share;
            assert!(
                (adopted - bass).abs() < tolerance,
                "m {m}, p {p}, q {q}, step {step}: simulated {adopted:.5}, Bass {bass:.5}"
            );
        }
        // Near m by the last step, far below 1: the potential, not the horizon, stops
        // adoption, so the comparison covered the whole curve.
        assert!((bass - m).abs() < 0.01, "m {m}: F_40 = {bass}");
    }
}

/// The adopted share per replicate at each step, all segments together.
fn adopted_by_replicate(results: &Results, arm: usize) -> Vec<Vec<f64>> {
    let shape = results.shape();
    (0..=shape.steps())
        .map(|step| {
            results
                .shares(arm, step, shape.segments(), NOT_ADOPTED as usize)
                .iter()
                .map(|not_adopted| 1.0 - not_adopted)
                .collect()
        })
        .collect()
}

#[test]
fn lowering_a_potential_removes_nobody_and_raising_it_lets_more_in() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let file = dir.path().join("potential-events.toml");
    let text = std::fs::read_to_string(common::bundled("bass-validation.toml")).expect("file");
    // Baseline: potential 0.8, no events. "lowered": at step 8 (F ~ 0.3) the potential falls
    // to 0.1, below those who have adopted. "raised": potential 0.3 until step 20, then 0.9.
    let text = text.replace(
        "initial_adoption = 0.0 ",
        "potential = 0.8\ninitial_adoption = 0.0 ",
    ) + r#"
[[variants]]
name = "lowered"
events = [{ name = "lower", at = 8, set = { "segments.developers.potential" = 0.1 } }]

[[variants]]
name = "raised"
set = { "segments.developers.potential" = 0.3 }
events = [{ name = "raise", at = 20, set = { "segments.developers.potential" = 0.9 } }]
"#;
    std::fs::write(&file, text).expect("write");
    let overrides = Overrides {
        replicates: Some(3),
        population: Some(20_000),
        ..Overrides::default()
    };
    let scenario = Scenario::load(&file, &overrides).expect("valid");
    let arms = scenario.arms(&[]).expect("arms");
    let results = runner::run(&scenario, &arms, &AtomicBool::new(false), &|_| {}).expect("run");
    let arm = |name: &str| arms.iter().position(|a| a.name == name).expect("arm");
    let (baseline, lowered, raised) = (
        adopted_by_replicate(&results, arm("baseline")),
        adopted_by_replicate(&results, arm("lowered")),
        adopted_by_replicate(&results, arm("raised")),
    );
    for r in 0..3 {
        for step in 1..baseline.len() {
            // Adopters never return to not_adopted, whatever the potential does.
            for path in [&baseline, &lowered, &raised] {
                assert!(
                    path[step][r] >= path[step - 1][r],
                    "replicate {r} step {step}"
                );
            }
            // Common random numbers: the same draws until the event, then no one more adopts
            // under the lower potential.
            if step < 8 {
                assert_eq!(lowered[step][r], baseline[step][r], "step {step}");
            } else {
                assert!(lowered[step][r] <= baseline[step][r], "step {step}");
            }
        }
        // The event fell when about 20% had adopted, twice the new potential: nobody was
        // removed, and only the potential adopters of 0.1 not yet adopted (about 7.5% of the
        // population) can still join.
        assert!(lowered[7][r] > 0.15, "{}", lowered[7][r]);
        let last = baseline.len() - 1;
        assert!(lowered[last][r] - lowered[7][r] < 0.1, "replicate {r}");
        assert!(
            (baseline[last][r] - 0.8).abs() < 0.02,
            "{}",
            baseline[last][r]
        );
        // Raised at step 20: held below 0.3 before (the recursion gives 0.17 at step 19),
        // near 0.9 at the end (0.895).
        assert!(raised[19][r] <= 0.3, "{}", raised[19][r]);
        assert!(raised[last][r] > 0.85, "{}", raised[last][r]);
    }
}

#[test]
fn a_potential_of_one_is_the_default_byte_for_byte() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let file = common::bundled("minimal.toml");
    let (without, with) = (dir.path().join("without"), dir.path().join("with"));
    common::run_quiet(&file, &without, &["--population", "2000"]);
    let sets = [
        "--population",
        "2000",
        "--set",
        "adoption.price_reference=1.0",
        "--set",
        "segments.developers.potential=1.0",
    ];
    common::run_quiet(&file, &with, &sets);
    assert!(!common::csv_bytes(&without).is_empty());
    assert_eq!(common::csv_bytes(&without), common::csv_bytes(&with));
}

/// Step 0 with a potential: a potential adopter has adopted with probability initial_adoption /
/// potential, so a fraction initial_adoption of the segment; with p = 1 every potential adopter
/// adopts at step 1 and nobody else ever does. Each agent is then, independently, adopted at
/// step 0 with probability 0.25 and a potential adopter with probability 0.5: the sd of a
/// replicate's fraction is at most sqrt(0.25 / N) = 0.0016 at N = 100 000, the standard error
/// of the mean of 4 replicates 0.0008, and the tolerance 0.004 is five of them.
#[test]
fn initial_adoption_is_a_fraction_of_the_segment_and_stays_within_the_potential() {
    let (_, results) = bass_with(&[
        "segments.developers.potential=0.5".to_owned(),
        "segments.developers.initial_adoption=0.25".to_owned(),
        "adoption.innovation=1.0".to_owned(),
    ]);
    let adopted: Vec<f64> = common::mean_share(&results, 0, NOT_ADOPTED as usize)
        .iter()
        .map(|not_adopted| 1.0 - not_adopted)
        .collect();
    assert!((adopted[0] - 0.25).abs() < 0.004, "step 0: {}", adopted[0]);
    for (step, &share) in adopted.iter().enumerate().skip(1) {
        assert!((share - 0.5).abs() < 0.004, "step {step}: {share}");
    }
}
