//! Keyed random streams: the only place in blockade where random numbers are made.
//!
//! Every draw is a pure function of a key — (seed, replicate, agent, step, purpose) for a per-step
//! draw, (seed, replicate, agent, purpose) for an agent's attributes, (seed, replicate) for the
//! network — never of the order in which draws happen. That is what makes results independent of
//! the thread count and of sharding, and what gives common random numbers across variants: no key
//! contains the variant or the sweep point.
//!
//! The function is a chain of SplitMix64 finalisers (Steele, Lea & Flood 2014; the 64-bit mixer
//! is Stafford's variant 13), one link per key component. The links are hoisted so that the hot
//! loop pays one mix per agent and one per purpose: see [`StepStream`] and [`AgentDraws`].

use rand::rand_core::{Infallible, TryRng};

/// The name and version recorded in run.json, so that a reader knows which streams made a file.
pub const GENERATOR: &str = "splitmix64-keyed-v1";

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// Stafford's variant 13 of the SplitMix64 finaliser: a bijection on u64 with full avalanche.
#[inline(always)]
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One link of the key chain: a new key from a key and one more component.
#[inline(always)]
fn derive(key: u64, component: u64) -> u64 {
    mix64(key ^ component.wrapping_add(1).wrapping_mul(GOLDEN))
}

/// A uniform double in [0, 1) from the top 53 bits.
#[inline(always)]
fn unit_f64(bits: u64) -> f64 {
    // The top 53 bits fit an i64, whose conversion is one instruction on x86-64 (u64's takes
    // several); both give the same, exact double.
    ((bits >> 11) as i64) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// What a draw is for. Distinct purposes give independent draws for the same agent and step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// A not-adopted agent's adoption draw (and, at step 0, the initial adoption draw).
    Adopt = 1,
    /// An adopter's cut-off draw against its provider's risk.
    Risk = 2,
    /// An adopter's reconsideration draw.
    Reconsider = 3,
    /// The logit choice.
    Choice = 4,
    /// An agent's task.
    Task = 16,
    /// An agent's language.
    Language = 17,
    /// The network of a replicate.
    Network = 18,
    /// A sweep's design (not keyed by a replicate: see [`design`]).
    Design = 19,
    /// An agent's uniform against its segment's market potential.
    Potential = 20,
    /// The resampling of a sensitivity analysis's bootstrap (not keyed by a replicate: see
    /// [`bootstrap`]).
    Bootstrap = 21,
    /// The Owen scrambling of a Sobol sequence (see [`scramble`]).
    Scramble = 22,
    /// A calibration's draws of parameters (not keyed by a replicate: see [`calibration`]).
    Calibration = 23,
    /// An agent's uniform threshold for capability `c` is `Capability as u64 + c`.
    Capability = 1 << 16,
    /// An agent's normal deviate for weight `w` is `WeightDeviate as u64 + 2 w` (+1 for the
    /// second uniform of the Box–Muller pair).
    WeightDeviate = 1 << 17,
    /// An agent's normal deviate for its usage weight is `UsageDeviate as u64` (+1 for the
    /// second uniform of the Box–Muller pair).
    UsageDeviate = 1 << 18,
}

/// The root of all streams of one (seed, replicate).
#[derive(Debug, Clone, Copy)]
pub struct ReplicateStreams {
    key: u64,
}

impl ReplicateStreams {
    /// Streams for replicate `replicate` of a run seeded with `seed`.
    pub fn new(seed: u64, replicate: u32) -> Self {
        let key = derive(derive(0x626C_6F63_6B61_6465, seed), u64::from(replicate));
        ReplicateStreams { key }
    }

    /// The streams of step `step` (step 0 holds the initial state's draws).
    #[inline]
    pub fn step(&self, step: u32) -> StepStream {
        StepStream {
            key: derive(self.key, 0x5354_4550_0000_0000 | u64::from(step)),
        }
    }

    /// The draws that fix an agent's attributes for the whole replicate.
    #[inline]
    pub fn attributes(&self, agent: u32) -> AgentDraws {
        AgentDraws {
            key: derive(derive(self.key, 0x4154_5452_0000_0000), u64::from(agent)),
        }
    }

    /// A sequential generator for the network of this replicate, keyed by (seed, replicate).
    pub fn network(&self) -> KeyedRng {
        KeyedRng {
            key: derive(self.key, Purpose::Network as u64),
            counter: 0,
        }
    }
}

/// The draws of one step, for every agent.
#[derive(Debug, Clone, Copy)]
pub struct StepStream {
    key: u64,
}

impl StepStream {
    /// The draws of one agent at this step.
    #[inline(always)]
    pub fn agent(&self, agent: u32) -> AgentDraws {
        AgentDraws {
            key: derive(self.key, u64::from(agent)),
        }
    }
}

