//! The chart's one font: the bundled Liberation Sans, registered with plotters once, used to
//! measure text in both formats (so that SVG and PNG are laid out alike) and to draw it in
//! PNG.

use plotters::style::{FontDesc, FontFamily, FontStyle};

/// The bundled font (SIL OFL 1.1).
const FONT: &[u8] = include_bytes!("../../assets/fonts/LiberationSans-Regular.ttf");
const FAMILY: &str = "sans-serif";

/// Registers the bundled font under the family every text style names; idempotent.
fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TrueType font, checked by the tests; were they not, text
        // would fail to draw with an error rather than a panic.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

/// A text size in pixels, always even.
///
/// plotters places each glyph of a PNG at half the size plus the glyph's top, truncated
/// towards zero: at an odd size the glyphs reaching above mid-height land one pixel lower
/// than the others, so a full stop floated above the baseline. At an even size the sum is a
/// whole number and every glyph sits on one baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TextSize(u32);

impl TextSize {
    /// `pixels`, which must be even (checked when the constant is compiled).
    pub(crate) const fn even(pixels: u32) -> TextSize {
        assert!(pixels % 2 == 0, "an odd text size misplaces glyphs in PNG");
        TextSize(pixels)
    }

    /// The size in pixels.
    pub(crate) const fn pixels(self) -> u32 {
        self.0
    }
}

/// The font at `size` (registered on first use).
pub(crate) fn font(size: TextSize) -> FontDesc<'static> {
    register_font();
    FontDesc::new(
        FontFamily::Name(FAMILY),
        f64::from(size.pixels()),
        FontStyle::Normal,
    )
}

/// The width of `text` in pixels at `size`.
pub(crate) fn text_width(text: &str, size: TextSize) -> i32 {
    font(size).box_size(text).map_or(
        text.chars().count() as i32 * size.pixels() as i32 * 6 / 10,
        |(w, _)| w as i32,
    )
}

/// `text`, cut short with an ellipsis where it would be wider than `width` pixels at `size`
/// (a sweep of many parameters).
pub(crate) fn fit(text: &str, size: TextSize, width: i32) -> String {
    if text_width(text, size) <= width {
        return text.to_owned();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while chars.pop().is_some() {
        let candidate: String = chars.iter().chain(['…'].iter()).collect();
        if text_width(&candidate, size) <= width {
            return candidate;
        }
    }
    "…".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_font_measures_text() {
        // A fallback estimate would be 0.6 em per character whatever the letters.
        let size = TextSize::even(12);
        assert!(font(size).box_size("iiii").is_ok());
        assert!(text_width("WWWW", size) > text_width("iiii", size));
    }

    #[test]
    fn fit_cuts_long_text_with_an_ellipsis() {
        let long = "adoption.imitation = 0.25, segments.indie.capabilities.vpn = 0.5";
        let size = TextSize::even(12);
        assert_eq!(fit(long, size, 10_000), long);
        let cut = fit(long, size, 120);
        assert!(cut.ends_with('…'), "{cut}");
        assert!(text_width(&cut, size) <= 120);
        assert!(long.starts_with(cut.trim_end_matches('…')));
    }
}
