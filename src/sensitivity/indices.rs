//! The estimators of a sensitivity analysis, from a design's points and the output at each
//! (docs/MODEL.md, 12. Sensitivity analysis): pure functions of slices.
//!
//! Both estimators compute what SALib computes from the same sample (its `analyze.sobol` with
//! `calc_second_order=False` and `analyze.morris`, which `scripts/salib_compare.py` checks
//! to 1e-9); their intervals are percentile bootstraps over the base samples or
//! trajectories, resampled from [`rng::bootstrap`], where SALib reports a normal
//! approximation.

use super::design::morris_delta;
use crate::rng::{self, KeyedRng};
use crate::stats;
use rand::RngExt;

/// An index and its 95% bootstrap interval: the spread of the estimate over resamples of
/// the design's base samples (Sobol) or trajectories (Morris), i.e. the estimate's error
/// from the design's finite size, the output's simulation noise included.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The estimate from the whole design.
    pub value: f64,
    /// The 2.5th percentile over resamples.
    pub low: f64,
    /// The 97.5th percentile over resamples.
    pub high: f64,
}

impl Estimate {
    fn of(value: f64, mut resampled: Vec<f64>) -> Estimate {
        if resampled.is_empty() {
            return Estimate {
                value,
                low: value,
                high: value,
            };
        }
        resampled.sort_by(f64::total_cmp);
        Estimate {
            value,
            low: stats::quantile(&resampled, 0.025),
            high: stats::quantile(&resampled, 0.975),
        }
    }
}

/// Sobol indices of each parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolIndices {
    /// First-order indices S_i (Saltelli et al. 2010): the share of the output's variance
    /// that parameter i explains alone.
    pub first: Vec<Estimate>,
    /// Total indices S_Ti (Jansen 1999): the share that involves parameter i, its
    /// interactions included.
    pub total: Vec<Estimate>,
    /// The output's variance over the base samples A and B (population variance), in the
    /// output's own units.
    pub variance: f64,
}

/// The population variance (n in the denominator), as NumPy's `var`.
fn variance(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let (sum, n) = values
        .clone()
        .fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    let mean = sum / n as f64;
    values.map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64
}

/// The output standardised as SALib does before estimating: (y - mean) / sd, sd with n in the
/// denominator. The indices are ratios of variances, but the first-order estimator is not
/// invariant to a shift of the output (its bias depends on the mean), so following SALib
/// keeps the two in agreement. A constant output stays constant (zero).
fn standardised(outputs: &[f64]) -> Vec<f64> {
    let mean = stats::mean(outputs);
    let sd = variance(outputs.iter().copied()).sqrt();
    outputs
        .iter()
        .map(|y| if sd > 0.0 { (y - mean) / sd } else { 0.0 })
        .collect()
}

/// First-order and total indices from the base samples `rows` (indices of base samples into
/// the standardised outputs `y`, laid out as [`super::saltelli`] lays them out).
fn sobol_of(y: &[f64], parameters: usize, rows: &[usize]) -> (Vec<f64>, Vec<f64>) {
    let stride = parameters + 2;
    let a = |i: usize| y[i * stride];
    let b = |i: usize| y[i * stride + parameters + 1];
    let ab = |i: usize, j: usize| y[i * stride + 1 + j];
    let n = rows.len() as f64;
    let base = rows.iter().map(|&i| a(i)).chain(rows.iter().map(|&i| b(i)));
    let v = variance(base.clone());
    let spread =
        base.clone().fold(f64::NEG_INFINITY, f64::max) - base.fold(f64::INFINITY, f64::min);
    // A constant output has nothing to apportion: every index is 0, as SALib reports it.
    if spread <= f64::EPSILON || v <= f64::EPSILON {
        return (vec![0.0; parameters], vec![0.0; parameters]);
    }
    let first = (0..parameters)
        .map(|j| rows.iter().map(|&i| b(i) * (ab(i, j) - a(i))).sum::<f64>() / n / v)
        .collect();
    let total = (0..parameters)
        .map(|j| 0.5 * rows.iter().map(|&i| (a(i) - ab(i, j)).powi(2)).sum::<f64>() / n / v)
        .collect();
    (first, total)
}