/// The draws of one agent under one key (a step, or its attributes), one per purpose.
#[derive(Debug, Clone, Copy)]
pub struct AgentDraws {
    key: u64,
}

impl AgentDraws {
    /// A uniform double in [0, 1) for `purpose`.
    #[inline(always)]
    pub fn uniform(&self, purpose: Purpose) -> f64 {
        self.uniform_at(purpose as u64)
    }

    /// Whether the uniform for `purpose` is below the probability of `threshold`: the same as
    /// `self.uniform(purpose) < p` for `threshold = Threshold::of(p)`.
    #[inline(always)]
    pub fn below(&self, purpose: Purpose, threshold: Threshold) -> bool {
        derive(self.key, purpose as u64) >> 11 < threshold.0
    }

    /// A uniform double in [0, 1) for a purpose with a sub-index (a capability, a weight).
    #[inline(always)]
    pub fn uniform_at(&self, purpose: u64) -> f64 {
        unit_f64(derive(self.key, purpose))
    }

    /// A standard normal deviate for weight `w`, by Box–Muller with `libm`, so that it is the
    /// same on every platform (std's `ln` and `cos` may differ in the last bit between libms).
    pub fn weight_deviate(&self, w: usize) -> f64 {
        self.normal_at(Purpose::WeightDeviate as u64 + 2 * w as u64)
    }

    /// The standard normal deviate of the agent's usage weight (docs/MODEL.md, Usage).
    pub fn usage_deviate(&self) -> f64 {
        self.normal_at(Purpose::UsageDeviate as u64)
    }

    /// A standard normal deviate from the uniforms of purposes `base` and `base + 1`.
    fn normal_at(&self, base: u64) -> f64 {
        let u1 = 1.0 - self.uniform_at(base); // (0, 1]: ln is finite
        let u2 = self.uniform_at(base + 1);
        libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * std::f64::consts::PI * u2)
    }
}

/// A sequential generator for a sweep's design (its latin-hypercube permutations and uniform
/// draws), keyed by the sweep's own seed. Not a model draw: the points it chooses are
/// parameters, and no model stream ever sees them (docs/MODEL.md, 11. Sweeps and shards).
pub fn design(seed: u64) -> KeyedRng {
    KeyedRng {
        key: derive(derive(0x7377_6565_7000_0000, seed), Purpose::Design as u64),
        counter: 0,
    }
}

/// A sequential generator for the bootstrap of a sensitivity analysis (which base samples or
/// trajectories each resample takes), keyed by the design's seed. It draws no parameter and
/// no model draw, so it changes no point; the same seed gives the same intervals on every run.
pub fn bootstrap(seed: u64) -> KeyedRng {
    KeyedRng {
        key: derive(
            derive(0x7377_6565_7000_0000, seed),
            Purpose::Bootstrap as u64,
        ),
        counter: 0,
    }
}

/// The 32-bit seed of the Owen scrambling of a Sobol design, from the design's own seed: the
/// scrambled sequence is a randomised quasi-Monte Carlo sample, and another seed gives an
/// independent one.
pub fn scramble(seed: u64) -> u32 {
    (derive(
        derive(0x7377_6565_7000_0000, seed),
        Purpose::Scramble as u64,
    ) >> 32) as u32
}

/// A sequential generator for one wave of a calibration (docs/MODEL.md, 13. Calibration): its
/// latin hypercube, the kept points it resamples and their perturbations. Keyed by the
/// calibration's seed and the wave, never by a replicate; like a sweep's design, the points it
/// chooses are parameters, and no model stream sees them.
pub fn calibration(seed: u64, wave: u32) -> KeyedRng {
    KeyedRng {
        key: derive(
            derive(derive(0x6361_6c69_6200_0000, seed), u64::from(wave)),
            Purpose::Calibration as u64,
        ),
        counter: 0,
    }
}

/// A probability as a threshold on a draw's 53 bits: [`AgentDraws::below`] with
/// `Threshold::of(p)` is exactly `uniform(purpose) < p`, without converting the draw to a double.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Threshold(u64);

impl Threshold {
    /// Never below (p <= 0).
    pub const NEVER: Threshold = Threshold(0);

    /// The threshold of probability `p`. A uniform is u = k 2^-53 for an integer k < 2^53, so
    /// u < p iff k < p 2^53 (exact: a power of two), iff k < ceil(p 2^53).
    pub fn of(p: f64) -> Threshold {
        const ONE: f64 = (1u64 << 53) as f64;
        if p.is_nan() || p <= 0.0 {
            return Threshold::NEVER;
        }
        let t = p * ONE;
        if t >= ONE {
            return Threshold(1 << 53);
        }
        let floor = t as u64;
        Threshold(if (floor as f64) < t { floor + 1 } else { floor })
    }
}

