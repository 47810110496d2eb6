//! The logit draw (docs/MODEL.md, 7.4 Choice): one uniform, inverse CDF over the options in a fixed order,
//! with exp from `libm` so that the result is the same on every platform (docs/MODEL.md, 7.9 Random streams and common random numbers).
//!
//! Most draws are decided without calling `libm::exp`: [`pick_fast`] computes the weights with
//! a cheap exp whose relative error is bounded (below 1e-9), carries the bound through the
//! sums, and answers only when the bound proves that the exact computation picks the same
//! option; otherwise (about once in ten million draws) the exact computation runs. The result
//! is therefore always the exact computation's, bit for bit.

use super::UNSERVED;

/// Draws one option with logit probabilities exp(V_k) / sum exp(V), computed with the largest
/// V subtracted so that no utility overflows (docs/MODEL.md, 7.4 Choice). `options` holds (state, V).
pub(super) fn pick(options: &mut [(u8, f64)], u: f64) -> u8 {
    let max = largest(options);
    if let Some(state) = pick_fast(options, max, u) {
        return state;
    }
    pick_exact(options, max, u)
}

/// The largest utility among the options.
fn largest(options: &[(u8, f64)]) -> f64 {
    options
        .iter()
        .map(|o| o.1)
        .fold(f64::NEG_INFINITY, f64::max)
}

/// The exact computation: weights exp(V_k - max) with `libm`, their prefix sums in option
/// order, the first option whose sum exceeds u times the total.
fn pick_exact(options: &mut [(u8, f64)], max: f64, u: f64) -> u8 {
    let Some(&(last, _)) = options.last() else {
        return UNSERVED;
    };
    let mut total = 0.0;
    for option in options.iter_mut() {
        // exp(0) is exactly 1: the largest option needs no call.
        option.1 = if option.1 == max {
            1.0
        } else {
            libm::exp(option.1 - max)
        };
        total += option.1;
    }
    let target = u * total;
    let mut cumulative = 0.0;
    for &(state, weight) in options.iter() {
        cumulative += weight;
        if target < cumulative {
            return state;
        }
    }
    last
}

/// The most options [`pick_fast`] takes on; larger choice sets go the exact way.
const FAST_OPTIONS: usize = 32;

/// A bound on the relative error of [`exp_fast`]: 6e-10 from the polynomial, 3e-13 from the
/// argument reduction, a few ulps from the table and the arithmetic; taken 16 times larger.
const EXP_ERROR: f64 = 1e-8;

/// The option that [`pick`]'s exact computation would draw, when a cheaper computation can
/// prove it; `None` when it cannot.
///
/// Why it is safe: the exact computation returns the first k with t < c_k, where c_k are the
/// floating-point prefix sums of the weights e_k and t = u c_n. Here the weights a_k differ
/// from e_k by at most EXP_ERROR relative (plus 1e-300 absolute, for underflow); floating-point
/// summation of n non-negative terms errs by at most n 2^-53 of the sum (Higham, Accuracy and
/// Stability of Numerical Algorithms, 2nd ed., 4.2). So every c_k and t is within
/// (2 EXP_ERROR + 4 n 2^-52) of the total, plus n 1e-300, of its counterpart here; three times
/// that is the margin. When the drawn point is farther than the margin from both ends of the
/// chosen interval, the exact computation chooses the same interval. The prefix sums are
/// non-decreasing, so the two neighbouring boundaries are the only ones to check.
fn pick_fast(options: &[(u8, f64)], max: f64, u: f64) -> Option<u8> {
    let n = options.len();
    if n > FAST_OPTIONS {
        return None;
    }
    let mut prefix = [0.0f64; FAST_OPTIONS];
    let mut total = 0.0;
    for (sum, option) in prefix.iter_mut().zip(options) {
        total += if option.1 == max {
            1.0
        } else {
            exp_fast(option.1 - max)
        };
        *sum = total;
    }
    let prefix = &prefix[..n];
    let target = u * total;
    let k = prefix.iter().position(|&c| target < c)?;
    let margin =
        3.0 * ((2.0 * EXP_ERROR + 4.0 * n as f64 * f64::EPSILON) * total) + 3.0 * n as f64 * 1e-300;
    let above = prefix[k] - target > margin;
    let below = k == 0 || target - prefix[k - 1] > margin;
    (above && below).then_some(options[k].0)
}

