//! What the model says about a target: its simulated value in each replicate of a run.

use crate::results::{Results, share};
use crate::spec::{Observed, Quantity, Relation, Target, TargetMeasure};

/// The target's simulated value in each replicate of arm slot `slot`, in replicate order:
/// the share (of agents or of usage) of its states in its segment at its step, or the ratio
/// or order of two such shares. A ratio over a zero share is 0: with no agents in the second
/// quantity the ratio has no value, and 0 keeps every number finite.
pub fn simulated(target: &Target, results: &Results, slot: usize) -> Vec<f64> {
    let segment = target.segment.unwrap_or(results.shape().segments());
    let agents = results.agents(slot, segment);
    let of = |q: &Quantity, replicate: u32| -> f64 {
        match target.measure {
            TargetMeasure::Agents => {
                let count = q
                    .states
                    .iter()
                    .map(|&s| results.count_of(slot, replicate, target.step, segment, s))
                    .sum();
                share(count, agents)
            }
            TargetMeasure::Usage => {
                results.usage_share(slot, replicate, target.step, segment, |s| {
                    q.states.contains(&s)
                })
            }
        }
    };
    (0..results.shape().replicates())
        .map(|r| match &target.observed {
            Observed::Share(q) => of(q, r),
            Observed::Pair {
                first,
                second,
                relation: Relation::Ratio,
            } => {
                let below = of(second, r);
                if below > 0.0 {
                    of(first, r) / below
                } else {
                    0.0
                }
            }
            Observed::Pair {
                first,
                second,
                relation: Relation::Order,
            } => f64::from(u8::from(of(first, r) > of(second, r))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::Shape;
    use crate::spec::TargetUse;

    fn target(observed: Observed, segment: Option<usize>) -> Target {
        Target {
            name: "t".into(),
            observed,
            measure: TargetMeasure::Agents,
            segment,
            step: 1,
            value: 0.0,
            observation_sd: 0.1,
            discrepancy_sd: 0.0,
            source: None,
            use_: TargetUse::Calibrate,
        }
    }

    fn q(states: &[usize]) -> Quantity {
        Quantity {
            label: "q".into(),
            states: states.to_vec(),
        }
    }

    #[test]
    fn shares_ratios_and_orders_are_read_per_replicate_at_the_targets_step() {
        // Two segments of 4 and 6 agents, states not_adopted, unserved, a, b; steps 0 and 1.
        let shape = Shape::new(1, 1, 2, 1, 2, 4).unwrap();
        let mut results = Results::empty(shape, vec![vec![4, 6]]);
        results.set_task(
            0,
            crate::results::TaskCounts {
                counts: vec![4, 0, 0, 0, 6, 0, 0, 0, 1, 0, 2, 1, 0, 1, 2, 3],
                ..Default::default()
            },
        );
        results.set_task(
            1,
            crate::results::TaskCounts {
                counts: vec![4, 0, 0, 0, 6, 0, 0, 0, 0, 0, 1, 3, 2, 0, 4, 0],
                ..Default::default()
            },
        );
        let adopted = target(Observed::Share(q(&[1, 2, 3])), None);
        assert_eq!(simulated(&adopted, &results, 0), vec![0.9, 0.8]);
        let in_b = target(Observed::Share(q(&[2])), Some(1));
        assert_eq!(simulated(&in_b, &results, 0), vec![2.0 / 6.0, 4.0 / 6.0]);
        let ratio = Observed::Pair {
            first: q(&[2]),
            second: q(&[3]),
            relation: Relation::Ratio,
        };
        assert_eq!(
            simulated(&target(ratio, None), &results, 0),
            vec![4.0 / 4.0, 5.0 / 3.0]
        );
        let order = Observed::Pair {
            first: q(&[3]),
            second: q(&[2]),
            relation: Relation::Order,
        };
        assert_eq!(
            simulated(&target(order, Some(0)), &results, 0),
            vec![0.0, 1.0]
        );
        let over_nobody = Observed::Pair {
            first: q(&[2]),
            second: q(&[1]),
            relation: Relation::Ratio,
        };
        assert_eq!(
            simulated(&target(over_nobody, Some(0)), &results, 0),
            vec![0.0, 0.0]
        );
    }
}
