//! The designs of a sensitivity analysis, as points of the unit hypercube: each coordinate u
//! is a probability that the parameter's distribution turns into a value (its quantile), so
//! the designs know nothing of the parameters themselves.
//!
//! - [`saltelli`]: the base samples A and B from a quasi-random Sobol sequence and, for each
//!   base sample, the k points A with column i taken from B (Saltelli et al. 2010), in the
//!   order SALib reads them when second-order indices are not computed: per base sample,
//!   A, AB_1, ..., AB_k, B; N(k + 2) points.
//! - [`morris`]: r trajectories of k + 1 points on a grid of p levels (Morris 1991), each moving
//!   one parameter at a time by Δ = p / (2 (p - 1)).

use crate::rng;
use rand::RngExt;
use rand::seq::SliceRandom;

/// The most parameters a Saltelli design takes: it reads 2k dimensions of the Sobol sequence,
/// which has 256.
pub const MAX_SOBOL_PARAMETERS: usize = sobol_burley::NUM_DIMENSIONS as usize / 2;

/// The most base samples a Saltelli design takes: the Sobol sequence has 2^16 points.
pub const MAX_BASE_SAMPLES: usize = 1 << 16;

/// The Saltelli design over `parameters` (k, 1..=[`MAX_SOBOL_PARAMETERS`]) with `samples`
/// (N, 1..=[`MAX_BASE_SAMPLES`]) base samples: N(k + 2) points of [0, 1)^k, per base sample
/// A, AB_1, ..., AB_k, B.
///
/// A is dimensions 0..k and B dimensions k..2k of one Owen-scrambled Sobol sequence
/// (Burley 2020) scrambled by [`rng::scramble`] of `seed`; the scrambling keeps the
/// sequence's low discrepancy and makes the sample random, so that another seed gives an
/// independent design. Sobol sequences are balanced at powers of two: N = 2^m is best.
pub fn saltelli(parameters: usize, samples: usize, seed: u64) -> Vec<Vec<f64>> {
    assert!(
        (1..=MAX_SOBOL_PARAMETERS).contains(&parameters)
            && (1..=MAX_BASE_SAMPLES).contains(&samples),
        "validation keeps a Saltelli design within its sequence"
    );
    let scramble = rng::scramble(seed);
    let mut points = Vec::with_capacity(samples * (parameters + 2));
    for i in 0..samples as u32 {
        let row = |offset: usize| -> Vec<f64> {
            (0..parameters)
                .map(|j| f64::from(sobol_burley::sample(i, (offset + j) as u32, scramble)))
                .collect()
        };
        let (a, b) = (row(0), row(parameters));
        points.push(a.clone());
        for j in 0..parameters {
            let mut ab = a.clone();
            ab[j] = b[j];
            points.push(ab);
        }
        points.push(b);
    }
    points
}

/// The step of a Morris design on `levels` levels, in the unit interval: p / (2 (p - 1)).
pub fn morris_delta(levels: usize) -> f64 {
    levels as f64 / (2.0 * (levels as f64 - 1.0))
}

