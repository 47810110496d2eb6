//! What the scenario does not know: a distribution per uncertain parameter (docs/MODEL.md,
//! 11. Sweeps and shards; docs/FORMAT.md, [uncertainty]).
//!
//! Every distribution is given by its quantile function, so that any design on the unit cube
//! (a latin hypercube, a random sample, a Sobol sequence, Morris trajectories) becomes values
//! the same way: draw u in [0, 1)^d, then take each parameter's quantile at its u. The
//! quantiles use libm's exp, ln and erfc, so that a design gives the same values everywhere.

use super::named::named_enum;

named_enum! {
    /// The kinds of distribution (`distribution = "..."`).
    pub enum DistributionKind {
        /// Uniform on [min, max].
        Uniform = "uniform",
        /// The logarithm uniform on [ln min, ln max].
        LogUniform = "log_uniform",
        /// A normal(mean, sd) cut to [min, max].
        TruncatedNormal = "truncated_normal",
        /// One of a list of values, each equally likely.
        Values = "values",
    }
}

/// The distribution of one uncertain parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    /// Uniform on [min, max].
    Uniform {
        /// The lower end.
        min: f64,
        /// The upper end, >= min.
        max: f64,
    },
    /// Log-uniform on [min, max]: ln x is uniform on [ln min, ln max].
    LogUniform {
        /// The lower end, > 0.
        min: f64,
        /// The upper end, > min.
        max: f64,
    },
    /// A normal distribution cut to [min, max] and renormalised.
    TruncatedNormal {
        /// The mean of the normal before truncation.
        mean: f64,
        /// Its standard deviation, > 0.
        sd: f64,
        /// The lower cut.
        min: f64,
        /// The upper cut, > min.
        max: f64,
    },
    /// One of the values, each with probability 1 / len.
    Values(Vec<toml::Value>),
}

impl Distribution {
    /// Its kind.
    pub fn kind(&self) -> DistributionKind {
        match self {
            Distribution::Uniform { .. } => DistributionKind::Uniform,
            Distribution::LogUniform { .. } => DistributionKind::LogUniform,
            Distribution::TruncatedNormal { .. } => DistributionKind::TruncatedNormal,
            Distribution::Values(_) => DistributionKind::Values,
        }
    }

    /// The value at probability `u` in [0, 1): the smallest x with P(X <= x) >= u for a
    /// number (clamped to [min, max] against rounding), the value at index floor(u × len)
    /// for a list. Equal u give equal values and larger u never give smaller numbers, so a
    /// stratified or quasi-random design on [0, 1) keeps its structure.
    pub fn quantile(&self, u: f64) -> toml::Value {
        match self {
            Distribution::Values(values) => {
                let i = ((u * values.len() as f64) as usize).min(values.len() - 1);
                values[i].clone()
            }
            _ => toml::Value::Float(self.number_at(u).unwrap_or(f64::NAN)),
        }
    }

    /// The quantile of a numeric distribution at `u` in [0, 1) (see [`Distribution::quantile`]);
    /// `None` for a list of values.
    pub fn number_at(&self, u: f64) -> Option<f64> {
        Some(match *self {
            // min + u (max - min) can round up to max but never past it, as u < 1.
            Distribution::Uniform { min, max } => (min + u * (max - min)).min(max),
            Distribution::LogUniform { min, max } => {
                let (lo, hi) = (libm::log(min), libm::log(max));
                libm::exp(lo + u * (hi - lo)).clamp(min, max)
            }
            Distribution::TruncatedNormal { mean, sd, min, max } => {
                truncated_normal_quantile(u, (min - mean) / sd, (max - mean) / sd)
                    .mul_add(sd, mean)
                    .clamp(min, max)
            }
            Distribution::Values(_) => return None,
        })
    }

    /// The ends of a numeric distribution's support, or the values of a list: what must each
    /// be a valid value of the parameter.
    pub fn support(&self) -> Vec<toml::Value> {
        match self {
            Distribution::Uniform { min, max }
            | Distribution::LogUniform { min, max }
            | Distribution::TruncatedNormal { min, max, .. } => {
                vec![toml::Value::Float(*min), toml::Value::Float(*max)]
            }
            Distribution::Values(values) => values.clone(),
        }
    }
}

impl std::fmt::Display for Distribution {
    /// In words: `uniform on [0.1, 0.5]`, `log-uniform on [0.5, 2]`,
    /// `normal(0.7, sd 0.1) cut to [0.5, 0.9]`, `one of "complete", "small_world"`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Distribution::Uniform { min, max } => write!(f, "uniform on [{min}, {max}]"),
            Distribution::LogUniform { min, max } => write!(f, "log-uniform on [{min}, {max}]"),
            Distribution::TruncatedNormal { mean, sd, min, max } => {
                write!(f, "normal({mean}, sd {sd}) cut to [{min}, {max}]")
            }
            Distribution::Values(values) => {
                f.write_str("one of ")?;
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{value}")?;
                }
                Ok(())
            }
        }
    }
}