/// `resamples` resamples of `n` units (base samples or trajectories) with replacement, drawn
/// in order from one bootstrap stream.
fn resamples(n: usize, resamples: usize, draws: &mut KeyedRng) -> Vec<Vec<usize>> {
    (0..resamples)
        .map(|_| (0..n).map(|_| draws.random_range(0..n)).collect())
        .collect()
}

/// Sobol indices of `outputs`, the output at each point of a Saltelli design over
/// `parameters` (as [`super::saltelli`] lays them out: N(k + 2) values), with intervals from
/// `bootstrap` resamples of the N base samples drawn from [`rng::bootstrap`] of `seed`.
pub fn sobol(outputs: &[f64], parameters: usize, bootstrap: usize, seed: u64) -> SobolIndices {
    let stride = parameters + 2;
    assert!(
        parameters >= 1 && !outputs.is_empty() && outputs.len() % stride == 0,
        "a Saltelli design has N(k + 2) outputs"
    );
    let samples = outputs.len() / stride;
    let y = standardised(outputs);
    let all: Vec<usize> = (0..samples).collect();
    let (first, total) = sobol_of(&y, parameters, &all);
    let mut draws = rng::bootstrap(seed);
    // Per resample, the first-order then the total indices.
    let resampled: Vec<[Vec<f64>; 2]> = resamples(samples, bootstrap, &mut draws)
        .iter()
        .map(|rows| {
            let (first, total) = sobol_of(&y, parameters, rows);
            [first, total]
        })
        .collect();
    let estimates = |values: &[f64], which: usize| {
        values
            .iter()
            .enumerate()
            .map(|(j, &value)| Estimate::of(value, resampled.iter().map(|r| r[which][j]).collect()))
            .collect()
    };
    let base = (0..samples).flat_map(|i| [outputs[i * stride], outputs[i * stride + stride - 1]]);
    SobolIndices {
        first: estimates(&first, 0),
        total: estimates(&total, 1),
        variance: variance(base),
    }
}

/// Morris statistics of each parameter's elementary effects.
#[derive(Debug, Clone, PartialEq)]
pub struct MorrisIndices {
    /// The mean elementary effect (Morris 1991): effects of opposite signs cancel.
    pub mu: Vec<Estimate>,
    /// The mean absolute elementary effect (Campolongo, Cariboni & Saltelli 2007): the
    /// screening measure, in output units per unit of the parameter's probability scale.
    pub mu_star: Vec<Estimate>,
    /// The standard deviation of the elementary effects (n - 1 in the denominator):
    /// nonlinearity and interactions.
    pub sigma: Vec<Estimate>,
}

/// The elementary effects of every trajectory: `effects[t][j]` is parameter j's in
/// trajectory t, (y after - y before) / Δ when it moved up, (y before - y after) / Δ when
/// down, reading which parameter moved from the points themselves.
fn elementary_effects(
    points: &[Vec<f64>],
    outputs: &[f64],
    parameters: usize,
    delta: f64,
) -> Vec<Vec<f64>> {
    points
        .chunks(parameters + 1)
        .zip(outputs.chunks(parameters + 1))
        .map(|(x, y)| {
            let mut effects = vec![0.0; parameters];
            for s in 0..parameters {
                for (j, effect) in effects.iter_mut().enumerate() {
                    let step = x[s + 1][j] - x[s][j];
                    if step > 0.0 {
                        *effect = (y[s + 1] - y[s]) / delta;
                    } else if step < 0.0 {
                        *effect = (y[s] - y[s + 1]) / delta;
                    }
                }
            }
            effects
        })
        .collect()
}

/// (mu, mu*, sigma) of parameter j over the trajectories `rows`.
fn morris_of(effects: &[Vec<f64>], j: usize, rows: &[usize]) -> (f64, f64, f64) {
    let values: Vec<f64> = rows.iter().map(|&t| effects[t][j]).collect();
    let n = values.len() as f64;
    let mu = values.iter().sum::<f64>() / n;
    let mu_star = values.iter().map(|e| e.abs()).sum::<f64>() / n;
    (mu, mu_star, stats::sd(&values))
}

