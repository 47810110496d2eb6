//! Per-step curves for the charts: the mean share of a state over replicates with its 95%
//! interval, and a variant's paired difference from the baseline with its interval. The
//! charts draw these and compute nothing themselves.

use super::{RunData, share};
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

fn shares(data: &RunData, arm: usize, step: u32, segment: usize, state: usize) -> Vec<f64> {
    let agents = data.agents(arm, segment);
    (0..data.replicates)
        .map(|r| share(data.count(arm, r, step, segment, state), agents))
        .collect()
}

/// The share of `state` in `segment` (`segments.len()` is `all`) at each step: the mean over
/// replicates and its Student-t 95% interval, as `summary.csv` has them.
pub fn share_band(data: &RunData, arm: usize, segment: usize, state: usize) -> Band {
    let mut band = Band::with_capacity(data.dates.len());
    for step in 0..=data.steps() {
        let values = shares(data, arm, step, segment, state);
        // Mean over replicates with the Student-t interval (contract 7.16).
        let (low, high) = stats::t_interval(&values);
        band.mean.push(stats::mean(&values));
        band.low.push(low);
        band.high.push(high);
    }
    band
}

/// The difference `arm - baseline` in the share of `state` at each step, paired by replicate
/// (Student t on the differences), as `comparison.csv` has it.
pub fn difference_band(data: &RunData, arm: usize, segment: usize, state: usize) -> Band {
    let mut band = Band::with_capacity(data.dates.len());
    for step in 0..=data.steps() {
        let baseline = shares(data, 0, step, segment, state);
        let variant = shares(data, arm, step, segment, state);
        // Paired difference, Student t over replicates (common random numbers).
        let (mean, low, high) = stats::paired_difference(&baseline, &variant);
        band.mean.push(mean);
        band.low.push(low);
        band.high.push(high);
    }
    band
}

/// The mean share of `state` at each step, for a stacked chart (the means of all states add
/// up to one, since every replicate's shares do).
pub fn mean_share(data: &RunData, arm: usize, segment: usize, state: usize) -> Vec<f64> {
    (0..=data.steps())
        // Mean over replicates.
        .map(|step| stats::mean(&shares(data, arm, step, segment, state)))
        .collect()
}
