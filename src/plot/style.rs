//! One look per state, the same in every chart: a colour, a dash pattern and a marker.
//!
//! Providers take Paul Tol's "muted" scheme, whose nine colours stay distinct for the common
//! colour-vision deficiencies; `not_adopted` is grey and `unserved` black. Colour alone fails
//! in black-and-white print, so the providers also cycle through three dash patterns and,
//! every three providers, a different marker: no two of the first twelve states look alike
//! in grey.

use crate::compare::FIRST_PROVIDER;
use plotters::style::RGBColor;

/// Paul Tol's muted scheme (https://personal.sron.nl/~pault/), in his order.
const PROVIDER_COLOURS: [RGBColor; 9] = [
    RGBColor(0x33, 0x22, 0x88), // indigo
    RGBColor(0x11, 0x77, 0x33), // green
    RGBColor(0xCC, 0x66, 0x77), // rose
    RGBColor(0x88, 0xCC, 0xEE), // cyan
    RGBColor(0x88, 0x22, 0x55), // wine
    RGBColor(0x44, 0xAA, 0x99), // teal
    RGBColor(0x99, 0x99, 0x33), // olive
    RGBColor(0xAA, 0x44, 0x99), // purple
    RGBColor(0xDD, 0xCC, 0x77), // sand
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
}
