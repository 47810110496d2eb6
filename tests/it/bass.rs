//! The Bass special case (docs/MODEL.md, 7.1 Adoption): one provider, complete network, no initial
//! adopters, no risk. The mean adopted fraction must follow the discrete Bass recursion F_t =
//! F_{t-1} + (1 - F_{t-1}) min(1, p + q F_{t-1}), F_0 = 0.
//!
//! Tolerance: 0.01 at every step. The mean of 5 replicates of 100 000 agents has a standard error
//! below 0.002 at every step (the early, random take-off moves the whole curve; a binomial
//! bound alone would say 0.0007), so 0.01 is over five standard errors, and the mean-field gap
//! is O(1/N) = 1e-5.

use crate::common;

use blockade::scenario::Overrides;
use blockade::spec::NOT_ADOPTED;
use blockade::spec::NetworkSpec;

#[test]
fn mean_adoption_follows_the_discrete_bass_recursion() {
    let (scenario, results) = common::simulate("bass-validation.toml", &Overrides::default());
    let setup = &scenario.baseline;
    let (p, q) = (setup.params.innovation, setup.params.imitation);
    // The bundled file is the Bass special case (scenarios/bass-validation.toml); the test
    // holds it there.
    assert_eq!((p, q), (0.02, 0.3));
    assert_eq!(setup.network, NetworkSpec::Complete);
    assert_eq!(scenario.calendar.steps(), 40);
    assert_eq!((setup.population, scenario.replicates), (100_000, 5));
    assert_eq!(scenario.providers.len(), 1);
    assert!(setup.segments.iter().all(|s| s.initial_adoption == 0.0));
    assert!(
        setup
            .params
            .providers
            .iter()
            .all(|p| p.costs[blockade::spec::Cost::Risk] == 0.0)
    );

    let not_adopted = common::mean_share(&results, 0, NOT_ADOPTED as usize);
    let mut bass = 0.0f64;
    for (step, share) in not_adopted.iter().enumerate() {
        if step > 0 {
            bass += (1.0 - bass) * (p + q * bass).min(1.0);
        }
        let adopted = 1.0 - share;
        assert!(
            (adopted - bass).abs() < 0.01,
            "step {step}: simulated {adopted:.5}, Bass {bass:.5}"
        );
    }
    // The curve has taken off: the test is not passing on two flat lines.
    assert!(bass > 0.99 && not_adopted[10] < 0.5);
}

#[test]
fn a_different_seed_gives_a_different_path_to_the_same_curve() {
    let overrides = Overrides {
        seed: Some(99),
        replicates: Some(1),
        population: Some(20_000),
        ..Overrides::default()
    };
    let (_, a) = common::simulate("bass-validation.toml", &overrides);
    let (_, b) = common::simulate(
        "bass-validation.toml",
        &Overrides {
            seed: Some(100),
            ..overrides
        },
    );
    assert_ne!(a.task(0).counts(), b.task(0).counts());
}
