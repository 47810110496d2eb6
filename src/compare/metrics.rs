//! The rows of `metrics.csv` (docs/FORMAT.md, metrics.csv), as numbers: one per segment, metric, state, step
//! and arm, with the mean over replicates, its interval, and the difference from the baseline.

use super::{FIRST_PROVIDER, RunData, UNSERVED};
use crate::results::share;
use crate::stats;

/// What a row measures. The order of the variants is the order of the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// Share of the segment's agents in a state at a step.
    Share,
    /// Share on providers whose origin is `cn`.
    DomesticShare,
    /// Share on every other provider (any other origin, or none).
    ForeignShare,
    /// The first step at which the domestic share exceeds one half: the row's step is the
    /// median over the replicates that cross, its mean the fraction of replicates that cross.
    DomesticCrossing,
    /// The largest `unserved` share over the horizon; the row's step is the median of the
    /// steps where each replicate peaks.
    PeakUnserved,
    /// Unserved agents summed over the steps 0..=steps, in agent-steps.
    UnservedExposure,
    /// Agents who left a provider over the horizon, summed over the steps.
    SwitchesAway,
    /// Share of the segment's agents on a vendor's providers at a step (rows only when some
    /// provider's vendor is not its id); the row's state is the vendor.
    VendorShare,
    /// Share of the segment's usage held by its agents in a state at a step.
    UsageShare,
    /// Usage share on providers whose origin is `cn`.
    UsageDomesticShare,
    /// Usage share on every other provider.
    UsageForeignShare,
    /// Usage share on a vendor's providers; the row's state is the vendor.
    UsageVendorShare,
}

