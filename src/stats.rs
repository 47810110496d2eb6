//! Statistics over replicates (docs/MODEL.md, 9. Statistics): pure functions of slices, no
//! I/O, no formatting.
//!
//! Every aggregate is computed sequentially in replicate order, and every special function
//! uses `libm`, so that the same numbers in give the same bits out on every platform.

/// The sample mean, or 0 for no values.
pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.iter().sum::<f64>() / values.len() as f64
}

/// The sample standard deviation (n - 1 in the denominator); 0 for fewer than two values.
pub fn sd(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let m = mean(values);
    let ss: f64 = values.iter().map(|x| (x - m) * (x - m)).sum();
    (ss / (values.len() - 1) as f64).sqrt()
}

/// The q-quantile by linear interpolation between order statistics (NumPy's default,
/// Hyndman & Fan type 7). `sorted` must be sorted ascending and not empty.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    let fraction = position - below as f64;
    sorted[below] + (sorted[above] - sorted[below]) * fraction
}

/// The continued fraction of the incomplete beta function, by the modified Lentz method
/// (Press et al., Numerical Recipes, 3rd ed., section 6.4).
fn beta_continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let clamp = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / clamp(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=500 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let even = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / clamp(1.0 + even * d);
        c = clamp(1.0 + even / c);
        h *= d * c;
        let odd = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / clamp(1.0 + odd * d);
        c = clamp(1.0 + odd / c);
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

/// The regularised incomplete beta function I_x(a, b).
fn regularized_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = libm::exp(
        libm::lgamma(a + b) - libm::lgamma(a) - libm::lgamma(b)
            + a * libm::log(x)
            + b * libm::log(1.0 - x),
    );
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_continued_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_continued_fraction(b, a, 1.0 - x) / b
    }
}

/// The 0.975 quantile of Student's t with `df` (> 0, possibly fractional) degrees of freedom.
///
/// Statistics crates compute it with the platform's maths library, which may differ in the
/// last bit between machines; every output file must be byte-identical everywhere, so it is
/// computed here with `libm`: P(T > t) = I_x(df/2, 1/2) / 2 with x = df / (df + t^2), solved
/// for x by bisection.
///
/// The bisection costs about a thousand incomplete-beta evaluations, and a run's tables ask
/// for the same df (replicates - 1) in every cell, so the last answer is kept per thread: a
/// pure function, so the same bits either way.
pub fn t975(df: f64) -> f64 {
    thread_local! {
        static LAST: std::cell::Cell<Option<(u64, f64)>> = const { std::cell::Cell::new(None) };
    }
    if let Some((bits, t)) = LAST.get() {
        if bits == df.to_bits() {
            return t;
        }
    }
    let t = t975_uncached(df);
    LAST.set(Some((df.to_bits(), t)));
    t
}

fn t975_uncached(df: f64) -> f64 {
    let (a, target) = (df / 2.0, 0.05);
    let (mut low, mut high) = (0.0f64, 1.0f64);
    for _ in 0..1100 {
        let mid = 0.5 * (low + high);
        if mid <= low || mid >= high {
            break;
        }
        if regularized_beta(a, 0.5, mid) < target {
            low = mid;
        } else {
            high = mid;
        }
    }
    let x = 0.5 * (low + high);
    libm::sqrt(df * (1.0 - x) / x)
}

/// Mean, spread and a 95% interval of a sample of replicate values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Sample mean.
    pub mean: f64,
    /// Sample standard deviation.
    pub sd: f64,
    /// 5th percentile.
    pub p05: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// mean - t(0.975, n-1) sd / sqrt(n); the mean itself for one value.
    pub ci95_low: f64,
    /// mean + t(0.975, n-1) sd / sqrt(n); the mean itself for one value.
    pub ci95_high: f64,
}

impl Summary {
    /// Summarises `values` (at least one).
    pub fn of(values: &[f64]) -> Summary {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let (low, high) = t_interval(values);
        Summary {
            mean: mean(values),
            sd: sd(values),
            p05: quantile(&sorted, 0.05),
            p50: quantile(&sorted, 0.5),
            p95: quantile(&sorted, 0.95),
            ci95_low: low,
            ci95_high: high,
        }
    }
}

