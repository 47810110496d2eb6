//! Policy metrics (docs/FORMAT.md, metrics.csv): what each variant did, with its uncertainty, and what it did
//! differently from the baseline.
//!
//! Plain functions over [`RunData`], the integer counts of a run per replicate, as
//! [`crate::output::read`] reads them back from an output folder. Like hyperfine's
//! `relative_speed`, this module is pure: no I/O, no formatting, no names looked up; the
//! baseline is arm 0. [`series`] gives the per-step curves that the charts draw. A swept run
//! is a [`RunData`] per sweep point ([`RunPoints`]): metrics are computed point by point, so
//! variants are compared with the baseline of their own point, and [`robustness`] summarises
//! each paired difference across the points.

mod metrics;
mod robustness;
pub mod series;
mod uncertainty;

pub use metrics::{Metric, MetricRow, metrics};
pub use robustness::{Better, MetricsByPoint, RobustnessRow, robustness};
pub use uncertainty::{Driver, SPREAD, TwoIntervals, two_intervals, weighted_quantile};

use crate::error::InputError;
use crate::results::{Measure, Results, Switches};
use chrono::NaiveDate;

/// The index of the first provider among the states: `not_adopted`, `unserved`, providers.
pub const FIRST_PROVIDER: usize = crate::spec::FIRST_PROVIDER as usize;

/// The state index of `unserved`.
pub const UNSERVED: usize = 1;

/// An event of an arm's timeline, as a chart marks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEvent {
    /// The event's name.
    pub name: String,
    /// The event's own date, as written (or the date of its step, when written as a step).
    pub date: NaiveDate,
    /// The first step on or after `date`, where it applies.
    pub step: u32,
}

/// One sweep point of a run as compare and plot read it: its [`Results`] (integer counts per
/// replicate, step, segment and state), the agents leaving each state, and the names and
/// dates to label them.
///
/// Built by [`crate::output::read`], which checks every invariant documented here.
#[derive(Debug, Clone, PartialEq)]
pub struct RunData {
    /// The scenario's name.
    pub scenario: String,
    /// The arms: `baseline` first, then the variants run, in file order.
    pub arms: Vec<String>,
    /// The segments, in file order (`all` is not one of them).
    pub segments: Vec<String>,
    /// The states: `not_adopted`, `unserved`, then the providers in file order.
    pub states: Vec<String>,
    /// Per state: a provider whose origin is `cn`.
    pub domestic: Vec<bool>,
    /// The vendors, in order of their first provider.
    pub vendors: Vec<String>,
    /// Per state: the vendor of a provider, as an index into `vendors`; `None` for
    /// `not_adopted` and `unserved`.
    pub vendor: Vec<Option<usize>>,
    /// The date of each step, 0..=steps.
    pub dates: Vec<NaiveDate>,
    /// Per arm, its events in date order.
    pub timelines: Vec<Vec<TimelineEvent>>,
    /// The counts, of one point: slots are arms. The states of a segment add up to its
    /// agents at every step.
    results: Results,
    /// The agents leaving each state (from `flows.csv`).
    switches: Switches,
}

