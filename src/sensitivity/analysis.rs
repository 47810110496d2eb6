//! Sensitivity indices of a run's metrics (docs/MODEL.md, 12. Sensitivity analysis): for each
//! analysed metric row, the series of its values over the design's points — the baseline's
//! mean, and for each variant its paired difference from the baseline of the same point, the
//! policy's effect — goes through the estimators, and the replicates' own noise is set beside
//! the indices.

use super::indices::{self, Estimate};
use super::morris_delta;
use super::settings::{Method, Settings};
use crate::compare::{Metric, MetricRow};
use crate::stats;

/// What a row of `sensitivity.csv` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    /// A Sobol first-order index.
    FirstOrder,
    /// A Sobol total index.
    Total,
    /// Morris mu: the mean elementary effect.
    Mu,
    /// Morris mu*: the mean absolute elementary effect.
    MuStar,
    /// Morris sigma: the standard deviation of the elementary effects.
    Sigma,
    /// The share of the output's variance across points that the replicates' noise
    /// accounts for (no parameter): a Sobol index below it is indistinguishable from noise.
    NoiseShare,
    /// The mu* that the replicates' noise alone would give (no parameter; Morris).
    NoiseMuStar,
}

impl Index {
    /// The name in `sensitivity.csv`'s `index` column.
    pub fn name(self) -> &'static str {
        match self {
            Index::FirstOrder => "first_order",
            Index::Total => "total",
            Index::Mu => "mu",
            Index::MuStar => "mu_star",
            Index::Sigma => "sigma",
            Index::NoiseShare => "noise_share",
            Index::NoiseMuStar => "noise_mu_star",
        }
    }
}

/// One row of `sensitivity.csv`, as numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct SensitivityRow {
    /// The arm: 0 the baseline (its mean), a variant its paired difference from the baseline.
    pub arm: usize,
    /// The segment; `segments.len()` is `all`.
    pub segment: usize,
    /// The metric.
    pub metric: Metric,
    /// The metric row's state, where it has one.
    pub state: Option<usize>,
    /// The step of a share (the same at every point).
    pub step: Option<u32>,
    /// The parameter (an index into the run's swept parameters); none for the noise rows.
    pub parameter: Option<usize>,
    /// What the row holds.
    pub index: Index,
    /// The value.
    pub value: f64,
    /// Its 95% bootstrap interval; none for the noise rows.
    pub interval: Option<(f64, f64)>,
    /// Whether the index is below the noise: a first-order or total index below the noise
    /// share, mu* below the noise's mu*; none for the other rows, and when the noise cannot
    /// be estimated (one replicate, or the crossing, which has no interval).
    pub below_noise: Option<bool>,
}

/// The value of a metric row at one point: the baseline's mean, or a variant's paired mean
/// difference from its point's baseline (for the crossing, which has none, the difference of
/// the fractions that cross).
fn value(row: &MetricRow, baseline: &MetricRow) -> f64 {
    if row.arm == 0 {
        row.mean
    } else {
        row.diff.map_or(row.mean - baseline.mean, |d| d.0)
    }
}

/// The variance of the row's value over replicates at one point, from its 95% Student-t
/// interval with `replicates - 1` degrees of freedom: ((high - low) / (2 t)), squared; none
/// with one replicate or for the crossing, which has no interval.
fn noise_variance(row: &MetricRow, replicates: u32) -> Option<f64> {
    if replicates < 2 {
        return None;
    }
    let (low, high) = if row.arm == 0 {
        row.ci95?
    } else {
        let (_, low, high) = row.diff?;
        (low, high)
    };
    let se = (high - low) / (2.0 * stats::t975(f64::from(replicates - 1)));
    Some(se * se)
}

/// The population variance.
fn variance(values: &[f64]) -> f64 {
    let mean = stats::mean(values);
    values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / values.len() as f64
}

