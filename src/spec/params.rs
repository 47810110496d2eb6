//! The parameters that events may change during a run, resolved to indices, and the two
//! enumerations a choice is built from: the weights a segment puts on the terms of a utility
//! ([`Weight`]), and the provider attributes the utility subtracts ([`Cost`]).
//!
//! Each weight and each cost is defined once, here: parsing, `set` paths, validation, events,
//! `check`'s printout, run.json and the memory estimate all go through [`Weight::ALL`] and
//! [`Cost::ALL`], and the model reads them as plain arrays indexed by the variant.

use super::bounds::Bound;
use super::named::named_enum;
use std::ops::{Index, IndexMut};

named_enum! {
    /// A term of a utility that each segment weighs (docs/MODEL.md, 7.4 Choice). The order is the
    /// order in memory and in every listing; an agent's deviate for a weight is keyed by its
    /// position, so a new weight goes at the end (the others keep their draws).
    pub enum Weight {
        /// Times the provider's quality for the agent's task and its fit for the language.
        Quality = "quality",
        /// Times ln(1 + price / price_reference).
        Price = "price",
        /// Times the provider's friction.
        Friction = "friction",
        /// Times the provider's per-step risk of cutting a user off.
        Risk = "risk",
        /// Times the share of the agent's neighbours on the provider.
        Peer = "peer",
        /// Added for the provider the agent is on, in a free choice.
        Inertia = "inertia",
    }
}

impl Weight {
    /// The value a segment gets when its `weights` table leaves this weight out; `None`: the
    /// weight is required.
    pub const fn default_value(self) -> Option<f64> {
        match self {
            Weight::Quality
            | Weight::Price
            | Weight::Friction
            | Weight::Risk
            | Weight::Peer
            | Weight::Inertia => None,
        }
    }
}

named_enum! {
    /// A number each provider has that a utility subtracts, times its own weight: the cost of
    /// choosing it. The order is the order in `[[providers]]` listings and in memory.
    pub enum Cost {
        /// Price per unit of use, in the file's one currency, >= 0; enters as
        /// ln(1 + price / price_reference).
        Price = "price",
        /// Hassle of access, >= 0.
        Friction = "friction",
        /// Per-step chance that a user is cut off, a probability.
        Risk = "risk",
    }
}

impl Cost {
    /// The weight a segment puts on this cost.
    pub const fn weight(self) -> Weight {
        match self {
            Cost::Price => Weight::Price,
            Cost::Friction => Weight::Friction,
            Cost::Risk => Weight::Risk,
        }
    }

    /// The values the cost may take.
    pub const fn bound(self) -> Bound {
        match self {
            Cost::Price | Cost::Friction => Bound::NonNegative,
            Cost::Risk => Bound::Probability,
        }
    }

    /// What the utility subtracts, before weighing, for a value `x` of this cost; a price is
    /// read in units of `price_reference` (`adoption.price_reference`), so that the term does
    /// not depend on the currency. With the default reference 1 the division is exact: the
    /// term is ln(1 + x), bit for bit.
    pub fn term(self, x: f64, price_reference: f64) -> f64 {
        match self {
            Cost::Price => libm::log(1.0 + x / price_reference),
            Cost::Friction | Cost::Risk => x,
        }
    }
}

/// One number per [`Weight`], indexed by it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights([f64; Weight::COUNT]);

impl Weights {
    /// The weights in the order of [`Weight::ALL`].
    pub const fn new(values: [f64; Weight::COUNT]) -> Weights {
        Weights(values)
    }

    /// Each weight times the agent's multiplier for it.
    #[inline(always)]
    pub fn scaled(&self, multipliers: &[f32; Weight::COUNT]) -> Weights {
        Weights(std::array::from_fn(|i| {
            self.0[i] * f64::from(multipliers[i])
        }))
    }
}

impl Index<Weight> for Weights {
    type Output = f64;
    #[inline(always)]
    fn index(&self, weight: Weight) -> &f64 {
        &self.0[weight as usize]
    }
}

impl IndexMut<Weight> for Weights {
    #[inline(always)]
    fn index_mut(&mut self, weight: Weight) -> &mut f64 {
        &mut self.0[weight as usize]
    }
}

/// One number per [`Cost`], indexed by it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Costs([f64; Cost::COUNT]);

impl Costs {
    /// The costs in the order of [`Cost::ALL`].
    pub const fn new(values: [f64; Cost::COUNT]) -> Costs {
        Costs(values)
    }
}

impl Index<Cost> for Costs {
    type Output = f64;
    #[inline(always)]
    fn index(&self, cost: Cost) -> &f64 {
        &self.0[cost as usize]
    }
}

impl IndexMut<Cost> for Costs {
    #[inline(always)]
    fn index_mut(&mut self, cost: Cost) -> &mut f64 {
        &mut self.0[cost as usize]
    }
}

