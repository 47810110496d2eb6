//! Per-step curves for the charts: the mean share of a state over replicates with its 95%
//! interval, and a variant's paired difference from the baseline with its interval, computed
//! by [`crate::results::Results`] as for `summary.csv` and `comparison.csv`. The charts draw
//! these and compute nothing themselves.

use super::RunData;
use crate::stats;

/// A curve over the steps 0..=steps, with a band around it.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// The central value at each step.
    pub mean: Vec<f64>,
    /// The lower end of the 95% interval at each step.
    pub low: Vec<f64>,
    /// The upper end of the 95% interval at each step.
    pub high: Vec<f64>,
}

impl Band {
    fn with_capacity(n: usize) -> Band {
        Band {
            mean: Vec::with_capacity(n),
            low: Vec::with_capacity(n),
            high: Vec::with_capacity(n),
        }
    }
}

/// The share of `state` in `segment` (`segments.len()` is `all`) at each step: the mean over
/// replicates and its Student-t 95% interval, as `summary.csv` has them.
pub fn share_band(data: &RunData, arm: usize, segment: usize, state: usize) -> Band {
    let mut band = Band::with_capacity(data.dates.len());
    for step in 0..=data.steps() {
        let summary = data.results().summary(arm, step, segment, state);
        band.mean.push(summary.mean);
        band.low.push(summary.ci95_low);
        band.high.push(summary.ci95_high);
    }
    band
}

/// The difference `arm - baseline` in the share of `state` at each step, paired by replicate
/// (Student t on the differences), as `comparison.csv` has it.
pub fn difference_band(data: &RunData, arm: usize, segment: usize, state: usize) -> Band {
    let mut band = Band::with_capacity(data.dates.len());
    for step in 0..=data.steps() {
        let difference = data.results().difference(0, arm, step, segment, state);
        band.mean.push(difference.mean);
        band.low.push(difference.low);
        band.high.push(difference.high);
    }
    band
}

/// The mean share of `state` at each step, for a stacked chart (the means of all states add
/// up to one, since every replicate's shares do).
pub fn mean_share(data: &RunData, arm: usize, segment: usize, state: usize) -> Vec<f64> {
    (0..=data.steps())
        // Mean over replicates.
        .map(|step| stats::mean(&data.results().shares(arm, step, segment, state)))
        .collect()
}
