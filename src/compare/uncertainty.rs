//! A variant's effect with two intervals side by side (docs/FORMAT.md, compare): one over
//! replicates, which covers the simulation's noise at a point, and one over the sweep's
//! points, which covers the declared uncertainty of the parameters; and which parameters the
//! effect moves with.
//!
//! At each point the effect is the paired difference from the baseline of the same point
//! (metrics.csv's `diff_mean`). Over replicates: the median across points of the half-width
//! of the 95% paired interval, a typical point's noise. Over the declared uncertainty: the
//! 5th and 95th percentiles of the per-point effect across the points, weighted when the
//! points carry weights (a posterior sample). The parameters are ranked by the absolute
//! Spearman rank correlation of the per-point effect with each parameter's values.

use super::robustness::difference;
use super::{MetricRow, SweepValues};
use crate::stats;

/// The lower and upper probabilities of the spread over points.
pub const SPREAD: (f64, f64) = (0.05, 0.95);

/// A parameter's association with an effect across the points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Driver {
    /// The parameter, as an index into [`SweepValues::parameters`].
    pub parameter: usize,
    /// The (weighted) Spearman rank correlation of the effect with its values, in [-1, 1]; 0
    /// when either does not vary.
    pub rho: f64,
}

/// One variant's effect on one metric across the points, with its two intervals.
#[derive(Debug, Clone, PartialEq)]
pub struct TwoIntervals {
    /// The variant's row in the first point's metrics, which names it (arm, segment, metric,
    /// state, step).
    pub key: MetricRow,
    /// The number of points.
    pub points: usize,
    /// The (weighted) mean over points of the per-point effect.
    pub effect: f64,
    /// Over replicates: the median over points of the half-width of the paired 95% interval;
    /// `None` for a metric without one (the crossing).
    pub noise_half_width: Option<f64>,
    /// Over the declared uncertainty: the (weighted) 5th and 95th percentiles of the per-point
    /// effect.
    pub spread: (f64, f64),
    /// Every parameter, strongest association first (ties in parameter order).
    pub drivers: Vec<Driver>,
}

/// For every variant row of the points' metrics (as [`super::metrics`] returns them, one list
/// per point, in the same order at every point), its effect with both intervals. `sweep` gives
/// the parameters' values per point and, when given, the points' weights.
pub fn two_intervals(points: &[Vec<MetricRow>], sweep: &SweepValues) -> Vec<TwoIntervals> {
    let Some(first) = points.first() else {
        return Vec::new();
    };
    let weights: Vec<f64> = sweep
        .weights
        .clone()
        .unwrap_or_else(|| vec![1.0; points.len()]);
    let columns: Vec<Vec<f64>> = (0..sweep.parameters.len())
        .map(|j| ranks_of_text(sweep.values.iter().map(|row| row[j].as_str())))
        .collect();
    first
        .iter()
        .enumerate()
        .filter(|(_, r)| r.arm > 0)
        .map(|(i, key)| {
            let effects: Vec<f64> = points
                .iter()
                .map(|rows| difference(&rows[i], &rows[i - key.arm]))
                .collect();
            let mut half_widths: Vec<f64> = points
                .iter()
                .filter_map(|rows| rows[i].diff.map(|(_, lo, hi)| (hi - lo) / 2.0))
                .collect();
            half_widths.sort_by(f64::total_cmp);
            let effect_ranks = ranks(&effects);
            let mut drivers: Vec<Driver> = columns
                .iter()
                .enumerate()
                .map(|(parameter, column)| Driver {
                    parameter,
                    rho: weighted_correlation(&effect_ranks, column, &weights),
                })
                .collect();
            drivers.sort_by(|a, b| b.rho.abs().total_cmp(&a.rho.abs()));
            TwoIntervals {
                key: key.clone(),
                points: effects.len(),
                effect: weighted_mean(&effects, &weights),
                noise_half_width: (!half_widths.is_empty())
                    .then(|| stats::quantile(&half_widths, 0.5)),
                spread: (
                    weighted_quantile(&effects, &weights, SPREAD.0),
                    weighted_quantile(&effects, &weights, SPREAD.1),
                ),
                drivers,
            }
        })
        .collect()
}

fn weighted_mean(values: &[f64], weights: &[f64]) -> f64 {
    let total: f64 = weights.iter().sum();
    values.iter().zip(weights).map(|(x, w)| x * w).sum::<f64>() / total
}

/// The q-quantile of a weighted sample: with the values sorted and each standing at the
/// middle of its weight's share of [0, 1] (value i at (W_i - w_i / 2) / W, W_i the cumulative
/// weight), interpolated linearly between those positions and flat beyond the ends. With equal
/// weights value i stands at (i + 1/2) / n (Hazen's plotting position).
pub fn weighted_quantile(values: &[f64], weights: &[f64], q: f64) -> f64 {
    let mut order: Vec<usize> = (0..values.len()).filter(|&i| weights[i] > 0.0).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let total: f64 = order.iter().map(|&i| weights[i]).sum();
    let mut cumulative = 0.0;
    let positions: Vec<f64> = order
        .iter()
        .map(|&i| {
            cumulative += weights[i];
            (cumulative - weights[i] / 2.0) / total
        })
        .collect();
    let Some(last) = order.len().checked_sub(1) else {
        return f64::NAN;
    };
    if q <= positions[0] {
        return values[order[0]];
    }
    if q >= positions[last] {
        return values[order[last]];
    }
    let k = positions.partition_point(|&p| p <= q);
    let (p0, p1) = (positions[k - 1], positions[k]);
    let (x0, x1) = (values[order[k - 1]], values[order[k]]);
    x0 + (x1 - x0) * (q - p0) / (p1 - p0)
}