/// A counter-based sequential generator: the n-th output is a pure function of (key, n).
/// It implements `rand`'s generator traits so that `rand`'s shuffles and ranges can use it.
#[derive(Debug, Clone)]
pub struct KeyedRng {
    key: u64,
    counter: u64,
}

impl TryRng for KeyedRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.next() >> 32) as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.next())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.next().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

impl KeyedRng {
    #[inline]
    fn next(&mut self) -> u64 {
        let out = derive(self.key, self.counter);
        self.counter += 1;
        out
    }

    /// A uniform double in [0, 1).
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        unit_f64(self.next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `below` agrees with comparing the double, for probabilities on and next to the grid
    /// of uniforms and at random.
    #[test]
    fn thresholds_agree_with_comparing_uniforms() {
        let step = ReplicateStreams::new(3, 1).step(2);
        let grid = 1.0 / (1u64 << 53) as f64;
        for agent in 0..200_000u32 {
            let draws = step.agent(agent);
            let u = draws.uniform(Purpose::Risk);
            let r = draws.uniform(Purpose::Choice);
            for p in [
                u,
                u + grid,
                u - grid,
                u + grid / 2.0,
                r,
                0.0,
                1.0,
                1.5,
                -0.1,
                f64::NAN,
            ] {
                assert_eq!(
                    draws.below(Purpose::Risk, Threshold::of(p)),
                    u < p,
                    "u {u}, p {p}"
                );
            }
        }
    }

    #[test]
    fn unit_conversion_is_exact_at_the_ends() {
        assert_eq!(unit_f64(0), 0.0);
        assert_eq!(unit_f64(u64::MAX), 1.0 - 1.0 / (1u64 << 53) as f64);
        assert_eq!(unit_f64(1 << 11), 1.0 / (1u64 << 53) as f64);
    }

    #[test]
    fn draws_depend_on_every_key_component() {
        let a = ReplicateStreams::new(1, 0)
            .step(3)
            .agent(7)
            .uniform(Purpose::Adopt);
        assert_ne!(
            a,
            ReplicateStreams::new(2, 0)
                .step(3)
                .agent(7)
                .uniform(Purpose::Adopt)
        );
        assert_ne!(
            a,
            ReplicateStreams::new(1, 1)
                .step(3)
                .agent(7)
                .uniform(Purpose::Adopt)
        );
        assert_ne!(
            a,
            ReplicateStreams::new(1, 0)
                .step(4)
                .agent(7)
                .uniform(Purpose::Adopt)
        );
        assert_ne!(
            a,
            ReplicateStreams::new(1, 0)
                .step(3)
                .agent(8)
                .uniform(Purpose::Adopt)
        );
        assert_ne!(
            a,
            ReplicateStreams::new(1, 0)
                .step(3)
                .agent(7)
                .uniform(Purpose::Risk)
        );
        assert_eq!(
            a,
            ReplicateStreams::new(1, 0)
                .step(3)
                .agent(7)
                .uniform(Purpose::Adopt)
        );
    }

    /// Uniformity over consecutive agents (the way the model reads the streams): a chi-square
    /// test on 20 bins of 200 000 draws. The 0.999 quantile of chi-square(19) is 43.8.
    #[test]
    fn uniform_over_agents_passes_chi_square() {
        let step = ReplicateStreams::new(2024, 3).step(17);
        let n = 200_000u32;
        let mut bins = [0u32; 20];
        for agent in 0..n {
            let u = step.agent(agent).uniform(Purpose::Choice);
            assert!((0.0..1.0).contains(&u));
            bins[(u * 20.0) as usize] += 1;
        }
        let expected = f64::from(n) / 20.0;
        let chi2: f64 = bins
            .iter()
            .map(|&o| (f64::from(o) - expected).powi(2) / expected)
            .sum();
        assert!(chi2 < 43.8, "chi-square {chi2}");
    }

    /// Mean 0 and variance 1 of the weight deviates, within 5 standard errors on 100 000 draws.
    #[test]
    fn weight_deviates_are_standard_normal() {
        let streams = ReplicateStreams::new(7, 0);
        let n = 100_000;
        for deviate in [
            |d: AgentDraws| d.weight_deviate(2),
            |d: AgentDraws| d.usage_deviate(),
        ] {
            let z: Vec<f64> = (0..n).map(|i| deviate(streams.attributes(i))).collect();
            let mean = z.iter().sum::<f64>() / f64::from(n);
            let var = z.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / f64::from(n - 1);
            assert!(mean.abs() < 5.0 / f64::from(n).sqrt(), "mean {mean}");
            // The variance of a sample variance of normals is 2 / (n - 1).
            assert!(
                (var - 1.0).abs() < 5.0 * (2.0 / f64::from(n - 1)).sqrt(),
                "var {var}"
            );
        }
    }
}