impl RunData {
    /// A point's data; `results` has one point and arms, segments and states as named, and
    /// `switches` the same shape; `vendor_names` names each provider's vendor, in state order.
    ///
    /// # Panics
    /// When the sizes disagree: the reader builds every part from the same run.json.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        scenario: String,
        arms: Vec<String>,
        segments: Vec<String>,
        states: Vec<String>,
        domestic: Vec<bool>,
        vendor_names: &[String],
        dates: Vec<NaiveDate>,
        timelines: Vec<Vec<TimelineEvent>>,
        results: Results,
        switches: Switches,
    ) -> RunData {
        let mut vendors: Vec<String> = Vec::new();
        let mut vendor = vec![None; FIRST_PROVIDER];
        for name in vendor_names {
            let v = match vendors.iter().position(|v| v == name) {
                Some(v) => v,
                None => {
                    vendors.push(name.clone());
                    vendors.len() - 1
                }
            };
            vendor.push(Some(v));
        }
        let shape = results.shape();
        assert!(
            shape.points() == 1
                && shape.arms() == arms.len()
                && shape.segments() == segments.len()
                && shape.states() == states.len()
                && domestic.len() == states.len()
                && vendor.len() == states.len()
                && dates.len() == shape.steps() as usize + 1
                && timelines.len() == arms.len()
                && switches.shape() == shape,
            "the parts of a point's data disagree"
        );
        RunData {
            scenario,
            arms,
            segments,
            states,
            domestic,
            vendors,
            vendor,
            dates,
            timelines,
            results,
            switches,
        }
    }

    /// The same names, dates and timelines with other counts: one point's `results` (of the
    /// same arms, replicates, steps, segments and states) and their `switches`.
    ///
    /// # Panics
    /// When the shapes differ from this data's.
    pub(crate) fn with_counts(&self, results: Results, switches: Switches) -> RunData {
        assert!(
            results.shape() == self.results.shape() && switches.shape() == results.shape(),
            "the counts do not have the shape of the names"
        );
        RunData {
            results,
            switches,
            ..self.clone_names()
        }
    }

    /// The names, dates and timelines, with empty counts of the same shape.
    fn clone_names(&self) -> RunData {
        let shape = *self.results.shape();
        RunData {
            scenario: self.scenario.clone(),
            arms: self.arms.clone(),
            segments: self.segments.clone(),
            states: self.states.clone(),
            domestic: self.domestic.clone(),
            vendors: self.vendors.clone(),
            vendor: self.vendor.clone(),
            dates: self.dates.clone(),
            timelines: self.timelines.clone(),
            results: Results::empty(shape, vec![vec![0; shape.segments()]; shape.slots()]),
            switches: Switches::new(shape),
        }
    }

    /// Whether some provider belongs to a vendor other than its id, so that grouping by
    /// vendor says something the states do not (and metrics.csv has vendor shares).
    pub fn vendors_differ(&self) -> bool {
        self.providers()
            .any(|k| self.vendor[k].is_some_and(|v| self.vendors[v] != self.states[k]))
    }

    /// Agents of `segment` on the providers of `vendor` at `step`.
    pub fn vendor_count(
        &self,
        arm: usize,
        replicate: u32,
        step: u32,
        segment: usize,
        vendor: usize,
    ) -> u64 {
        self.providers()
            .filter(|&k| self.vendor[k] == Some(vendor))
            .map(|k| self.count(arm, replicate, step, segment, k))
            .sum()
    }

    /// Whether the run carries usage (usage.csv).
    pub fn has_usage(&self) -> bool {
        self.results.all_have_usage()
    }

    /// The share of `segment`'s usage held by its agents in the states `of` selects.
    pub fn usage_share(
        &self,
        arm: usize,
        replicate: u32,
        step: u32,
        segment: usize,
        of: impl Fn(usize) -> bool,
    ) -> f64 {
        self.results.usage_share(arm, replicate, step, segment, of)
    }

    /// The same data with the providers grouped by vendor (`--by vendor`): the states are
    /// `not_adopted`, `unserved`, then the vendors in order of their first provider; a
    /// vendor's counts, usage and switches are the sums of its providers', and it is domestic
    /// when all its providers are.
    pub fn by_vendor(&self) -> RunData {
        let states = FIRST_PROVIDER + self.vendors.len();
        let vendor = &self.vendor;
        let to = move |state: usize| vendor[state].map_or(state, |v| FIRST_PROVIDER + v);
        let mut domestic = vec![false; FIRST_PROVIDER];
        domestic.extend((0..self.vendors.len()).map(|v| {
            self.providers()
                .filter(|&k| self.vendor[k] == Some(v))
                .all(|k| self.domestic[k])
        }));
        let mut names = self.states[..FIRST_PROVIDER].to_vec();
        names.extend(self.vendors.iter().cloned());
        RunData::new(
            self.scenario.clone(),
            self.arms.clone(),
            self.segments.clone(),
            names,
            domestic,
            &self.vendors,
            self.dates.clone(),
            self.timelines.clone(),
            self.results.grouped(states, to),
            self.switches.grouped(states, to),
        )
    }

    /// The same data with every share measured by `measure` (`--measure usage`): the charts'
    /// bands then show usage shares. Refused for usage when the run has none.
    pub fn measured_by(mut self, measure: Measure) -> Result<RunData, InputError> {
        if self.results.set_measure(measure) {
            Ok(self)
        } else {
            Err(InputError::new(
                "the run has no usage (no segment declares usage, so there is no usage.csv)",
            )
            .in_origin("--measure"))
        }
    }

    /// The counts.
    pub fn results(&self) -> &Results {
        &self.results
    }

    /// Replicates per arm (at least one).
    pub fn replicates(&self) -> u32 {
        self.results.shape().replicates()
    }

    /// The last step.
    pub fn steps(&self) -> u32 {
        (self.dates.len() - 1) as u32
    }

    /// Agents of `segment` in `state` at `step`; `segment == segments.len()` is `all`.
    pub fn count(
        &self,
        arm: usize,
        replicate: u32,
        step: u32,
        segment: usize,
        state: usize,
    ) -> u64 {
        self.results.count_of(arm, replicate, step, segment, state)
    }

    /// Agents of `segment` (or of all, `segment == segments.len()`) in an arm.
    pub fn agents(&self, arm: usize, segment: usize) -> u64 {
        self.results.agents(arm, segment)
    }

    /// Agents that left `state` over the horizon in one replicate.
    pub fn switches_from(&self, arm: usize, replicate: u32, segment: usize, state: usize) -> u64 {
        self.switches.left(arm, replicate, segment, state)
    }

    /// Agents of `segment` on a domestic provider at `step`.
    pub fn domestic(&self, arm: usize, replicate: u32, step: u32, segment: usize) -> u64 {
        self.providers()
            .filter(|&k| self.domestic[k])
            .map(|k| self.count(arm, replicate, step, segment, k))
            .sum()
    }

    /// Agents of `segment` on a foreign provider (any origin but `cn`, or none) at `step`.
    pub fn foreign(&self, arm: usize, replicate: u32, step: u32, segment: usize) -> u64 {
        self.providers()
            .filter(|&k| !self.domestic[k])
            .map(|k| self.count(arm, replicate, step, segment, k))
            .sum()
    }

    /// The name in a row's `state` column: the vendor's for vendor metrics, else the state's.
    pub fn state_name(&self, metric: Metric, state: usize) -> &str {
        if metric.of_vendor() {
            &self.vendors[state]
        } else {
            &self.states[state]
        }
    }

    /// The provider states.
    pub fn providers(&self) -> std::ops::Range<usize> {
        FIRST_PROVIDER..self.states.len()
    }

    /// The segment indices, `all` last.
    pub fn segments_and_all(&self) -> std::ops::RangeInclusive<usize> {
        0..=self.segments.len()
    }

    /// The name of a segment index, `all` for `segments.len()`.
    pub fn segment_name(&self, segment: usize) -> &str {
        self.segments.get(segment).map_or("all", String::as_str)
    }

    /// The segment index of a name given to `--segment`: a segment, or `all` (the last).
    pub fn segment_named(&self, name: &str) -> Result<usize, InputError> {
        self.segments_and_all()
            .find(|&s| self.segment_name(s) == name)
            .ok_or_else(|| {
                InputError::new(format!(
                    "unknown segment '{name}' (the run has: {}, all)",
                    self.segments.join(", ")
                ))
                .in_origin("--segment")
            })
    }

    /// The first step on or after `date`, if the horizon reaches it.
    pub fn step_on_or_after(&self, date: NaiveDate) -> Option<u32> {
        self.dates.iter().position(|&d| d >= date).map(|s| s as u32)
    }
}