/// Ranks from 1, ties given their mean rank.
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut out = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        let mean_rank = (start + end + 1) as f64 / 2.0;
        for &i in &order[start..end] {
            out[i] = mean_rank;
        }
        start = end;
    }
    out
}

/// Ranks of a points.csv column: by number where every value reads as one, else by text (for
/// a list of names, the order has no meaning beyond telling the values apart; with two values
/// the correlation's size still says how much the effect differs between them).
fn ranks_of_text<'a>(cells: impl Iterator<Item = &'a str>) -> Vec<f64> {
    let cells: Vec<&str> = cells.collect();
    let numbers: Option<Vec<f64>> = cells.iter().map(|c| c.parse::<f64>().ok()).collect();
    match numbers {
        Some(numbers) => ranks(&numbers),
        None => {
            let mut distinct: Vec<&str> = cells.clone();
            distinct.sort_unstable();
            distinct.dedup();
            let codes: Vec<f64> = cells
                .iter()
                .map(|c| distinct.binary_search(c).unwrap_or(0) as f64)
                .collect();
            ranks(&codes)
        }
    }
}

/// The weighted Pearson correlation of two columns; 0 when either is constant.
fn weighted_correlation(x: &[f64], y: &[f64], weights: &[f64]) -> f64 {
    let (mx, my) = (weighted_mean(x, weights), weighted_mean(y, weights));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for ((a, b), w) in x.iter().zip(y).zip(weights) {
        sxy += w * (a - mx) * (b - my);
        sxx += w * (a - mx) * (a - mx);
        syy += w * (b - my) * (b - my);
    }
    if sxx <= 0.0 || syy <= 0.0 {
        0.0
    } else {
        (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::Metric;

    fn row(arm: usize, mean: f64, diff: Option<(f64, f64, f64)>) -> MetricRow {
        MetricRow {
            arm,
            segment: 0,
            metric: Metric::DomesticShare,
            state: None,
            step: Some(8),
            mean,
            ci95: None,
            diff,
            unpaired: None,
        }
    }

    /// Five points: the effect is 0.01 × (point + 1) with a paired half-width of 0.001 ×
    /// (point + 1); parameter `a` rises with the point, `b` falls, `c` is constant.
    fn five() -> (Vec<Vec<MetricRow>>, SweepValues) {
        let points = (0..5)
            .map(|p| {
                let d = 0.01 * f64::from(p + 1);
                let h = 0.001 * f64::from(p + 1);
                vec![row(0, 0.5, None), row(1, 0.5 + d, Some((d, d - h, d + h)))]
            })
            .collect();
        let sweep = SweepValues {
            parameters: vec!["a".into(), "b".into(), "c".into()],
            values: (0..5)
                .map(|p| {
                    vec![
                        format!("{}", p * 10),
                        format!("{}", 1.0 / f64::from(p + 1)),
                        "x".into(),
                    ]
                })
                .collect(),
            weights: None,
        };
        (points, sweep)
    }

    #[test]
    fn both_intervals_and_the_drivers_of_a_known_sweep() {
        let (points, sweep) = five();
        let rows = two_intervals(&points, &sweep);
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(r.points, 5);
        assert!((r.effect - 0.03).abs() < 1e-15);
        // Half-widths 0.001..0.005: the median is 0.003.
        assert!((r.noise_half_width.unwrap() - 0.003).abs() < 1e-15);
        // Effects 0.01..0.05 at Hazen positions 0.1, 0.3, ..., 0.9: the 5th and 95th
        // percentiles are the ends.
        assert_eq!(r.spread, (0.01, 0.05));
        let order: Vec<(usize, f64)> = r.drivers.iter().map(|d| (d.parameter, d.rho)).collect();
        assert_eq!(order[0].0, 0);
        assert!((order[0].1 - 1.0).abs() < 1e-12);
        assert_eq!(order[1].0, 1);
        assert!((order[1].1 + 1.0).abs() < 1e-12);
        assert_eq!(order[2], (2, 0.0));
    }

    #[test]
    fn weights_move_the_effect_and_the_spread() {
        let (points, mut sweep) = five();
        // All the weight on the last two points, 1:3.
        sweep.weights = Some(vec![0.0, 0.0, 0.0, 1.0, 3.0]);
        let r = &two_intervals(&points, &sweep)[0];
        assert!((r.effect - (0.04 + 3.0 * 0.05) / 4.0).abs() < 1e-15);
        // Positions: 0.04 at 0.125, 0.05 at 0.625; the 5th percentile is flat below 0.125.
        assert_eq!(r.spread.0, 0.04);
        assert_eq!(r.spread.1, 0.05);
        // Zero-weight points count for nothing, in the correlation too: still +1.
        assert!((r.drivers[0].rho.abs() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn weighted_quantiles_interpolate_between_midpoints() {
        let values = [3.0, 1.0, 2.0, 4.0];
        let equal = [1.0; 4];
        // Positions 0.125, 0.375, 0.625, 0.875.
        assert_eq!(weighted_quantile(&values, &equal, 0.5), 2.5);
        assert_eq!(weighted_quantile(&values, &equal, 0.25), 1.5);
        assert_eq!(weighted_quantile(&values, &equal, 0.05), 1.0);
        assert_eq!(weighted_quantile(&values, &equal, 0.95), 4.0);
        assert_eq!(ranks(&[2.0, 1.0, 2.0]), [2.5, 1.0, 2.5]);
        assert_eq!(
            ranks_of_text(["small_world", "complete", "small_world"].into_iter()),
            [2.5, 1.0, 2.5]
        );
    }
}