/// Morris statistics of `outputs`, the output at each point of a Morris design (`points`, as
/// [`super::morris`] lays them out: r trajectories of k + 1 points) on `levels` levels,
/// with intervals from `bootstrap` resamples of the trajectories drawn from
/// [`rng::bootstrap`] of `seed`.
pub fn morris(
    points: &[Vec<f64>],
    outputs: &[f64],
    levels: usize,
    bootstrap: usize,
    seed: u64,
) -> MorrisIndices {
    let parameters = points.first().map_or(0, Vec::len);
    assert!(
        parameters >= 1 && points.len() == outputs.len() && outputs.len() % (parameters + 1) == 0,
        "a Morris design has r (k + 1) points and one output each"
    );
    let effects = elementary_effects(points, outputs, parameters, morris_delta(levels));
    let all: Vec<usize> = (0..effects.len()).collect();
    let mut draws = rng::bootstrap(seed);
    let resampled = resamples(effects.len(), bootstrap, &mut draws);
    let mut indices = MorrisIndices {
        mu: Vec::with_capacity(parameters),
        mu_star: Vec::with_capacity(parameters),
        sigma: Vec::with_capacity(parameters),
    };
    for j in 0..parameters {
        let (mu, mu_star, sigma) = morris_of(&effects, j, &all);
        let again: Vec<(f64, f64, f64)> = resampled
            .iter()
            .map(|rows| morris_of(&effects, j, rows))
            .collect();
        indices
            .mu
            .push(Estimate::of(mu, again.iter().map(|r| r.0).collect()));
        indices
            .mu_star
            .push(Estimate::of(mu_star, again.iter().map(|r| r.1).collect()));
        indices
            .sigma
            .push(Estimate::of(sigma, again.iter().map(|r| r.2).collect()));
    }
    indices
}

#[cfg(test)]
mod tests {
    use super::super::design::{morris as morris_design, saltelli};
    use super::*;
    use std::f64::consts::PI;

    const RESAMPLES: usize = 500;

    /// The estimate is within its own bootstrap interval of the true value: |value - truth|
    /// at most the interval's half-width on the side of the truth. The bootstrap treats the
    /// quasi-random sample as random, which overstates its error, so a miss means a wrong
    /// estimator, not bad luck. The interval must also be narrow enough for the check to
    /// mean something.
    fn assert_covers(name: &str, estimate: &Estimate, truth: f64, widest: f64) {
        let tolerance = if truth < estimate.value {
            estimate.value - estimate.low
        } else {
            estimate.high - estimate.value
        };
        assert!(
            (estimate.value - truth).abs() <= tolerance,
            "{name}: {estimate:?} misses {truth}"
        );
        assert!(
            estimate.high - estimate.low < widest,
            "{name}: {estimate:?} is wider than {widest}"
        );
    }

    fn outputs(points: &[Vec<f64>], f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
        points.iter().map(|x| f(x)).collect()
    }

    /// Ishigami (1990) with a = 7, b = 0.1 on [-π, π]^3; its indices are known in closed form
    /// (Saltelli et al. 2008, Global Sensitivity Analysis: The Primer, 4.9).
    #[test]
    fn ishigami_indices_within_their_intervals() {
        let (a, b) = (7.0, 0.1);
        let f = |u: &[f64]| {
            let x: Vec<f64> = u.iter().map(|u| -PI + 2.0 * PI * u).collect();
            x[0].sin() + a * x[1].sin().powi(2) + b * x[2].powi(4) * x[0].sin()
        };
        let v1 = 0.5 * (1.0 + b * PI.powi(4) / 5.0).powi(2);
        let v2 = a * a / 8.0;
        let v13 = b * b * PI.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
        let v = v1 + v2 + v13;
        let first = [v1 / v, v2 / v, 0.0];
        let total = [(v1 + v13) / v, v2 / v, v13 / v];
        let design = saltelli(3, 4096, 2024);
        let indices = sobol(&outputs(&design, f), 3, RESAMPLES, 1);
        for j in 0..3 {
            assert_covers(&format!("S{j}"), &indices.first[j], first[j], 0.1);
            assert_covers(&format!("ST{j}"), &indices.total[j], total[j], 0.1);
        }
        assert!(
            (indices.variance - v).abs() / v < 0.05,
            "{}",
            indices.variance
        );
    }

