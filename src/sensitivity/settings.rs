//! What a `[sensitivity]` table asks for (docs/FORMAT.md, [sensitivity]): the method and the
//! size of its design, the design's seed, and which metrics and segments to analyse.

use super::design;
use crate::compare::Metric;
use crate::spec::named_enum;
use serde::{Deserialize, Serialize};

named_enum! {
    /// How the parameters are screened (`sensitivity.method`, `sensitivity --method`).
    pub enum Method {
        /// Sobol first-order and total indices from a Saltelli design: N (k + 2) points.
        Sobol = "sobol",
        /// Morris elementary effects from r trajectories: r (k + 1) points.
        Morris = "morris",
    }
}

/// Base samples of a Sobol design when `samples` is not given.
pub const DEFAULT_SAMPLES: u32 = 64;
/// Trajectories of a Morris design when `trajectories` is not given.
pub const DEFAULT_TRAJECTORIES: u32 = 20;
/// Levels of a Morris design when `levels` is not given.
pub const DEFAULT_LEVELS: u32 = 4;
/// Bootstrap resamples when `bootstrap` is not given.
pub const DEFAULT_BOOTSTRAP: u32 = 1000;
/// The metrics analysed when `metrics` is not given.
pub const DEFAULT_METRICS: [&str; 2] = ["foreign_share", "domestic_share"];

/// Every metric a `[sensitivity]` may name, by its `metrics.csv` name.
pub const METRICS: [Metric; 12] = [
    Metric::Share,
    Metric::DomesticShare,
    Metric::ForeignShare,
    Metric::DomesticCrossing,
    Metric::PeakUnserved,
    Metric::UnservedExposure,
    Metric::SwitchesAway,
    Metric::VendorShare,
    Metric::UsageShare,
    Metric::UsageDomesticShare,
    Metric::UsageForeignShare,
    Metric::UsageVendorShare,
];

/// A validated `[sensitivity]`, as run.json records it (`resolved.sensitivity`), so that
/// `merge` analyses the merged folder exactly as the run would have.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// `sobol` or `morris`.
    pub method: String,
    /// Base samples N of a Sobol design.
    pub samples: u32,
    /// Trajectories r of a Morris design.
    pub trajectories: u32,
    /// Levels p of a Morris design (even).
    pub levels: u32,
    /// The design's seed (its scrambling or its trajectories) and the bootstrap's.
    pub seed: u64,
    /// Bootstrap resamples of each interval.
    pub bootstrap: u32,
    /// The metrics analysed, by name.
    pub metrics: Vec<String>,
    /// The segments analysed, by name (`all` for the whole population).
    pub segments: Vec<String>,
}

impl Settings {
    /// The method; validation only records names of [`Method`].
    pub fn method(&self) -> Method {
        Method::parse(&self.method).unwrap_or(Method::Sobol)
    }

    /// The design's points in the unit hypercube, over `parameters` parameters.
    pub fn unit_points(&self, parameters: usize) -> Vec<Vec<f64>> {
        match self.method() {
            Method::Sobol => design::saltelli(parameters, self.samples as usize, self.seed),
            Method::Morris => design::morris(
                parameters,
                self.trajectories as usize,
                self.levels as usize,
                self.seed,
            ),
        }
    }

    /// The number of points of the design over `parameters` parameters.
    pub fn points(&self, parameters: usize) -> usize {
        match self.method() {
            Method::Sobol => self.samples as usize * (parameters + 2),
            Method::Morris => self.trajectories as usize * (parameters + 1),
        }
    }

    /// Whether `metric` is among the metrics analysed.
    pub fn analyses(&self, metric: Metric) -> bool {
        self.metrics.iter().any(|m| m == metric.name())
    }
}
