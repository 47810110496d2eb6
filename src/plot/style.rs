//! One look per state, the same in every chart: a colour, a dash pattern and a marker.
//!
//! Providers take Paul Tol's "muted" scheme, whose nine colours stay distinct for the common
//! colour-vision deficiencies, then four of his "vibrant" scheme (orange, blue, magenta, red),
//! two of his "light" scheme (pink, pear) and one of his "dark" scheme (cyan) that differ from
//! all of them, so that up to sixteen providers (the flagship has fifteen) never share a
//! colour; `not_adopted` is grey and `unserved` black. Colour alone fails
//! in black-and-white print, so the providers also cycle through three dash patterns and,
//! every three providers, a different marker: no two of the first twelve states look alike
//! in grey.

use crate::compare::FIRST_PROVIDER;
use plotters::style::RGBColor;

/// Paul Tol's muted scheme (<https://personal.sron.nl/~pault/>) in his order, then colours of
/// his vibrant, light and dark schemes; no two are closer than 22 (CIE 1976 difference), nor to the grey and black of
/// `not_adopted` and `unserved`. Adding the last four changed no chart of twelve providers or fewer.
const PROVIDER_COLOURS: [RGBColor; 16] = [
    RGBColor(0x33, 0x22, 0x88), // indigo
    RGBColor(0x11, 0x77, 0x33), // green
    RGBColor(0xCC, 0x66, 0x77), // rose
    RGBColor(0x88, 0xCC, 0xEE), // cyan
    RGBColor(0x88, 0x22, 0x55), // wine
    RGBColor(0x44, 0xAA, 0x99), // teal
    RGBColor(0x99, 0x99, 0x33), // olive
    RGBColor(0xAA, 0x44, 0x99), // purple
    RGBColor(0xDD, 0xCC, 0x77), // sand
    RGBColor(0xEE, 0x77, 0x33), // orange
    RGBColor(0x00, 0x77, 0xBB), // blue
    RGBColor(0xEE, 0x33, 0x77), // magenta
    RGBColor(0xCC, 0x33, 0x11), // red
    RGBColor(0xFF, 0xAA, 0xBB), // pink
    RGBColor(0xBB, 0xCC, 0x33), // pear
    RGBColor(0x22, 0x55, 0x55), // dark cyan
];

/// How a line is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dash {
    /// Unbroken.
    Solid,
    /// Long dashes: (dash, gap) in pixels.
    Long,
    /// Short dashes, almost dots.
    Short,
}

impl Dash {
    /// (dash, gap) lengths in pixels, for a broken line.
    pub(crate) fn pattern(self) -> Option<(u32, u32)> {
        match self {
            Dash::Solid => None,
            Dash::Long => Some((9, 5)),
            Dash::Short => Some((3, 3)),
        }
    }
}

/// The marker drawn on a line at intervals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    /// None.
    None,
    /// A filled circle.
    Circle,
    /// A filled triangle.
    Triangle,
    /// A hollow square.
    Square,
    /// A diagonal cross.
    Cross,
}

/// The look of one state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Look {
    /// Its colour.
    pub(crate) colour: RGBColor,
    /// Its dash pattern.
    pub(crate) dash: Dash,
    /// Its marker.
    pub(crate) marker: Marker,
}

/// The look of state `state` (an index into the run's states).
pub(crate) fn look(state: usize) -> Look {
    match state {
        0 => Look {
            colour: RGBColor(0x88, 0x88, 0x88),
            dash: Dash::Short,
            marker: Marker::Cross,
        },
        1 => Look {
            colour: RGBColor(0x00, 0x00, 0x00),
            dash: Dash::Long,
            marker: Marker::Cross,
        },
        _ => {
            let p = state - FIRST_PROVIDER;
            Look {
                colour: PROVIDER_COLOURS[p % PROVIDER_COLOURS.len()],
                dash: [Dash::Solid, Dash::Long, Dash::Short][p % 3],
                marker: [
                    Marker::None,
                    Marker::Circle,
                    Marker::Triangle,
                    Marker::Square,
                ][(p / 3) % 4],
            }
        }
    }
}

/// Black or white, whichever reads better on `colour` (by its relative luminance).
pub(crate) fn text_on(colour: RGBColor) -> RGBColor {
    let RGBColor(r, g, b) = colour;
    let luminance = 0.2126 * f64::from(r) + 0.7152 * f64::from(g) + 0.0722 * f64::from(b);
    if luminance > 140.0 {
        RGBColor(0, 0, 0)
    } else {
        RGBColor(255, 255, 255)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_twelve_states_differ_without_colour() {
        let looks: Vec<(Dash, Marker)> = (0..12).map(|s| (look(s).dash, look(s).marker)).collect();
        for (i, a) in looks.iter().enumerate() {
            for b in &looks[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    /// CIE L*a*b* of an sRGB colour (D65).
    fn lab(RGBColor(r, g, b): RGBColor) -> [f64; 3] {
        let linear = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let (r, g, b) = (linear(r), linear(g), linear(b));
        let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
        let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
        let f = |t: f64| {
            if t > 0.008856 {
                t.cbrt()
            } else {
                7.787 * t + 16.0 / 116.0
            }
        };
        [
            116.0 * f(y) - 16.0,
            500.0 * (f(x) - f(y)),
            200.0 * (f(y) - f(z)),
        ]
    }

    /// The CIE 1976 colour difference: about 2.3 is just noticeable, and the closest pair of
    /// Paul Tol's muted scheme (olive and sand) is 22.8 apart.
    fn delta_e(a: RGBColor, b: RGBColor) -> f64 {
        let (a, b) = (lab(a), lab(b));
        a.iter()
            .zip(&b)
            .map(|(x, y)| (x - y).powi(2))
            .sum::<f64>()
            .sqrt()
    }

    #[test]
    fn every_state_of_every_bundled_scenario_has_its_own_colour() {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut most = 0;
        for entry in std::fs::read_dir(&folder).expect("scenarios/") {
            let path = entry.expect("an entry").path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).expect("readable");
                let file: toml::Table = toml::from_str(&text).expect("TOML");
                let providers = file["providers"].as_array().expect("providers").len();
                most = most.max(FIRST_PROVIDER + providers);
            }
        }
        assert!(
            most >= 17,
            "the flagship has 17 states; found at most {most}"
        );
        for a in 0..most {
            for b in a + 1..most {
                let distance = delta_e(look(a).colour, look(b).colour);
                assert!(
                    distance > 20.0,
                    "states {a} and {b}: colour difference {distance:.1}"
                );
            }
        }
    }
}