/// The rows of `sensitivity.csv` for a run whose points are `settings`' design over
/// `parameters` parameters: `metrics` holds each point's metric rows (as
/// [`crate::compare::metrics`] returns them, every point's in the same order), `segments`
/// the segments analysed, `replicates` the replicates per point.
///
/// Rows: in the metrics' order (segment, metric, state, arm), then per series the noise
/// floor, then per parameter in order its indices (first_order and total, or mu, mu* and
/// sigma).
pub fn analyse(
    settings: &Settings,
    parameters: usize,
    metrics: &[Vec<MetricRow>],
    segments: &[usize],
    replicates: u32,
) -> Vec<SensitivityRow> {
    let Some(first) = metrics.first() else {
        return Vec::new();
    };
    let method = settings.method();
    let bootstrap = settings.bootstrap as usize;
    let points = match method {
        Method::Morris => settings.unit_points(parameters),
        Method::Sobol => Vec::new(),
    };
    let mut rows = Vec::new();
    for (i, key) in first.iter().enumerate() {
        if !settings.analyses(key.metric) || !segments.contains(&key.segment) {
            continue;
        }
        let series: Vec<f64> = metrics
            .iter()
            .map(|rows| value(&rows[i], &rows[i - key.arm]))
            .collect();
        let noise: Option<f64> = metrics
            .iter()
            .map(|rows| noise_variance(&rows[i], replicates))
            .sum::<Option<f64>>()
            .map(|sum| sum / metrics.len() as f64);
        let row = |parameter, index, estimate: &Estimate, below_noise| SensitivityRow {
            arm: key.arm,
            segment: key.segment,
            metric: key.metric,
            state: key.state,
            step: key.step.filter(|_| key.metric.at_step()),
            parameter,
            index,
            value: estimate.value,
            interval: Some((estimate.low, estimate.high)),
            below_noise,
        };
        let noise_row = |index, value: Option<f64>| {
            let value = value.unwrap_or(f64::NAN);
            SensitivityRow {
                interval: None,
                ..row(
                    None,
                    index,
                    &Estimate {
                        value,
                        low: value,
                        high: value,
                    },
                    None,
                )
            }
        };
        // The share of a variance that replicate noise accounts for, at most all of it; with
        // no variance at all, all of it.
        let share = |total: f64| {
            noise.map(|n| {
                if total > 0.0 {
                    (n / total).min(1.0)
                } else {
                    1.0
                }
            })
        };
        match method {
            Method::Sobol => {
                let found = indices::sobol(&series, parameters, bootstrap, settings.seed);
                let floor = share(found.variance);
                rows.push(noise_row(Index::NoiseShare, floor));
                for j in 0..parameters {
                    let below = |e: &Estimate| floor.map(|f| e.value < f);
                    rows.push(row(
                        Some(j),
                        Index::FirstOrder,
                        &found.first[j],
                        below(&found.first[j]),
                    ));
                    rows.push(row(
                        Some(j),
                        Index::Total,
                        &found.total[j],
                        below(&found.total[j]),
                    ));
                }
            }
            Method::Morris => {
                let levels = settings.levels as usize;
                let found = indices::morris(&points, &series, levels, bootstrap, settings.seed);
                // An elementary effect of noise alone is the difference of two noisy values
                // over Δ, with variance 2 σ² / Δ²; its mean absolute value is that sd times
                // sqrt(2 / π): 2 σ / (Δ sqrt(π)).
                let floor = noise
                    .map(|n| 2.0 * n.sqrt() / (morris_delta(levels) * std::f64::consts::PI.sqrt()));
                rows.push(noise_row(Index::NoiseShare, share(variance(&series))));
                rows.push(noise_row(Index::NoiseMuStar, floor));
                for j in 0..parameters {
                    let mu_star = &found.mu_star[j];
                    rows.push(row(Some(j), Index::Mu, &found.mu[j], None));
                    rows.push(row(
                        Some(j),
                        Index::MuStar,
                        mu_star,
                        floor.map(|f| mu_star.value < f),
                    ));
                    rows.push(row(Some(j), Index::Sigma, &found.sigma[j], None));
                }
            }
        }
    }
    rows
}