    /// Sobol's g-function, g = Π (|4u - 2| + a_i) / (1 + a_i): V_i = 1 / (3 (1 + a_i)^2),
    /// V = Π (1 + V_i) - 1, S_i = V_i / V and S_Ti = V_i Π_{j≠i} (1 + V_j) / V (Saltelli &
    /// Sobol' 1995). Parameters with a = 99 matter almost nothing.
    #[test]
    fn g_function_indices_within_their_intervals() {
        let coefficients = [0.0, 1.0, 4.5, 9.0, 99.0, 99.0];
        let f = |u: &[f64]| {
            u.iter()
                .zip(coefficients)
                .map(|(u, a)| ((4.0 * u - 2.0).abs() + a) / (1.0 + a))
                .product::<f64>()
        };
        let partial: Vec<f64> = coefficients
            .iter()
            .map(|a| 1.0 / (3.0 * (1.0 + a) * (1.0 + a)))
            .collect();
        let product: f64 = partial.iter().map(|v| 1.0 + v).product();
        let v = product - 1.0;
        let k = coefficients.len();
        let design = saltelli(k, 4096, 7);
        let indices = sobol(&outputs(&design, f), k, RESAMPLES, 2);
        for (j, &partial) in partial.iter().enumerate() {
            let first = partial / v;
            let total = partial * product / (1.0 + partial) / v;
            assert_covers(&format!("S{j}"), &indices.first[j], first, 0.1);
            assert_covers(&format!("ST{j}"), &indices.total[j], total, 0.1);
        }
        // The ranking follows the coefficients.
        for j in 1..4 {
            assert!(indices.total[j - 1].value > indices.total[j].value);
        }
    }

    #[test]
    fn a_constant_output_has_zero_indices() {
        let design = saltelli(2, 32, 1);
        let indices = sobol(&vec![3.0; design.len()], 2, 10, 1);
        assert!(
            indices
                .first
                .iter()
                .chain(&indices.total)
                .all(|e| e.value == 0.0)
        );
        assert_eq!(indices.variance, 0.0);
    }

    /// Elementary effects of a linear term are its slope exactly, whatever the trajectory;
    /// a parameter the output ignores has none; a nonlinear term has a spread.
    #[test]
    fn morris_effects_of_known_terms_and_their_ranking() {
        let f = |u: &[f64]| 10.0 * u[0] - 5.0 * u[1] + 3.0 * u[2] * u[2] + 0.0 * u[3];
        let levels = 4;
        let design = morris_design(4, 40, levels, 3);
        let indices = morris(&design, &outputs(&design, f), levels, RESAMPLES, 4);
        let close = |x: f64, y: f64| (x - y).abs() < 1e-9;
        assert!(close(indices.mu[0].value, 10.0) && close(indices.sigma[0].value, 0.0));
        assert!(close(indices.mu[1].value, -5.0) && close(indices.mu_star[1].value, 5.0));
        assert_eq!(indices.mu_star[3].value, 0.0);
        assert_eq!(
            (indices.mu_star[3].low, indices.mu_star[3].high),
            (0.0, 0.0)
        );
        // 3 u^2 moved by Δ = 2/3 from u = 0 or 1/3 has effects 2 and 4: a spread, and a
        // mean between them.
        assert!(indices.sigma[2].value > 0.5);
        assert!((2.0..=4.0).contains(&indices.mu_star[2].value));
        let mut ranking: Vec<usize> = (0..4).collect();
        ranking.sort_by(|&i, &j| {
            indices.mu_star[j]
                .value
                .total_cmp(&indices.mu_star[i].value)
        });
        assert_eq!(ranking, [0, 1, 2, 3]);
    }

    #[test]
    fn bootstrap_intervals_depend_on_their_seed_only() {
        let design = saltelli(3, 256, 1);
        let y = outputs(&design, |u| u[0] + 2.0 * u[1] * u[2]);
        assert_eq!(sobol(&y, 3, 50, 8), sobol(&y, 3, 50, 8));
        assert_ne!(sobol(&y, 3, 50, 8), sobol(&y, 3, 50, 9));
        assert_eq!(
            sobol(&y, 3, 50, 8).first[0].value,
            sobol(&y, 3, 50, 9).first[0].value
        );
    }
}