impl Metric {
    /// Every metric, in the order of the rows.
    pub const ALL: [Metric; 12] = [
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

    /// The metric named `name` in `metrics.csv`, if any.
    pub fn parse(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The name in `metrics.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Share => "share",
            Metric::DomesticShare => "domestic_share",
            Metric::ForeignShare => "foreign_share",
            Metric::DomesticCrossing => "domestic_crossing",
            Metric::PeakUnserved => "peak_unserved",
            Metric::UnservedExposure => "unserved_exposure",
            Metric::SwitchesAway => "switches_away",
            Metric::VendorShare => "vendor_share",
            Metric::UsageShare => "usage_share",
            Metric::UsageDomesticShare => "usage_domestic_share",
            Metric::UsageForeignShare => "usage_foreign_share",
            Metric::UsageVendorShare => "usage_vendor_share",
        }
    }

    /// The unit of the row's mean and intervals.
    pub fn unit(self) -> &'static str {
        match self {
            Metric::Share
            | Metric::DomesticShare
            | Metric::ForeignShare
            | Metric::PeakUnserved
            | Metric::VendorShare => "share",
            Metric::UsageShare
            | Metric::UsageDomesticShare
            | Metric::UsageForeignShare
            | Metric::UsageVendorShare => "usage_share",
            Metric::DomesticCrossing => "fraction_of_replicates",
            Metric::UnservedExposure => "agent_steps",
            Metric::SwitchesAway => "agents",
        }
    }

    /// Whether the metric is measured at a step (the last, and `--at`'s), so that its rows'
    /// step is the same at every sweep point; otherwise it is measured over the horizon.
    pub fn at_step(self) -> bool {
        match self {
            Metric::Share
            | Metric::DomesticShare
            | Metric::ForeignShare
            | Metric::VendorShare
            | Metric::UsageShare
            | Metric::UsageDomesticShare
            | Metric::UsageForeignShare
            | Metric::UsageVendorShare => true,
            Metric::DomesticCrossing
            | Metric::PeakUnserved
            | Metric::UnservedExposure
            | Metric::SwitchesAway => false,
        }
    }

    /// Whether the row's state is a vendor (an index into [`RunData::vendors`]) rather than
    /// a state.
    pub fn of_vendor(self) -> bool {
        matches!(self, Metric::VendorShare | Metric::UsageVendorShare)
    }

    /// Whether the metric weights agents by their usage.
    pub fn of_usage(self) -> bool {
        match self {
            Metric::UsageShare
            | Metric::UsageDomesticShare
            | Metric::UsageForeignShare
            | Metric::UsageVendorShare => true,
            Metric::Share
            | Metric::DomesticShare
            | Metric::ForeignShare
            | Metric::DomesticCrossing
            | Metric::PeakUnserved
            | Metric::UnservedExposure
            | Metric::SwitchesAway
            | Metric::VendorShare => false,
        }
    }
}

/// One row of `metrics.csv`, as numbers and indices into a [`RunData`].
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRow {
    /// The arm (0 is the baseline).
    pub arm: usize,
    /// The segment; `segments.len()` is `all`.
    pub segment: usize,
    /// What is measured.
    pub metric: Metric,
    /// The state, for shares and switches.
    pub state: Option<usize>,
    /// The step the row is about: the step of a share, the median crossing or peak step.
    pub step: Option<u32>,
    /// The mean over replicates (for a crossing: the fraction of replicates that cross).
    pub mean: f64,
    /// The Student-t 95% interval of the mean; none for a crossing.
    pub ci95: Option<(f64, f64)>,
    /// For a variant: the paired difference from the baseline (mean, 95% low, 95% high).
    pub diff: Option<(f64, f64, f64)>,
    /// For a variant: Welch's 95% interval for the difference, as if unpaired.
    pub unpaired: Option<(f64, f64)>,
}

/// What one (segment, metric, state, step) measures in each replicate of one arm.
enum Values {
    /// A value per replicate, summarised with intervals.
    PerReplicate(Vec<f64>),
    /// Per replicate, the first step with a domestic share above one half, if any.
    Crossing(Vec<Option<u32>>),
    /// Per replicate, the peak unserved share and the first step it is reached.
    Peak(Vec<(f64, u32)>),
}

/// The key of a row without its arm, in row order: what is measured, of which state, when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    /// The share of a state at a step.
    Share { state: usize, step: u32 },
    /// The domestic share at a step.
    DomesticShare { step: u32 },
    /// The foreign share at a step.
    ForeignShare { step: u32 },
    /// When the domestic share first exceeds one half.
    DomesticCrossing,
    /// The largest unserved share.
    PeakUnserved,
    /// Unserved agent-steps.
    UnservedExposure,
    /// Agents who left a provider.
    SwitchesAway { state: usize },
    /// The share of a vendor at a step.
    VendorShare { vendor: usize, step: u32 },
    /// The usage share of a state at a step.
    UsageShare { state: usize, step: u32 },
    /// The usage share of domestic providers at a step.
    UsageDomesticShare { step: u32 },
    /// The usage share of foreign providers at a step.
    UsageForeignShare { step: u32 },
    /// The usage share of a vendor at a step.
    UsageVendorShare { vendor: usize, step: u32 },
}

impl Key {
    fn metric(self) -> Metric {
        match self {
            Key::Share { .. } => Metric::Share,
            Key::DomesticShare { .. } => Metric::DomesticShare,
            Key::ForeignShare { .. } => Metric::ForeignShare,
            Key::DomesticCrossing => Metric::DomesticCrossing,
            Key::PeakUnserved => Metric::PeakUnserved,
            Key::UnservedExposure => Metric::UnservedExposure,
            Key::SwitchesAway { .. } => Metric::SwitchesAway,
            Key::VendorShare { .. } => Metric::VendorShare,
            Key::UsageShare { .. } => Metric::UsageShare,
            Key::UsageDomesticShare { .. } => Metric::UsageDomesticShare,
            Key::UsageForeignShare { .. } => Metric::UsageForeignShare,
            Key::UsageVendorShare { .. } => Metric::UsageVendorShare,
        }
    }

    /// The state of the row, for shares, the unserved metrics and switches; the vendor, for
    /// vendor shares.
    fn state(self) -> Option<usize> {
        match self {
            Key::Share { state, .. }
            | Key::UsageShare { state, .. }
            | Key::SwitchesAway { state } => Some(state),
            Key::VendorShare { vendor, .. } | Key::UsageVendorShare { vendor, .. } => Some(vendor),
            Key::PeakUnserved | Key::UnservedExposure => Some(UNSERVED),
            Key::DomesticShare { .. }
            | Key::ForeignShare { .. }
            | Key::UsageDomesticShare { .. }
            | Key::UsageForeignShare { .. }
            | Key::DomesticCrossing => None,
        }
    }

    /// The step of a share; the crossing and the peak get theirs from the replicates.
    fn step(self) -> Option<u32> {
        match self {
            Key::Share { step, .. }
            | Key::DomesticShare { step }
            | Key::ForeignShare { step }
            | Key::VendorShare { step, .. }
            | Key::UsageShare { step, .. }
            | Key::UsageDomesticShare { step }
            | Key::UsageForeignShare { step }
            | Key::UsageVendorShare { step, .. } => Some(step),
            Key::DomesticCrossing
            | Key::PeakUnserved
            | Key::UnservedExposure
            | Key::SwitchesAway { .. } => None,
        }
    }
}

/// Every metric of every arm and segment, rows sorted by segment (file order, then `all`),
/// metric group, state, and arm (baseline first), so that a variant's row follows the
/// baseline's it is compared with. `at` adds the shares at that step to the last step's
/// (nothing when it is the last step).
pub fn metrics(data: &RunData, at: Option<u32>) -> Vec<MetricRow> {
    let last = data.steps();
    let mut steps = vec![last];
    if let Some(at) = at.filter(|&s| s < last) {
        steps.push(at);
    }
    let mut rows = Vec::new();
    for segment in data.segments_and_all() {
        for key in keys(data, &steps) {
            let per_arm: Vec<Values> = (0..data.arms.len())
                .map(|arm| values(data, arm, segment, key))
                .collect();
            for (arm, values) in per_arm.iter().enumerate() {
                rows.push(row(arm, segment, key, values, &per_arm[0]));
            }
        }
    }
    rows
}

/// The rows' keys in order: per step the state shares, domestic and foreign share, the
/// vendor shares when some vendor is not its provider's id, and, when the run has usage, the
/// same as usage shares; then the crossing, the unserved peak and exposure, and the switches
/// away from each provider.
fn keys(data: &RunData, steps: &[u32]) -> Vec<Key> {
    let mut keys = Vec::new();
    let vendors = if data.vendors_differ() {
        0..data.vendors.len()
    } else {
        0..0
    };
    for &step in steps {
        keys.extend((0..data.states.len()).map(|state| Key::Share { state, step }));
        keys.push(Key::DomesticShare { step });
        keys.push(Key::ForeignShare { step });
        keys.extend(
            vendors
                .clone()
                .map(|vendor| Key::VendorShare { vendor, step }),
        );
        if data.has_usage() {
            keys.extend((0..data.states.len()).map(|state| Key::UsageShare { state, step }));
            keys.push(Key::UsageDomesticShare { step });
            keys.push(Key::UsageForeignShare { step });
            keys.extend(
                vendors
                    .clone()
                    .map(|vendor| Key::UsageVendorShare { vendor, step }),
            );
        }
    }
    keys.push(Key::DomesticCrossing);
    keys.push(Key::PeakUnserved);
    keys.push(Key::UnservedExposure);
    keys.extend(data.providers().map(|state| Key::SwitchesAway { state }));
    keys
}

fn values(data: &RunData, arm: usize, segment: usize, key: Key) -> Values {
    let agents = data.agents(arm, segment);
    let replicates = 0..data.replicates();
    let per_replicate =
        |f: &dyn Fn(u32) -> f64| Values::PerReplicate(replicates.clone().map(f).collect());
    let last = data.steps();
    match key {
        Key::Share { state, step } => {
            per_replicate(&|r| share(data.count(arm, r, step, segment, state), agents))
        }
        Key::DomesticShare { step } => {
            per_replicate(&|r| share(data.domestic(arm, r, step, segment), agents))
        }
        Key::ForeignShare { step } => {
            per_replicate(&|r| share(data.foreign(arm, r, step, segment), agents))
        }
        Key::DomesticCrossing => Values::Crossing(
            replicates
                // Domestic share > 1/2, compared in integers so that no rounding decides it.
                .map(|r| (0..=last).find(|&t| 2 * data.domestic(arm, r, t, segment) > agents))
                .collect(),
        ),
        Key::PeakUnserved => Values::Peak(
            replicates
                .map(|r| {
                    // The first step with the most unserved agents; counts compare exactly.
                    let (step, count) = (0..=last)
                        .map(|t| (t, data.count(arm, r, t, segment, UNSERVED)))
                        .fold(
                            (0, 0),
                            |best, (t, c)| if c > best.1 { (t, c) } else { best },
                        );
                    (share(count, agents), step)
                })
                .collect(),
        ),
        Key::UnservedExposure => per_replicate(&|r| {
            // Agent-steps: the unserved agents of every step 0..=steps, added up.
            (0..=last)
                .map(|t| data.count(arm, r, t, segment, UNSERVED))
                .sum::<u64>() as f64
        }),
        Key::SwitchesAway { state } => {
            per_replicate(&|r| data.switches_from(arm, r, segment, state) as f64)
        }
        Key::VendorShare { vendor, step } => {
            per_replicate(&|r| share(data.vendor_count(arm, r, step, segment, vendor), agents))
        }
        Key::UsageShare { state, step } => {
            per_replicate(&|r| data.usage_share(arm, r, step, segment, |k| k == state))
        }
        Key::UsageDomesticShare { step } => per_replicate(&|r| {
            data.usage_share(arm, r, step, segment, |k| {
                k >= FIRST_PROVIDER && data.domestic[k]
            })
        }),
        Key::UsageForeignShare { step } => per_replicate(&|r| {
            data.usage_share(arm, r, step, segment, |k| {
                k >= FIRST_PROVIDER && !data.domestic[k]
            })
        }),
        Key::UsageVendorShare { vendor, step } => per_replicate(&|r| {
            data.usage_share(arm, r, step, segment, |k| data.vendor[k] == Some(vendor))
        }),
    }
}

/// The lower median of some steps: the middle one, or the earlier of the two middle ones, so
/// that it is a step with a date. `steps` must not be empty.
fn lower_median(mut steps: Vec<u32>) -> u32 {
    steps.sort_unstable();
    steps[(steps.len() - 1) / 2]
}

fn row(arm: usize, segment: usize, key: Key, values: &Values, baseline: &Values) -> MetricRow {
    let mut row = MetricRow {
        arm,
        segment,
        metric: key.metric(),
        state: key.state(),
        step: key.step(),
        mean: 0.0,
        ci95: None,
        diff: None,
        unpaired: None,
    };
    let replicate_values = match values {
        Values::PerReplicate(v) => v.clone(),
        Values::Peak(peaks) => {
            // The step is the median of the replicates' peak steps (lower median).
            row.step = Some(lower_median(peaks.iter().map(|p| p.1).collect()));
            peaks.iter().map(|p| p.0).collect()
        }
        Values::Crossing(crossings) => {
            // No interval, no difference: the fraction that cross, and the (lower) median
            // crossing step among them; none when no replicate crosses within the horizon.
            let crossed: Vec<u32> = crossings.iter().flatten().copied().collect();
            row.mean = crossed.len() as f64 / crossings.len() as f64;
            row.step = (!crossed.is_empty()).then(|| lower_median(crossed));
            return row;
        }
    };
    let baseline_values: Vec<f64> = match baseline {
        Values::PerReplicate(v) => v.clone(),
        Values::Peak(peaks) => peaks.iter().map(|p| p.0).collect(),
        Values::Crossing(_) => unreachable!("an arm's values have the baseline's kind"),
    };
    // Mean over replicates with the Student-t interval (docs/MODEL.md, 9. Statistics).
    row.mean = stats::mean(&replicate_values);
    row.ci95 = Some(stats::t_interval(&replicate_values));
    if arm > 0 {
        // Paired by replicate, which common random numbers make meaningful: Student t on
        // the differences.
        row.diff = Some(stats::paired_difference(
            &baseline_values,
            &replicate_values,
        ));
        // As if the arms were independent samples: Welch's interval.
        row.unpaired = Some(stats::welch_interval(&baseline_values, &replicate_values));
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lower_median_is_a_step_in_the_list() {
        assert_eq!(lower_median(vec![7]), 7);
        assert_eq!(lower_median(vec![9, 3]), 3);
        assert_eq!(lower_median(vec![5, 1, 9]), 5);
        assert_eq!(lower_median(vec![4, 8, 2, 6]), 4);
    }
}
