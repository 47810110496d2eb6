//! The logit special case (docs/MODEL.md, 7.4 Choice): everyone adopted, everyone re-chooses every
//! step, no peer or inertia terms, no heterogeneity, no risk, one cell. Each step's shares must be
//! the logit shares exp(V_j) / sum_k exp(V_k) over the usable options, computed here from the
//! formula, independently of the model's code.
//!
//! Tolerance: 0.005. With 100 000 agents and 5 replicates the standard error of a mean share
//! is at most sqrt(0.25 / 500 000) = 0.0007, so 0.005 is seven standard errors.

use crate::common;

use blockade::scenario::Overrides;
use blockade::spec::{Cost, FIRST_PROVIDER, UNSERVED, Weight};

const TOLERANCE: f64 = 0.005;

/// V_j for the cell's task and language, or `None` when j is not usable by anyone in it.
fn utility(
    scenario: &blockade::scenario::Scenario,
    params: &blockade::spec::Params,
    j: usize,
) -> Option<f64> {
    let p = &params.providers[j];
    let w = params.segments[0].weights;
    let task = scenario.tasks.iter().position(|t| t == "text")?;
    let language = scenario.languages.iter().position(|l| l == "mandarin")?;
    let needs_missing_capability = !scenario.providers[j].requires.is_empty();
    if !p.available || needs_missing_capability {
        return None;
    }
    let appeal = p.quality[task]? * p.fit[language]?;
    Some(
        w[Weight::Quality] * appeal
            - w[Weight::Price] * (1.0 + p.costs[Cost::Price]).ln()
            - w[Weight::Friction] * p.costs[Cost::Friction]
            - w[Weight::Risk] * p.costs[Cost::Risk],
    )
}

/// Expected share per state (`unserved` first at index 1, providers from 2) of one arm's
/// parameters.
fn logit_shares(
    scenario: &blockade::scenario::Scenario,
    params: &blockade::spec::Params,
) -> Vec<f64> {
    let mut weights = vec![0.0; FIRST_PROVIDER as usize + params.providers.len()];
    for j in 0..params.providers.len() {
        if let Some(v) = utility(scenario, params, j) {
            weights[FIRST_PROVIDER as usize + j] = v.exp();
        }
    }
    if let Some(outside) = params.outside_utility {
        weights[UNSERVED as usize] = outside.exp();
    }
    let total: f64 = weights.iter().sum();
    weights.iter().map(|w| w / total).collect()
}

#[test]
fn shares_are_the_logit_shares_at_every_step() {
    let (scenario, results) = common::simulate("logit-validation.toml", &Overrides::default());
    let base = &scenario.baseline;
    // The bundled file is the logit special case (scenarios/logit-validation.toml).
    assert_eq!((base.population, scenario.replicates), (100_000, 5));
    assert_eq!(base.params.reconsider, 1.0);
    let s = &base.params.segments[0];
    assert_eq!(
        (
            s.weights[Weight::Peer],
            s.weights[Weight::Inertia],
            s.heterogeneity
        ),
        (0.0, 0.0, 0.0)
    );
    assert!(base.segments.iter().all(|s| s.initial_adoption == 1.0));

    let arms = scenario.arms(&[]).expect("all arms");
    for (arm, name) in arms.iter().map(|a| a.name).enumerate() {
        let setup = if arm == 0 {
            base
        } else {
            &scenario
                .variants
                .iter()
                .find(|v| v.name == name)
                .expect("variant")
                .setup
        };
        let mut params = blockade::spec::Params::clone(&setup.params);
        let mut expected = logit_shares(&scenario, &params);
        let usable = expected.iter().filter(|&&x| x > 0.0).count();
        assert!(usable >= 3, "{name}: the case needs 3+ usable options");
        let observed: Vec<Vec<f64>> = (0..results.shape().states())
            .map(|state| common::mean_share(&results, arm, state))
            .collect();
        for step in 0..=scenario.calendar.steps() {
            let mut patched = false;
            for patch in setup.timeline.at(step) {
                patch.apply(&mut params);
                patched = true;
            }
            if patched {
                expected = logit_shares(&scenario, &params);
            }
            for (state, want) in expected.iter().enumerate() {
                let got = observed[state][step as usize];
                assert!(
                    (got - want).abs() < TOLERANCE,
                    "{name}, step {step}, state {state}: simulated {got:.5}, logit {want:.5}"
                );
            }
        }
    }
}
