//! Robustness across sweep points (docs/FORMAT.md, robustness.csv): for each variant, segment and metric, how the
//! paired difference from the baseline of the same point is distributed across the points.
//!
//! A policy is robust when it does well whatever the uncertain parameters turn out to be, so
//! the summary looks at the bad end: the worst point, the 10th percentile from the worst end,
//! and the share of points where the variant beats the baseline. "Bad" needs a direction,
//! which [`Better`] gives each metric.

use super::{Metric, MetricRow, UNSERVED};
use crate::stats;

/// Which way a difference from the baseline is good for the variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Less is better: the unserved share, its peak and the unserved exposure (developers who
    /// adopted but can reach no provider).
    Lower,
    /// No natural direction: the share of a provider or of `not_adopted`, the domestic and
    /// foreign shares, the crossing, the switches. The summary is computed as if higher were
    /// better (worst is the lowest difference, beats means above the baseline), and says so.
    Neither,
}

impl Better {
    /// The direction of a metric, for `state` where the metric is about one.
    pub fn of(metric: Metric, state: Option<usize>) -> Better {
        match metric {
            Metric::PeakUnserved | Metric::UnservedExposure => Better::Lower,
            Metric::Share | Metric::UsageShare if state == Some(UNSERVED) => Better::Lower,
            Metric::Share
            | Metric::UsageShare
            | Metric::VendorShare
            | Metric::UsageDomesticShare
            | Metric::UsageForeignShare
            | Metric::UsageVendorShare
            | Metric::DomesticShare
            | Metric::ForeignShare
            | Metric::DomesticCrossing
            | Metric::SwitchesAway => Better::Neither,
        }
    }

    /// The name in `robustness.csv`'s `better` column.
    pub fn name(self) -> &'static str {
        match self {
            Better::Lower => "lower",
            Better::Neither => "none",
        }
    }
}

/// One row of `robustness.csv`: a variant's paired difference from the baseline in one
/// metric, summarised across the sweep points.
#[derive(Debug, Clone, PartialEq)]
pub struct RobustnessRow {
    /// The variant (an arm > 0).
    pub arm: usize,
    /// The segment; `segments.len()` is `all`.
    pub segment: usize,
    /// What is measured.
    pub metric: Metric,
    /// The state, for shares and switches.
    pub state: Option<usize>,
    /// The step of a share (the same at every point); none where the step is a median that
    /// differs from point to point (crossing, peak) or there is none.
    pub step: Option<u32>,
    /// Which way is good for the variant.
    pub better: Better,
    /// The number of points summarised.
    pub points: usize,
    /// The mean over points of the difference.
    pub mean: f64,
    /// The difference at the point least favourable to the variant: the largest when lower
    /// is better, otherwise the smallest.
    pub worst: f64,
    /// The 10th percentile of the difference counted from the worst end: the 90th percentile
    /// when lower is better, otherwise the 10th.
    pub worst_p10: f64,
    /// The fraction of points where the variant beats the baseline: difference < 0 when lower
    /// is better, otherwise > 0.
    pub beats: f64,
    /// The fraction of points with a difference > 0.
    pub positive: f64,
    /// The fraction of points with a difference < 0.
    pub negative: f64,
}

/// The difference of a variant's row from its baseline's at one point: the paired mean
/// difference, as `metrics.csv` has it; for the crossing, which has no paired difference,
/// the difference in the fraction of replicates that cross.
pub(super) fn difference(row: &MetricRow, baseline: &MetricRow) -> f64 {
    row.diff.map_or(row.mean - baseline.mean, |d| d.0)
}

/// Summarises, for every variant row of [`super::metrics`], its difference from the baseline
/// across `points` (each point's rows, as [`super::metrics`] returns them). Rows keep the
/// metrics' order without the baseline's: segment, metric group, state, variant.
///
/// Every point's rows have the same keys in the same order (the points of a run share their
/// names and steps), and a variant's row comes `arm` rows after its baseline's.
pub fn robustness(points: &[Vec<MetricRow>]) -> Vec<RobustnessRow> {
    let mut by_point = MetricsByPoint::default();
    for rows in points {
        by_point.push(rows);
    }
    by_point.robustness()
}

/// Every point's metric values, kept as the points are computed one after the other: the
/// first point's rows (their keys, which every point shares) and, per point, each variant
/// row's difference from its baseline, what the summaries across points (robustness) are
/// computed from once every point is in. One number per variant row and point (about 19 kB a
/// point of the flagship scenario), so that a sweep of many points holds them all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricsByPoint {
    /// The first point's rows.
    pub keys: Vec<MetricRow>,
    /// Per point, in point order, each variant row's difference from its baseline (see
    /// [`RobustnessRow`]), in row order.
    pub differences: Vec<Vec<f64>>,
}

