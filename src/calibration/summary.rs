//! What a calibration says: each target's prior and posterior predictive distribution, and
//! each parameter's prior and posterior range.

use super::{Calibration, Evaluated, Prior, Stage};
use crate::spec::Target;

/// The lower and upper quantiles of every interval reported: a central 90% interval.
pub const INTERVAL: (f64, f64) = (0.05, 0.95);

/// A predictive distribution of a target: its simulated values over points (parameter
/// uncertainty) and replicates (simulation noise), each point weighted by its weight and each
/// replicate equally within it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Predictive {
    /// The weighted mean.
    pub mean: f64,
    /// The weighted 5% quantile.
    pub low: f64,
    /// The weighted 95% quantile.
    pub high: f64,
    /// The weighted variance.
    pub variance: f64,
}

/// A target against the calibration's predictions.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetFit {
    /// Over the first wave's points, a sample of the prior.
    pub prior: Predictive,
    /// Over the posterior sample; `None` when it is empty.
    pub posterior: Option<Predictive>,
    /// |observed - posterior mean| / sqrt(observation var + discrepancy var + posterior
    /// predictive var): the implausibility of the observation under the posterior.
    pub implausibility: Option<f64>,
}

/// A parameter's prior and posterior.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParameterRange {
    /// The prior's 5% and 95% quantiles.
    pub prior: (f64, f64),
    /// The posterior's weighted mean, 5% and 95% quantiles; `None` when it is empty.
    pub posterior: Option<(f64, f64, f64)>,
}

/// The smallest value whose cumulative weight reaches q of the total (the inverse of the
/// weighted empirical distribution function). `pairs` must not be empty; ties keep their
/// order, so the same input gives the same bits.
pub(crate) fn weighted_quantile(pairs: &mut [(f64, f64)], q: f64) -> f64 {
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = pairs.iter().map(|p| p.1).sum();
    let mut cumulative = 0.0;
    for &(value, weight) in pairs.iter() {
        cumulative += weight;
        if cumulative >= q * total {
            return value;
        }
    }
    pairs[pairs.len() - 1].0
}

fn predictive(points: &[(&Evaluated, f64)], target: usize) -> Option<Predictive> {
    let mut pairs: Vec<(f64, f64)> = Vec::new();
    for (point, weight) in points {
        let values = &point.outcome[target];
        for &v in values {
            pairs.push((v, weight / values.len() as f64));
        }
    }
    let total: f64 = pairs.iter().map(|p| p.1).sum();
    if pairs.is_empty() || total <= 0.0 {
        return None;
    }
    let mean = pairs.iter().map(|(v, w)| v * w).sum::<f64>() / total;
    let variance = pairs
        .iter()
        .map(|(v, w)| w * (v - mean) * (v - mean))
        .sum::<f64>()
        / total;
    Some(Predictive {
        mean,
        low: weighted_quantile(&mut pairs, INTERVAL.0),
        high: weighted_quantile(&mut pairs, INTERVAL.1),
        variance,
    })
}

/// The first wave's points, equally weighted: a latin hypercube of the prior.
fn prior_sample(calibration: &Calibration) -> Vec<(&Evaluated, f64)> {
    calibration
        .points
        .iter()
        .filter(|p| p.wave == 1 && p.stage == Stage::HistoryMatching)
        .map(|p| (p, 1.0))
        .collect()
}

/// Each target's prior and posterior predictive distributions, in the targets' order.
pub fn target_fits(targets: &[Target], calibration: &Calibration) -> Vec<TargetFit> {
    let prior = prior_sample(calibration);
    let posterior: Vec<(&Evaluated, f64)> =
        calibration.posterior().map(|p| (p, p.weight)).collect();
    targets
        .iter()
        .enumerate()
        .map(|(j, t)| {
            let after = predictive(&posterior, j);
            TargetFit {
                prior: predictive(&prior, j).unwrap_or(Predictive {
                    mean: 0.0,
                    low: 0.0,
                    high: 0.0,
                    variance: 0.0,
                }),
                posterior: after,
                implausibility: after.map(|p| {
                    (t.value - p.mean).abs() / (t.tolerated_variance() + p.variance).sqrt()
                }),
            }
        })
        .collect()
}

/// Each parameter's prior 90% range and posterior weighted mean and 90% range.
pub fn parameter_ranges(prior: &dyn Prior, calibration: &Calibration) -> Vec<ParameterRange> {
    (0..prior.dims())
        .map(|d| {
            let mut pairs: Vec<(f64, f64)> = calibration
                .posterior()
                .map(|p| (p.values[d], p.weight))
                .collect();
            let posterior = (!pairs.is_empty()).then(|| {
                let mean = pairs.iter().map(|(v, w)| v * w).sum::<f64>()
                    / pairs.iter().map(|p| p.1).sum::<f64>();
                (
                    mean,
                    weighted_quantile(&mut pairs, INTERVAL.0),
                    weighted_quantile(&mut pairs, INTERVAL.1),
                )
            });
            ParameterRange {
                prior: (prior.value(d, INTERVAL.0), prior.value(d, INTERVAL.1)),
                posterior,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_weighted_quantile_inverts_the_weighted_distribution_function() {
        let mut pairs = vec![(3.0, 0.1), (1.0, 0.5), (2.0, 0.4)];
        assert_eq!(weighted_quantile(&mut pairs, 0.05), 1.0);
        assert_eq!(weighted_quantile(&mut pairs, 0.5), 1.0);
        assert_eq!(weighted_quantile(&mut pairs, 0.51), 2.0);
        assert_eq!(weighted_quantile(&mut pairs, 0.95), 3.0);
    }
}