/// The Morris design over `parameters` (k >= 1) with `trajectories` (r >= 1) trajectories on
/// `levels` levels (p, even, >= 2): r (k + 1) points of [0, 1]^k, trajectory by trajectory.
///
/// Each trajectory starts at a base point whose coordinates are drawn uniformly from the
/// levels 0, 1/(p-1), ..., 1 - Δ; each parameter gets a direction, up or down (a parameter
/// going down starts Δ higher), and the parameters move one at a time, in a random order, by
/// Δ each. With p even, Δ is p/2 grid steps, so every point stays on the grid in [0, 1]. The
/// draws come from [`rng::design`] of `seed`, in the order: per trajectory, the base levels,
/// the directions, then the order.
pub fn morris(parameters: usize, trajectories: usize, levels: usize, seed: u64) -> Vec<Vec<f64>> {
    assert!(
        parameters >= 1 && trajectories >= 1 && levels >= 2 && levels % 2 == 0,
        "validation keeps a Morris design's sizes in range"
    );
    let mut draws = rng::design(seed);
    let half = levels / 2;
    let grid = (levels - 1) as f64;
    let mut points = Vec::with_capacity(trajectories * (parameters + 1));
    for _ in 0..trajectories {
        // Levels as integers 0..levels, so that a step is exact.
        let base: Vec<usize> = (0..parameters)
            .map(|_| draws.random_range(0..half))
            .collect();
        let up: Vec<bool> = (0..parameters).map(|_| draws.random::<bool>()).collect();
        let mut order: Vec<usize> = (0..parameters).collect();
        order.shuffle(&mut draws);
        let mut current: Vec<usize> = base
            .iter()
            .zip(&up)
            .map(|(&level, &up)| if up { level } else { level + half })
            .collect();
        let unit = |levels: &[usize]| levels.iter().map(|&l| l as f64 / grid).collect();
        points.push(unit(&current));
        for &j in &order {
            current[j] = if up[j] {
                current[j] + half
            } else {
                current[j] - half
            };
            points.push(unit(&current));
        }
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saltelli_points_follow_the_salib_layout() {
        let (k, n) = (3, 16);
        let points = saltelli(k, n, 5);
        assert_eq!(points.len(), n * (k + 2));
        for block in points.chunks(k + 2) {
            let (a, b) = (&block[0], &block[k + 1]);
            for (j, ab) in block[1..=k].iter().enumerate() {
                for c in 0..k {
                    assert_eq!(ab[c], if c == j { b[c] } else { a[c] });
                }
            }
            assert!(block.iter().flatten().all(|u| (0.0..1.0).contains(u)));
        }
        assert_eq!(points, saltelli(k, n, 5));
        assert_ne!(points, saltelli(k, n, 6));
    }

    /// A scrambled Sobol sequence is stratified: the first 2^m points put exactly one point
    /// in each of the 2^m equal intervals of every dimension (a net property that random
    /// points lack).
    #[test]
    fn saltelli_base_samples_are_stratified() {
        let (k, n) = (4, 64);
        let points = saltelli(k, n, 1);
        for column in 0..k {
            for (name, offset) in [("A", 0), ("B", k + 1)] {
                let mut strata: Vec<usize> = points
                    .chunks(k + 2)
                    .map(|block| (block[offset][column] * n as f64) as usize)
                    .collect();
                strata.sort_unstable();
                assert_eq!(
                    strata,
                    (0..n).collect::<Vec<_>>(),
                    "{name}, column {column}"
                );
            }
        }
    }

    #[test]
    fn morris_trajectories_move_each_parameter_once_by_delta() {
        let (k, r, p) = (5, 30, 4);
        let delta = morris_delta(p);
        let points = morris(k, r, p, 9);
        assert_eq!(points.len(), r * (k + 1));
        let mut directions = [0usize; 2];
        for trajectory in points.chunks(k + 1) {
            let mut moved = vec![false; k];
            for pair in trajectory.windows(2) {
                let changed: Vec<usize> = (0..k).filter(|&j| pair[0][j] != pair[1][j]).collect();
                assert_eq!(changed.len(), 1);
                let j = changed[0];
                assert!(!moved[j], "parameter {j} moved twice");
                moved[j] = true;
                let step = pair[1][j] - pair[0][j];
                assert!((step.abs() - delta).abs() < 1e-12, "step {step}");
                directions[usize::from(step > 0.0)] += 1;
            }
            for u in trajectory.iter().flatten() {
                assert!((0.0..=1.0).contains(u));
                let level = u * (p - 1) as f64;
                assert!((level - level.round()).abs() < 1e-12, "{u} is off the grid");
            }
        }
        // Both directions occur: 150 fair coin flips fall below 40 on one side with
        // probability under 1e-8.
        assert!(directions.iter().all(|&d| d > 40), "{directions:?}");
        assert_eq!(points, morris(k, r, p, 9));
    }
}