/// One uncertain parameter of `[uncertainty]`.
#[derive(Debug, Clone, PartialEq)]
pub struct UncertainParameter {
    /// The path, as a variant's `set` names it (`adoption.imitation`).
    pub path: String,
    /// What it may be.
    pub distribution: Distribution,
    /// Where the range comes from.
    pub source: Option<String>,
}

/// The standard normal distribution function, Φ(z).
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// The standard normal quantile, Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation
/// (relative error below 1.2e-9), then one Halley step on Φ, which brings it to within a few
/// ulps. -∞ at 0 and +∞ at 1.
pub fn normal_quantile(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const LOW: f64 = 0.024_25;
    let tail = |q: f64| {
        let q = libm::sqrt(-2.0 * libm::log(q));
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let x = if p < LOW {
        tail(p)
    } else if p > 1.0 - LOW {
        -tail(1.0 - p)
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    // Halley's step on Φ(x) - p = 0.
    let e = normal_cdf(x) - p;
    let u = e * libm::sqrt(2.0 * std::f64::consts::PI) * libm::exp(x * x / 2.0);
    x - u / (1.0 + x * u / 2.0)
}

/// The quantile at `u` of a standard normal cut to [a, b]. A cut wholly above the mean is
/// mirrored below it, where Φ keeps its precision (1 - Φ(z) loses digits for large z).
fn truncated_normal_quantile(u: f64, a: f64, b: f64) -> f64 {
    if a > 0.0 {
        return -truncated_normal_quantile(1.0 - u, -b, -a);
    }
    let (pa, pb) = (normal_cdf(a), normal_cdf(b));
    normal_quantile(pa + u * (pb - pa)).clamp(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_normal_quantile_inverts_the_distribution_function() {
        // Φ⁻¹(0.975) = 1.959963984540054 (tables to 15 digits).
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-13);
        assert!((normal_quantile(0.5)).abs() < 1e-15);
        for p in [1e-12, 1e-5, 0.01, 0.3, 0.7, 0.99, 1.0 - 1e-9] {
            let back = normal_cdf(normal_quantile(p));
            assert!((back - p).abs() <= 1e-13 * p.max(1e-3), "{p}: {back}");
        }
    }

    #[test]
    fn uniform_and_log_uniform_quantiles() {
        let uniform = Distribution::Uniform { min: 2.0, max: 4.0 };
        assert_eq!(uniform.number_at(0.0), Some(2.0));
        assert_eq!(uniform.number_at(0.25), Some(2.5));
        let log = Distribution::LogUniform { min: 0.5, max: 2.0 };
        assert_eq!(log.number_at(0.0), Some(0.5));
        // The median of a log-uniform is the geometric mean of its ends.
        assert!((log.number_at(0.5).unwrap() - 1.0).abs() < 1e-15);
        assert!(log.number_at(1.0 - f64::EPSILON).unwrap() <= 2.0);
    }

    #[test]
    fn a_truncated_normal_keeps_its_median_and_its_cuts() {
        let symmetric = Distribution::TruncatedNormal {
            mean: 0.7,
            sd: 0.1,
            min: 0.5,
            max: 0.9,
        };
        assert!((symmetric.number_at(0.5).unwrap() - 0.7).abs() < 1e-12);
        assert_eq!(symmetric.number_at(0.0), Some(0.5));
        // P(X <= mean + sd | cut at ±2 sd) = (Φ(1) - Φ(-2)) / (Φ(2) - Φ(-2)).
        let u = (normal_cdf(1.0) - normal_cdf(-2.0)) / (normal_cdf(2.0) - normal_cdf(-2.0));
        assert!((symmetric.number_at(u).unwrap() - 0.8).abs() < 1e-12);
        // A cut far in the upper tail stays inside it and increasing.
        let tail = Distribution::TruncatedNormal {
            mean: 0.0,
            sd: 1.0,
            min: 9.0,
            max: 10.0,
        };
        let (lo, mid, hi) = (
            tail.number_at(0.0).unwrap(),
            tail.number_at(0.5).unwrap(),
            tail.number_at(0.999).unwrap(),
        );
        assert!(
            9.0 <= lo && lo < mid && mid < hi && hi <= 10.0,
            "{lo} {mid} {hi}"
        );
        // Most of the mass of N(0,1) cut to [9, 10] lies within 1/9 of 9.
        assert!(mid < 9.1, "{mid}");
    }

    #[test]
    fn a_list_is_cut_into_equal_parts_of_the_unit_interval() {
        let list = Distribution::Values(vec!["a".into(), "b".into()]);
        assert_eq!(list.quantile(0.49), toml::Value::from("a"));
        assert_eq!(list.quantile(0.5), toml::Value::from("b"));
        assert_eq!(list.number_at(0.5), None);
        assert_eq!(list.kind().name(), "values");
    }
}
