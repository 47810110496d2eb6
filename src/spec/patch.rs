//! Policies as data: events and variants are patches to the model's parameters, resolved to
//! indices when the scenario is validated and applied between steps, so the step itself never
//! looks anything up by name.

use super::params::{Cost, Params, Weight};
use std::sync::Arc;

/// One change to the parameters, with every name already resolved to an index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Patch {
    /// `adoption.innovation`.
    Innovation(f64),
    /// `adoption.imitation`.
    Imitation(f64),
    /// `adoption.reconsider`.
    Reconsider(f64),
    /// `adoption.outside_utility`: from now on, adopters may choose no provider.
    OutsideUtility(f64),
    /// `adoption.price_reference`.
    PriceReference(f64),
    /// `segments.<s>.capabilities.<c>`.
    Capability {
        /// The segment, in file order.
        segment: usize,
        /// The capability, an index into the known ones.
        capability: usize,
        /// The new value.
        value: f64,
    },
    /// `segments.<s>.weights.<w>`.
    Weight {
        /// The segment, in file order.
        segment: usize,
        /// Which weight.
        weight: Weight,
        /// The new value.
        value: f64,
    },
    /// `segments.<s>.heterogeneity`.
    Heterogeneity {
        /// The segment, in file order.
        segment: usize,
        /// The new value.
        value: f64,
    },
    /// `segments.<s>.potential`.
    Potential {
        /// The segment, in file order.
        segment: usize,
        /// The new value.
        value: f64,
    },
    /// `providers.<p>.available`.
    Available {
        /// The provider, in file order.
        provider: usize,
        /// The new value.
        value: bool,
    },
    /// `providers.<p>.accepts_new`.
    AcceptsNew {
        /// The provider, in file order.
        provider: usize,
        /// The new value.
        value: bool,
    },
    /// `providers.<p>.<cost>`: price, friction, risk, ...
    Cost {
        /// The provider, in file order.
        provider: usize,
        /// Which cost.
        cost: Cost,
        /// The new value.
        value: f64,
    },
    /// `providers.<p>.quality.<task>`: setting it makes the provider serve the task.
    Quality {
        /// The provider, in file order.
        provider: usize,
        /// The task, an index into the known ones.
        task: usize,
        /// The new value.
        value: f64,
    },
    /// `providers.<p>.languages.<language>`: setting it makes the provider serve the language.
    Fit {
        /// The provider, in file order.
        provider: usize,
        /// The language, an index into the known ones.
        language: usize,
        /// The new value.
        value: f64,
    },
}

/// What agents must recompute after a patch, beyond what the model derives from the parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentRefresh {
    /// Nothing held by agents changed.
    None,
    /// Which agents of this segment hold which capabilities.
    Capabilities(usize),
    /// The weight multipliers of this segment's agents (their deviates are kept: rescaled, not
    /// redrawn; docs/MODEL.md, 7.6 Weight multipliers).
    Multipliers(usize),
}

impl Patch {
    /// Writes the patch into the parameters.
    pub fn apply(&self, params: &mut Params) -> AgentRefresh {
        match *self {
            Patch::Innovation(x) => params.innovation = x,
            Patch::Imitation(x) => params.imitation = x,
            Patch::Reconsider(x) => params.reconsider = x,
            Patch::OutsideUtility(x) => params.outside_utility = Some(x),
            Patch::PriceReference(x) => params.price_reference = x,
            Patch::Capability {
                segment,
                capability,
                value,
            } => {
                params.segments[segment].capabilities[capability] = value;
                return AgentRefresh::Capabilities(segment);
            }
            Patch::Weight {
                segment,
                weight,
                value,
            } => params.segments[segment].weights[weight] = value,
            Patch::Heterogeneity { segment, value } => {
                params.segments[segment].heterogeneity = value;
                return AgentRefresh::Multipliers(segment);
            }
            Patch::Potential { segment, value } => params.segments[segment].potential = value,
            Patch::Available { provider, value } => params.providers[provider].available = value,
            Patch::AcceptsNew { provider, value } => params.providers[provider].accepts_new = value,
            Patch::Cost {
                provider,
                cost,
                value,
            } => params.providers[provider].costs[cost] = value,
            Patch::Quality {
                provider,
                task,
                value,
            } => params.providers[provider].quality[task] = Some(value),
            Patch::Fit {
                provider,
                language,
                value,
            } => params.providers[provider].fit[language] = Some(value),
        }
        AgentRefresh::None
    }
}

/// An event as the model sees it: the step it applies at and its patches in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedPatches {
    /// The step at which the event applies.
    pub step: u32,
    /// The changes, in the order the `set` table lists them.
    pub patches: Vec<Patch>,
}

/// The events of one variant, in the order they apply: by step; within a step, the baseline's
/// events in file order, then the variant's own (docs/MODEL.md, 7.8 Events and variants).
///
/// Shared, not copied, by its clones: every sweep point of a variant has the same events, so
/// that a sweep of many points holds each variant's timeline once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    events: Arc<[TimedPatches]>,
}

impl Timeline {
    /// A timeline from events listed baseline first, then the variant's, each in file order.
    pub fn new(mut events: Vec<TimedPatches>) -> Timeline {
        // A stable sort keeps file order, and baseline before variant, within a step.
        events.sort_by_key(|e| e.step);
        Timeline {
            events: events.into(),
        }
    }

    /// The patches that apply at `step`, in order.
    pub fn at(&self, step: u32) -> impl Iterator<Item = &Patch> {
        let first = self.events.partition_point(|e| e.step < step);
        self.events[first..]
            .iter()
            .take_while(move |e| e.step == step)
            .flat_map(|e| e.patches.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_applies_baseline_events_then_the_variants_in_file_order() {
        let timeline = Timeline::new(vec![
            TimedPatches {
                step: 5,
                patches: vec![Patch::Imitation(0.1)],
            },
            TimedPatches {
                step: 2,
                patches: vec![Patch::Imitation(0.2)],
            },
            TimedPatches {
                step: 5,
                patches: vec![Patch::Imitation(0.3), Patch::Reconsider(0.5)],
            },
        ]);
        let at5: Vec<_> = timeline.at(5).copied().collect();
        assert_eq!(
            at5,
            [
                Patch::Imitation(0.1),
                Patch::Imitation(0.3),
                Patch::Reconsider(0.5)
            ]
        );
        assert_eq!(timeline.at(2).count(), 1);
        assert_eq!(timeline.at(3).count(), 0);
    }
}