/// The swept parameters of a run and each point's values, as `points.csv` holds them.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepValues {
    /// The swept paths, in file order (`adoption.imitation`).
    pub parameters: Vec<String>,
    /// Per point (numbered from 0), one value per parameter, as written in `points.csv`.
    pub values: Vec<Vec<String>>,
    /// Per point, its weight, when the points were given with weights (a weighted sample,
    /// such as a posterior); `None` when every point counts the same.
    pub weights: Option<Vec<f64>>,
}

/// A run as read back, point by point: one [`RunData`] per sweep point, or a single one for
/// a run without a `[sweep]`.
///
/// Points share their names, dates, replicates and timelines (events never depend on the
/// point); their counts and agents differ (a point may change the population).
#[derive(Debug, Clone, PartialEq)]
pub struct RunPoints {
    /// Per point, in point order; exactly one without a sweep.
    pub points: Vec<RunData>,
    /// The parameters and values of the points; `None` without a sweep.
    pub sweep: Option<SweepValues>,
}

/// What `compare` computes for a run: each point's metrics and, for a swept run, how each
/// difference from the baseline is distributed across the points.
#[derive(Debug, Clone, PartialEq)]
pub struct Compared {
    /// Per point, the rows of [`metrics`].
    pub metrics: Vec<Vec<MetricRow>>,
    /// For a swept run, the rows of [`robustness`]; `None` without a sweep.
    pub robustness: Option<Vec<RobustnessRow>>,
}

/// The metrics of every point of `run` (with the shares at step `at`, if given, as
/// [`metrics`] takes it) and, when swept, their robustness across the points.
pub fn compare(run: &RunPoints, at: Option<u32>) -> Compared {
    let metrics: Vec<Vec<MetricRow>> = run.points.iter().map(|d| metrics(d, at)).collect();
    let robustness = run.sweep.as_ref().map(|_| robustness(&metrics));
    Compared {
        metrics,
        robustness,
    }
}
