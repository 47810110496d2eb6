//! The ranges a parameter's value must lie in, checked when a file is validated.

/// The largest magnitude of a weight, quality, fit, price, friction or outside utility. Any
/// bound keeps every utility finite (no weight may make the logit overflow); this one is far
/// beyond any sensible value.
pub const MAX_MAGNITUDE: f64 = 1e9;

/// The largest heterogeneity: the sd of the log of a weight multiplier.
pub const MAX_HETEROGENEITY: f64 = 3.0;

/// What values a parameter may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// A finite number of magnitude at most [`MAX_MAGNITUDE`].
    Finite,
    /// A probability, in [0, 1].
    Probability,
    /// A finite number in [0, [`MAX_MAGNITUDE`]].
    NonNegative,
    /// A heterogeneity, in [0, [`MAX_HETEROGENEITY`]].
    Heterogeneity,
    /// A finite number in (0, [`MAX_MAGNITUDE`]].
    Positive,
}

impl Bound {
    /// `Ok` when `x` is within the bound, else the message saying what it must be.
    pub fn check(self, x: f64) -> Result<(), String> {
        let within = match self {
            Bound::Finite => x.is_finite() && x.abs() <= MAX_MAGNITUDE,
            Bound::Probability => (0.0..=1.0).contains(&x),
            Bound::NonNegative => x.is_finite() && (0.0..=MAX_MAGNITUDE).contains(&x),
            Bound::Heterogeneity => (0.0..=MAX_HETEROGENEITY).contains(&x),
            Bound::Positive => x > 0.0 && x <= MAX_MAGNITUDE,
        };
        if within {
            return Ok(());
        }
        let x = short(x);
        Err(match self {
            Bound::Finite => format!("must be a finite number of magnitude at most 1e9, not {x}"),
            Bound::Probability => format!("must be a probability in [0, 1], not {x}"),
            Bound::NonNegative => format!("must be a finite number >= 0 (at most 1e9), not {x}"),
            Bound::Heterogeneity => format!("must be in [0, 3], not {x}"),
            Bound::Positive => format!("must be a number > 0 (at most 1e9), not {x}"),
        })
    }
}

/// A number as a message shows it: the fewest significant digits that give it back to one
/// part in 10^12 (`0.9`, not `0.8999999999999999`), in plain notation between 1e-5 and 1e15,
/// in scientific notation beyond (`1e300`, not 301 digits).
pub fn short(x: f64) -> String {
    if !x.is_finite() || x == 0.0 {
        return format!("{x}");
    }
    let digits = (1..=17)
        .find(|&p| {
            format!("{:.*e}", p - 1, x)
                .parse::<f64>()
                .is_ok_and(|back| (back - x).abs() <= x.abs() * 1e-12)
        })
        .unwrap_or(17);
    let scientific = format!("{:.*e}", digits - 1, x);
    let exponent: i32 = scientific
        .rsplit('e')
        .next()
        .and_then(|e| e.parse().ok())
        .unwrap_or(0);
    if (-5..15).contains(&exponent) {
        let decimals = (digits as i32 - 1 - exponent).max(0) as usize;
        format!("{x:.decimals$}")
    } else {
        scientific
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_messages_are_short_and_exact_enough() {
        assert_eq!(short(0.8999999999999999), "0.9");
        assert_eq!(short(1e300), "1e300");
        assert_eq!(short(1.000001), "1.000001");
        assert_eq!(short(-2.5e-9), "-2.5e-9");
        assert_eq!(short(4294967295.0), "4294967295");
        assert_eq!(short(0.3), "0.3");
        assert_eq!(short(f64::NAN), "NaN");
    }

    #[test]
    fn each_bound_takes_its_ends_and_refuses_beyond() {
        assert!(Bound::Probability.check(0.0).is_ok());
        assert!(Bound::Probability.check(1.0).is_ok());
        assert!(Bound::Probability.check(1.000_001).is_err());
        assert!(Bound::Probability.check(f64::NAN).is_err());
        assert!(Bound::NonNegative.check(-0.1).is_err());
        assert!(Bound::NonNegative.check(1e9).is_ok());
        assert!(Bound::NonNegative.check(f64::INFINITY).is_err());
        assert!(Bound::Finite.check(-1e9).is_ok());
        assert!(Bound::Finite.check(-1.1e9).is_err());
        assert!(Bound::Heterogeneity.check(3.0).is_ok());
        assert!(Bound::Positive.check(0.0).is_err());
        assert!(Bound::Positive.check(f64::NAN).is_err());
        assert!(Bound::Positive.check(1e-300).is_ok());
        let message = Bound::Heterogeneity.check(3.5).unwrap_err();
        assert_eq!(message, "must be in [0, 3], not 3.5");
    }
}
