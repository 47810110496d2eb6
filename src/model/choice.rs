//! The economics of a choice (docs/MODEL.md, 7.1 Adoption to 7.4 Choice), apart from the
//! caches and batching that make the step fast: the adoption hazard, which providers a choice
//! may pick, and the utility of each.
//!
//! Everything here is a small pure function that the step inlines; the step decides when to
//! call them and on which precomputed numbers (see `cache`).

use crate::spec::{Cost, Params, Weight, Weights};

/// The chance that a not-adopted agent adopts at this step: min(1, p + q f), with f the
/// fraction of its neighbours (of everyone else, in a complete network) that had adopted at
/// t-1.
#[inline]
pub(super) fn adoption_hazard(params: &Params, f: f64) -> f64 {
    (params.innovation + params.imitation * f).min(1.0)
}

/// [`adoption_hazard`] of an agent with `adopted` of its `degree` neighbours adopted; f = 0
/// without neighbours.
#[inline]
pub(super) fn adoption_probability(params: &Params, adopted: u32, degree: u32) -> f64 {
    let f = if degree == 0 {
        0.0
    } else {
        f64::from(adopted) / f64::from(degree)
    };
    adoption_hazard(params, f)
}

/// One choice to make (docs/MODEL.md, 7.2 Usability to 7.4 Choice): fresh, forced or free.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Choice {
    /// The agent's provider at t-1, if any.
    current: Option<usize>,
    /// A provider the agent may not choose: the one it just lost.
    excluded: Option<usize>,
    /// Whether the current provider gets the inertia term (free choices of adopters only).
    inertia: bool,
}

impl Choice {
    /// A choice by an agent on no provider: adopting, unserved, or at step 0.
    pub(super) const FRESH: Choice = Choice {
        current: None,
        excluded: None,
        inertia: false,
    };

    /// The choice of an adopter who lost provider `j` (cut off, or `j` became unusable): `j`
    /// is excluded, and nothing gets inertia.
    pub(super) const fn forced(j: usize) -> Choice {
        Choice {
            current: Some(j),
            excluded: Some(j),
            inertia: false,
        }
    }

    /// The choice of an adopter on `j` who reconsiders: `j` may be kept and gets inertia.
    pub(super) const fn free(j: usize) -> Choice {
        Choice {
            current: Some(j),
            excluded: None,
            inertia: true,
        }
    }

    /// Whether this choice may pick provider `p`, one that is available and serves the
    /// agent's task and language: not the provider just lost; accepting new users or already
    /// the agent's; and every capability it `requires` among those the agent `held`.
    #[inline(always)]
    pub(super) fn may_pick(&self, p: usize, accepts_new: bool, requires: u32, held: u32) -> bool {
        self.excluded != Some(p)
            && (accepts_new || self.current == Some(p))
            && requires & !held == 0
    }

    /// Whether provider `p`'s utility gets the inertia term.
    #[inline(always)]
    pub(super) fn inertia_for(&self, p: usize) -> bool {
        self.inertia && self.current == Some(p)
    }
}

/// Whether an adopter's provider is still usable: it serves the agent's task and language and
/// the agent holds every capability it requires (`accepts_new` does not apply to its users).
#[inline(always)]
pub(super) fn still_usable(served: bool, requires: u32, held: u32) -> bool {
    served && requires & !held == 0
}