impl MetricsByPoint {
    /// Adds the next point's rows, as [`super::metrics`] returns them.
    pub fn push(&mut self, rows: &[MetricRow]) {
        if self.differences.is_empty() {
            self.keys = rows.to_vec();
        }
        debug_assert!(
            rows.len() == self.keys.len()
                && rows.iter().zip(&self.keys).all(|(row, key)| {
                    (row.arm, row.segment, row.metric, row.state)
                        == (key.arm, key.segment, key.metric, key.state)
                }),
            "the points' metric rows do not line up"
        );
        let mut differences: Vec<f64> = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.arm > 0)
            .map(|(i, row)| {
                let baseline = &rows[i - row.arm];
                debug_assert!(baseline.arm == 0 && baseline.metric == row.metric);
                difference(row, baseline)
            })
            .collect();
        // A filtered collect grows by doubling: held for the whole run, it is cut to size.
        differences.shrink_to_fit();
        self.differences.push(differences);
    }

    /// The number of points pushed.
    pub fn points(&self) -> usize {
        self.differences.len()
    }

    /// For every variant row, its difference from the baseline summarised across the points.
    pub fn robustness(&self) -> Vec<RobustnessRow> {
        self.keys
            .iter()
            .filter(|r| r.arm > 0)
            .enumerate()
            .map(|(v, key)| {
                let differences: Vec<f64> = self.differences.iter().map(|d| d[v]).collect();
                summarise(key, &differences)
            })
            .collect()
    }
}

fn summarise(key: &MetricRow, differences: &[f64]) -> RobustnessRow {
    let better = Better::of(key.metric, key.state);
    let mut sorted = differences.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = differences.len() as f64;
    let fraction =
        |keep: fn(f64) -> bool| differences.iter().filter(|&&d| keep(d)).count() as f64 / n;
    let (positive, negative) = (fraction(|d| d > 0.0), fraction(|d| d < 0.0));
    // The worst end is the top of the distribution when lower is better, the bottom
    // otherwise; quantiles interpolate linearly (NumPy's default, as elsewhere).
    let (worst, worst_p10, beats) = match better {
        Better::Lower => (
            sorted[sorted.len() - 1],
            stats::quantile(&sorted, 0.9),
            negative,
        ),
        Better::Neither => (sorted[0], stats::quantile(&sorted, 0.1), positive),
    };
    let step = key.step.filter(|_| key.metric.at_step());
    RobustnessRow {
        arm: key.arm,
        segment: key.segment,
        metric: key.metric,
        state: key.state,
        step,
        better,
        points: differences.len(),
        // Mean over points, in point order.
        mean: stats::mean(differences),
        worst,
        worst_p10,
        beats,
        positive,
        negative,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(arm: usize, metric: Metric, state: Option<usize>, mean: f64) -> MetricRow {
        MetricRow {
            arm,
            segment: 0,
            metric,
            state,
            step: Some(3),
            mean,
            ci95: None,
            diff: None,
            unpaired: None,
        }
    }

    #[test]
    fn the_worst_end_follows_the_direction() {
        // Five points; the variant's unserved share is 0.1 * (p - 2) above the baseline's.
        let points: Vec<Vec<MetricRow>> = (0..5)
            .map(|p| {
                let d = 0.1 * (f64::from(p) - 2.0);
                let mut variant = row(1, Metric::Share, Some(UNSERVED), 0.5 + d);
                variant.diff = Some((d, d, d));
                let mut other = row(1, Metric::Share, Some(0), 0.5 + d);
                other.diff = Some((d, d, d));
                vec![
                    row(0, Metric::Share, Some(UNSERVED), 0.5),
                    variant,
                    row(0, Metric::Share, Some(0), 0.5),
                    other,
                ]
            })
            .collect();
        let rows = robustness(&points);
        assert_eq!(rows.len(), 2);
        let (lower, neither) = (&rows[0], &rows[1]);
        assert_eq!(lower.better, Better::Lower);
        assert_eq!((lower.worst, lower.beats), (0.2, 0.4));
        assert!((lower.worst_p10 - 0.16).abs() < 1e-12);
        assert_eq!(neither.better, Better::Neither);
        assert_eq!((neither.worst, neither.beats), (-0.2, 0.4));
        assert!((neither.worst_p10 + 0.16).abs() < 1e-12);
        for r in &rows {
            assert_eq!((r.positive, r.negative, r.points), (0.4, 0.4, 5));
            assert!(r.mean.abs() < 1e-12);
        }
    }

    #[test]
    fn a_crossing_differs_by_the_fraction_that_crosses() {
        let points = vec![vec![
            row(0, Metric::DomesticCrossing, None, 0.25),
            row(1, Metric::DomesticCrossing, None, 0.75),
        ]];
        let rows = robustness(&points);
        assert_eq!((rows[0].mean, rows[0].step), (0.5, None));
    }
}