/// The Student-t 95% interval for the mean; [mean, mean] for one value or no spread.
pub fn t_interval(values: &[f64]) -> (f64, f64) {
    let m = mean(values);
    let s = sd(values);
    if values.len() < 2 || s == 0.0 {
        return (m, m);
    }
    let half = t975((values.len() - 1) as f64) * s / (values.len() as f64).sqrt();
    (m - half, m + half)
}

/// The paired difference `variant - baseline`, replicate by replicate: its mean and Student-t
/// 95% interval. Common random numbers make the pairs share their noise, so this interval is
/// much narrower than an unpaired one.
pub fn paired_difference(baseline: &[f64], variant: &[f64]) -> (f64, f64, f64) {
    let differences: Vec<f64> = variant.iter().zip(baseline).map(|(v, b)| v - b).collect();
    let (low, high) = t_interval(&differences);
    (mean(&differences), low, high)
}

/// Welch's 95% interval for the difference of means of two independent samples, with the
/// Welch–Satterthwaite degrees of freedom; the unpaired counterpart of [`paired_difference`].
pub fn welch_interval(baseline: &[f64], variant: &[f64]) -> (f64, f64) {
    let diff = mean(variant) - mean(baseline);
    let (nb, nv) = (baseline.len() as f64, variant.len() as f64);
    let (vb, vv) = (sd(baseline).powi(2) / nb, sd(variant).powi(2) / nv);
    let se2 = vb + vv;
    if se2 == 0.0 || baseline.len() < 2 || variant.len() < 2 {
        return (diff, diff);
    }
    let df = se2 * se2 / (vb * vb / (nb - 1.0) + vv * vv / (nv - 1.0));
    let half = t975(df) * se2.sqrt();
    (diff - half, diff + half)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_linearly_like_numpy() {
        let sorted = [1.0, 2.0, 3.0, 4.0];
        // numpy.percentile([1, 2, 3, 4], [5, 50, 95]) = [1.15, 2.5, 3.85]
        assert!((quantile(&sorted, 0.05) - 1.15).abs() < 1e-12);
        assert_eq!(quantile(&sorted, 0.5), 2.5);
        assert!((quantile(&sorted, 0.95) - 3.85).abs() < 1e-12);
        assert_eq!(quantile(&[7.0], 0.95), 7.0);
    }

    #[test]
    fn t_quantiles_match_the_tables() {
        // scipy.stats.t.ppf(0.975, [1, 4, 19, 2.5, 7.3, 1000])
        assert!((t975(1.0) - 12.706_204_736).abs() < 1e-8);
        assert!((t975(4.0) - 2.776_445_105).abs() < 1e-8);
        assert!((t975(19.0) - 2.093_024_054).abs() < 1e-8);
        assert!((t975(2.5) - 3.574_654_842).abs() < 1e-8);
        assert!((t975(7.3) - 2.345_066_737).abs() < 1e-8);
        assert!((t975(1000.0) - 1.962_339_081).abs() < 1e-8);
    }

    #[test]
    fn summary_of_one_value_has_no_spread() {
        let s = Summary::of(&[0.25]);
        assert_eq!(
            (s.mean, s.sd, s.ci95_low, s.ci95_high),
            (0.25, 0.0, 0.25, 0.25)
        );
    }

    #[test]
    fn the_interval_uses_the_sample_sd() {
        let values = [1.0, 2.0, 3.0, 4.0, 5.0];
        let s = Summary::of(&values);
        assert_eq!(s.mean, 3.0);
        assert!((s.sd - 2.5f64.sqrt()).abs() < 1e-12);
        let half = 2.776_445_1 * 2.5f64.sqrt() / 5f64.sqrt();
        assert!((s.ci95_high - (3.0 + half)).abs() < 1e-6);
    }

    #[test]
    fn identical_pairs_give_an_exact_zero_difference() {
        let a = [0.1, 0.2, 0.30000000000000004];
        assert_eq!(paired_difference(&a, &a), (0.0, 0.0, 0.0));
    }

    #[test]
    fn pairing_removes_shared_noise() {
        let baseline = [0.10, 0.30, 0.20, 0.50, 0.40];
        let variant = [0.11, 0.31, 0.21, 0.51, 0.41];
        let (diff, low, high) = paired_difference(&baseline, &variant);
        assert!((diff - 0.01).abs() < 1e-12);
        let (ulow, uhigh) = welch_interval(&baseline, &variant);
        assert!(high - low < 1e-9);
        assert!(uhigh - ulow > 0.1);
    }
}