/// 2^(j/32) for j = 0..32, correctly rounded.
const EXP2_32: [f64; 32] = [
    f64::from_bits(0x3ff0000000000000),
    f64::from_bits(0x3ff059b0d3158574),
    f64::from_bits(0x3ff0b5586cf9890f),
    f64::from_bits(0x3ff11301d0125b51),
    f64::from_bits(0x3ff172b83c7d517b),
    f64::from_bits(0x3ff1d4873168b9aa),
    f64::from_bits(0x3ff2387a6e756238),
    f64::from_bits(0x3ff29e9df51fdee1),
    f64::from_bits(0x3ff306fe0a31b715),
    f64::from_bits(0x3ff371a7373aa9cb),
    f64::from_bits(0x3ff3dea64c123422),
    f64::from_bits(0x3ff44e086061892d),
    f64::from_bits(0x3ff4bfdad5362a27),
    f64::from_bits(0x3ff5342b569d4f82),
    f64::from_bits(0x3ff5ab07dd485429),
    f64::from_bits(0x3ff6247eb03a5585),
    f64::from_bits(0x3ff6a09e667f3bcd),
    f64::from_bits(0x3ff71f75e8ec5f74),
    f64::from_bits(0x3ff7a11473eb0187),
    f64::from_bits(0x3ff82589994cce13),
    f64::from_bits(0x3ff8ace5422aa0db),
    f64::from_bits(0x3ff93737b0cdc5e5),
    f64::from_bits(0x3ff9c49182a3f090),
    f64::from_bits(0x3ffa5503b23e255d),
    f64::from_bits(0x3ffae89f995ad3ad),
    f64::from_bits(0x3ffb7f76f2fb5e47),
    f64::from_bits(0x3ffc199bdd85529c),
    f64::from_bits(0x3ffcb720dcef9069),
    f64::from_bits(0x3ffd5818dcfba487),
    f64::from_bits(0x3ffdfc97337b9b5f),
    f64::from_bits(0x3ffea4afa2a490da),
    f64::from_bits(0x3fff50765b6e4540),
];

/// exp(x) for x <= 0 with relative error below [`EXP_ERROR`] (0 below -700, where exp(x) <
/// 1e-304): x = (32 e + j) ln2/32 + r with |r| <= ln2/64, exp(x) = 2^e 2^(j/32) exp(r), and
/// exp(r) by its Taylor polynomial of degree 3, whose remainder is below r^4/24 < 6e-10.
#[inline(always)]
fn exp_fast(x: f64) -> f64 {
    if x < -700.0 {
        return 0.0;
    }
    const STEP: f64 = std::f64::consts::LN_2 / 32.0;
    // Truncating y - 0.5 for y <= 0 gives the n with y - n in (-0.5, 0.5].
    let n = (x * (1.0 / STEP) - 0.5) as i64;
    let r = x - n as f64 * STEP;
    let p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6.0)));
    let (e, j) = (n >> 5, (n & 31) as usize);
    let scale = f64::from_bits(((1023 + e) as u64) << 52);
    EXP2_32[j] * scale * p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::ReplicateStreams;

    #[test]
    fn pick_follows_logit_probabilities() {
        // V = ln 1, ln 3: probabilities 1/4 and 3/4.
        let options = [(2u8, 0.0), (3u8, 3f64.ln())];
        assert_eq!(pick(&mut options.clone(), 0.24), 2);
        assert_eq!(pick(&mut options.clone(), 0.26), 3);
        assert_eq!(pick(&mut [], 0.5), UNSERVED);
        // Huge utilities do not overflow.
        assert_eq!(pick(&mut [(2, 1e6), (3, 1e6 - 1000.0)], 0.999), 2);
    }

    #[test]
    fn the_fast_exp_is_within_its_bound() {
        let mut worst = 0.0f64;
        for i in 0..2_000_000 {
            let x = -700.0 * f64::from(i) / 2e6;
            let exact = libm::exp(x);
            let error = ((exp_fast(x) - exact) / exact).abs();
            worst = worst.max(error);
        }
        assert!(worst < EXP_ERROR / 16.0, "worst relative error {worst:e}");
        assert_eq!(exp_fast(-800.0), 0.0);
        assert_eq!(exp_fast(0.0), 1.0);
    }

    /// A million random choice sets, and draws placed right at the boundaries between options
    /// (where only the exact computation can decide): the same option as the exact way.
    #[test]
    fn pick_always_agrees_with_the_exact_computation() {
        let step = ReplicateStreams::new(5, 0).step(1);
        let mut fast = 0;
        for case in 0..1_000_000u32 {
            let draws = step.agent(case);
            let n = 1 + (draws.uniform_at(100) * 12.0) as usize;
            let spread = [0.1, 1.0, 10.0, 800.0][case as usize % 4];
            let options: Vec<(u8, f64)> = (0..n)
                .map(|k| {
                    (
                        k as u8 + 2,
                        spread * (draws.uniform_at(200 + k as u64) - 0.5),
                    )
                })
                .collect();
            let mut u = draws.uniform_at(300);
            if case % 3 == 0 {
                // Exactly at a boundary of the exact computation, or one ulp either side.
                let mut weights = options.clone();
                let max = weights
                    .iter()
                    .map(|o| o.1)
                    .fold(f64::NEG_INFINITY, f64::max);
                let mut total = 0.0;
                let mut prefix = Vec::new();
                for w in weights.iter_mut() {
                    total += if w.1 == max {
                        1.0
                    } else {
                        libm::exp(w.1 - max)
                    };
                    prefix.push(total);
                }
                let b = prefix[case as usize % n] / total;
                u = match case % 9 {
                    0 => b,
                    // (A boundary at 0, after options whose weight underflowed, has no
                    // double below it.)
                    3 => f64::from_bits(b.to_bits().saturating_sub(1)),
                    _ => f64::from_bits(b.to_bits() + 1),
                }
                .min(1.0 - f64::EPSILON / 2.0);
            }
            let max = largest(&options);
            fast += usize::from(pick_fast(&options, max, u).is_some());
            assert_eq!(
                pick(&mut options.clone(), u),
                pick_exact(&mut options.clone(), max, u),
                "options {options:?}, u {u}"
            );
        }
        // The fast way decides nearly all draws but those placed at a boundary.
        assert!(fast > 600_000, "{fast}");
    }
}