/// V_ij, the utility of a provider to an agent whose weights (after its multipliers) are `w`:
/// w_quality × appeal (quality × fit) − Σ w_cost × term(cost) + w_peer × s_ij, plus w_inertia
/// for the agent's own provider in a free choice. `costs` are already the terms
/// ([`Cost::term`]: ln(1 + price), friction, risk). The terms are summed in this order, so
/// that every build gives the same bits.
#[inline(always)]
pub(super) fn utility(
    w: &Weights,
    appeal: f64,
    costs: &[f64; Cost::COUNT],
    peer_share: f64,
    inertia: bool,
) -> f64 {
    let mut v = w[Weight::Quality] * appeal;
    for cost in Cost::ALL {
        v -= w[cost.weight()] * costs[cost as usize];
    }
    v += w[Weight::Peer] * peer_share;
    if inertia {
        v += w[Weight::Inertia];
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(innovation: f64, imitation: f64) -> Params {
        Params {
            innovation,
            imitation,
            reconsider: 0.0,
            outside_utility: None,
            price_reference: 1.0,
            segments: Vec::new(),
            providers: Vec::new(),
        }
    }

    #[test]
    fn the_hazard_is_p_plus_q_times_the_adopted_fraction_capped_at_one() {
        let p = params(0.01, 0.4);
        assert_eq!(adoption_probability(&p, 0, 0), 0.01);
        assert_eq!(adoption_probability(&p, 3, 0), 0.01);
        assert!((adoption_probability(&p, 1, 4) - 0.11).abs() < 1e-15);
        assert_eq!(adoption_probability(&params(0.5, 0.9), 4, 4), 1.0);
    }

    #[test]
    fn a_utility_computed_by_hand() {
        let w = Weights::new(Weight::ALL.map(|w| match w {
            Weight::Quality => 2.0,
            Weight::Price => 1.0,
            Weight::Friction => 0.5,
            Weight::Risk => 10.0,
            Weight::Peer => 1.0,
            Weight::Inertia => 0.3,
        }));
        let costs = Cost::ALL.map(|c| {
            c.term(
                match c {
                    Cost::Price => 9.0,
                    Cost::Friction => 1.0,
                    Cost::Risk => 0.01,
                },
                1.0,
            )
        });
        // 2 × 0.8 − ln(10) − 0.5 × 1 − 10 × 0.01 + 1 × 0.25, then + 0.3 with inertia.
        let by_hand = 1.6 - 10f64.ln() - 0.5 - 0.1 + 0.25;
        assert!((utility(&w, 0.8, &costs, 0.25, false) - by_hand).abs() < 1e-12);
        assert!((utility(&w, 0.8, &costs, 0.25, true) - (by_hand + 0.3)).abs() < 1e-12);
    }

    #[test]
    fn a_zero_weight_removes_its_term() {
        let w = Weights::new(Weight::ALL.map(|w| f64::from(u8::from(w == Weight::Quality))));
        let costs = [5.0; Cost::COUNT];
        assert_eq!(utility(&w, 0.6, &costs, 0.9, true), 0.6);
    }

    #[test]
    fn a_closed_provider_is_open_only_to_its_own_users() {
        assert!(!Choice::FRESH.may_pick(1, false, 0, 0));
        assert!(Choice::free(1).may_pick(1, false, 0, 0));
        assert!(!Choice::free(2).may_pick(1, false, 0, 0));
        assert!(Choice::FRESH.may_pick(1, true, 0, 0));
    }

    #[test]
    fn a_provider_needs_every_capability_it_requires() {
        assert!(!Choice::FRESH.may_pick(0, true, 0b11, 0b01));
        assert!(Choice::FRESH.may_pick(0, true, 0b11, 0b111));
        assert!(still_usable(true, 0b10, 0b10));
        assert!(!still_usable(true, 0b10, 0b01));
        assert!(!still_usable(false, 0, 0));
    }

    #[test]
    fn a_forced_choice_excludes_the_lost_provider_and_has_no_inertia() {
        let forced = Choice::forced(3);
        assert!(!forced.may_pick(3, true, 0, 0));
        assert!(forced.may_pick(4, true, 0, 0));
        assert!(!forced.inertia_for(3));
        let free = Choice::free(3);
        assert!(free.may_pick(3, true, 0, 0));
        assert!(free.inertia_for(3));
        assert!(!free.inertia_for(4));
        assert!(!Choice::FRESH.inertia_for(3));
    }
}
