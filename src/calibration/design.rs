//! Where a wave's points come from, in the unit cube of the prior's quantiles: a latin
//! hypercube for the first wave, and for later ones a proposal around the points the last wave
//! kept, mixed with the prior, whose density is known exactly so that the final sample can be
//! weighted back to the prior.

use crate::rng::KeyedRng;
use rand::seq::SliceRandom;

/// The share of a proposal's points drawn from the prior itself (a defensive mixture,
/// Hesterberg 1995): it keeps the density at least this everywhere, so importance weights are
/// at most 1 / `DEFENSIVE` and no part of the prior is left unsampled.
pub(super) const DEFENSIVE: f64 = 0.1;

/// The smallest half-width of the box around a kept point, in quantile units: a wave that
/// keeps one point, or points that agree on a parameter, still explores around them.
const MIN_HALF_WIDTH: f64 = 0.02;

/// `samples` points of a latin hypercube in [0, 1)^`dims`: for each dimension in turn a
/// uniform permutation of the strata, then one uniform per point within its stratum.
pub(super) fn latin_hypercube(rng: &mut KeyedRng, samples: usize, dims: usize) -> Vec<Vec<f64>> {
    let mut points = vec![vec![0.0; dims]; samples];
    for d in 0..dims {
        let mut strata: Vec<usize> = (0..samples).collect();
        strata.shuffle(rng);
        for (point, stratum) in points.iter_mut().zip(strata) {
            point[d] = (stratum as f64 + rng.uniform()) / samples as f64;
        }
    }
    points
}

/// A mixture of the prior (weight [`DEFENSIVE`]) and uniform boxes around kept points, each
/// box cut to the unit cube; with no kept point, the prior alone.
#[derive(Debug, Clone)]
pub(super) struct Proposal {
    centres: Vec<Vec<f64>>,
    half_width: Vec<f64>,
}

impl Proposal {
    /// The prior: uniform on the unit cube.
    pub(super) fn prior() -> Proposal {
        Proposal {
            centres: Vec::new(),
            half_width: Vec::new(),
        }
    }

    /// Boxes around `kept`, each of half-width twice the kept points' standard deviation in
    /// that dimension (at least [`MIN_HALF_WIDTH`], at most 1/2): wide enough to cover the
    /// space between and just beyond them, as ABC-SMC kernels are (Beaumont et al. 2009).
    pub(super) fn around(kept: &[&[f64]]) -> Proposal {
        if kept.is_empty() {
            return Proposal::prior();
        }
        let dims = kept[0].len();
        let half_width = (0..dims)
            .map(|d| {
                let column: Vec<f64> = kept.iter().map(|u| u[d]).collect();
                (2.0 * crate::stats::sd(&column)).clamp(MIN_HALF_WIDTH, 0.5)
            })
            .collect();
        Proposal {
            centres: kept.iter().map(|u| u.to_vec()).collect(),
            half_width,
        }
    }

    /// The box around a centre in dimension d, cut to [0, 1).
    fn bounds(&self, centre: f64, d: usize) -> (f64, f64) {
        let h = self.half_width[d];
        ((centre - h).max(0.0), (centre + h).min(1.0))
    }

    /// `samples` points: for each, one uniform chooses the prior or a box, one uniform the
    /// box's kept point, then one uniform per dimension.
    pub(super) fn draw(&self, rng: &mut KeyedRng, samples: usize, dims: usize) -> Vec<Vec<f64>> {
        (0..samples)
            .map(|_| {
                if self.centres.is_empty() || rng.uniform() < DEFENSIVE {
                    return (0..dims).map(|_| rng.uniform()).collect();
                }
                let m = ((rng.uniform() * self.centres.len() as f64) as usize)
                    .min(self.centres.len() - 1);
                (0..dims)
                    .map(|d| {
                        let (low, high) = self.bounds(self.centres[m][d], d);
                        low + rng.uniform() * (high - low)
                    })
                    .collect()
            })
            .collect()
    }

    /// The density of the proposal at `u`, relative to the prior's (which is 1 on the cube).
    pub(super) fn density(&self, u: &[f64]) -> f64 {
        if self.centres.is_empty() {
            return 1.0;
        }
        let boxes: f64 = self
            .centres
            .iter()
            .map(|centre| {
                let mut density = 1.0;
                for (d, (&c, &x)) in centre.iter().zip(u).enumerate() {
                    let (low, high) = self.bounds(c, d);
                    if x < low || x >= high {
                        return 0.0;
                    }
                    density /= high - low;
                }
                density
            })
            .sum();
        DEFENSIVE + (1.0 - DEFENSIVE) * boxes / self.centres.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng;

    #[test]
    fn a_latin_hypercube_hits_every_stratum_of_every_dimension_once() {
        let points = latin_hypercube(&mut rng::calibration(1, 1), 10, 3);
        for d in 0..3 {
            let mut strata: Vec<usize> = points.iter().map(|p| (p[d] * 10.0) as usize).collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..10).collect::<Vec<_>>());
        }
    }

    /// The density integrates to 1 over the cube and the draws follow it: the fraction of
    /// 20 000 draws in a small box matches the density's integral there. The count is binomial
    /// with p about 0.2, so its sd is sqrt(p (1 - p) / n) = 0.003; the tolerance is 5 sd.
    #[test]
    fn the_proposal_draws_from_its_own_density() {
        let kept: Vec<&[f64]> = vec![&[0.1, 0.5], &[0.2, 0.6], &[0.95, 0.9]];
        let proposal = Proposal::around(&kept);
        let grid = 400;
        let mut integral = 0.0;
        let mut in_box = 0.0;
        for i in 0..grid {
            for j in 0..grid {
                let u = [
                    (i as f64 + 0.5) / grid as f64,
                    (j as f64 + 0.5) / grid as f64,
                ];
                let mass = proposal.density(&u) / (grid * grid) as f64;
                integral += mass;
                if u[0] < 0.3 && u[1] < 0.55 {
                    in_box += mass;
                }
            }
        }
        assert!((integral - 1.0).abs() < 0.01, "{integral}");
        let draws = proposal.draw(&mut rng::calibration(3, 2), 20_000, 2);
        let hits = draws.iter().filter(|u| u[0] < 0.3 && u[1] < 0.55).count() as f64 / 20_000.0;
        assert!((hits - in_box).abs() < 0.015, "{hits} vs {in_box}");
        assert!(draws.iter().flatten().all(|&x| (0.0..1.0).contains(&x)));
    }
}