/// Everything the step reads that an event can change.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Bass p, per step.
    pub innovation: f64,
    /// Bass q, per step.
    pub imitation: f64,
    /// Per-step chance that an adopter makes a free choice.
    pub reconsider: f64,
    /// The utility of using no provider; `None`: no outside option.
    pub outside_utility: Option<f64>,
    /// The price a price is measured against (`adoption.price_reference`), > 0; 1 by default.
    pub price_reference: f64,
    /// Per segment, in file order.
    pub segments: Vec<SegmentParams>,
    /// Per provider, in file order.
    pub providers: Vec<ProviderParams>,
}

/// A segment's changeable parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentParams {
    /// Per known capability: the fraction of the segment's agents holding it.
    pub capabilities: Vec<f64>,
    /// What the segment's agents weigh, before their multipliers.
    pub weights: Weights,
    /// The sd of the log of the agents' weight multipliers.
    pub heterogeneity: f64,
    /// The market potential: the fraction of the segment's agents that may ever adopt, in
    /// [0, 1]; 1 by default (docs/MODEL.md, 7.1 Adoption).
    pub potential: f64,
}

/// A provider's changeable parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderParams {
    /// A bit per known capability that an agent must hold to use the provider.
    pub requires: u32,
    /// Whether anyone can use it.
    pub available: bool,
    /// Whether agents not already on it can start using it.
    pub accepts_new: bool,
    /// Price, friction, risk, ...: what choosing it costs.
    pub costs: Costs,
    /// Per known task: the quality, or `None` where the task is not served.
    pub quality: Vec<Option<f64>>,
    /// Per known language: the fit, or `None` where the language is not served.
    pub fit: Vec<Option<f64>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cost_has_a_weight_of_its_own() {
        let mut seen = Vec::new();
        for cost in Cost::ALL {
            assert!(!seen.contains(&cost.weight()), "{cost}");
            seen.push(cost.weight());
            assert_eq!(cost.weight().name(), cost.name());
        }
    }

    #[test]
    fn price_enters_as_its_logarithm() {
        assert_eq!(Cost::Price.term(0.0, 1.0), 0.0);
        assert!((Cost::Price.term(std::f64::consts::E - 1.0, 1.0) - 1.0).abs() < 1e-15);
        assert_eq!(Cost::Friction.term(2.5, 1.0), 2.5);
        assert_eq!(Cost::Friction.term(2.5, 7.1), 2.5);
    }

    #[test]
    fn the_default_price_reference_leaves_the_term_bit_identical() {
        for price in [0.0, 0.3, 2.13, 70.0, 1e9, 5e-324] {
            let before = libm::log(1.0 + price);
            assert_eq!(Cost::Price.term(price, 1.0).to_bits(), before.to_bits());
        }
    }

    #[test]
    fn a_price_in_units_of_its_reference_is_exact_under_a_power_of_two() {
        // Scaling by 2^k is exact in binary floating point, so the ratio, and the term, keep
        // their bits.
        for (price, reference) in [(0.3, 1.0), (2.13, 7.1), (70.0, 0.55), (1e-3, 3.0)] {
            let term = Cost::Price.term(price, reference);
            for scale in [0.125, 2.0, 1024.0] {
                let scaled = Cost::Price.term(price * scale, reference * scale);
                assert_eq!(
                    scaled.to_bits(),
                    term.to_bits(),
                    "{price}/{reference} x {scale}"
                );
            }
        }
    }

    #[test]
    fn under_any_other_factor_the_term_moves_by_a_few_rounding_errors_of_one_plus_the_ratio() {
        // fl(p k) / fl(r k) = (p / r)(1 + e1)(1 + e3) / (1 + e2), each |e| <= 2^-53: within
        // 2 eps of x = p / r. Adding 1 rounds once more (eps/2 of 1 + x) and ln is 1-Lipschitz
        // on [1, inf), so the two terms differ by at most 2 eps x + eps (1 + x), plus half an
        // ulp of each logarithm (the term is below 1 + x): under 4 eps (1 + x) in all.
        for i in 1..5000 {
            let price = f64::from(i) * 0.037;
            for (reference, scale) in [(1.0, 7.1), (0.9, 7.1), (3.0, 0.138), (1.0, 1e-3)] {
                let x = price / reference;
                let term = Cost::Price.term(price, reference);
                let scaled = Cost::Price.term(price * scale, reference * scale);
                let bound = 4.0 * f64::EPSILON * (1.0 + x);
                assert!(
                    (scaled - term).abs() <= bound,
                    "{price}/{reference} x {scale}"
                );
            }
        }
    }

    #[test]
    fn weights_scale_one_by_one() {
        let w = Weights::new(Weight::ALL.map(|w| (w as usize + 1) as f64));
        let scaled = w.scaled(&Weight::ALL.map(|w| (w as usize % 3) as f32));
        for weight in Weight::ALL {
            let i = weight as usize;
            assert_eq!(scaled[weight], ((i + 1) * (i % 3)) as f64, "{weight}");
        }
    }
}
