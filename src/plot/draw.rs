//! Painting a placed [`Figure`] on any plotters backend: colours, strokes, dashes, markers
//! and fonts. Nothing is placed here; every position comes from [`super::layout`].

use super::layout::{Figure, HPos, Label, Panel, Rect, VPos};
use super::style::{self, Look, Marker};
use super::text::font;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{self, Pos};

/// What drawing on a backend can fail with.
pub(crate) type DrawResult<DB> =
    std::result::Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

const BLACK: RGBColor = RGBColor(0, 0, 0);

fn anchor((h, v): (HPos, VPos)) -> Pos {
    Pos::new(
        match h {
            HPos::Left => text_anchor::HPos::Left,
            HPos::Center => text_anchor::HPos::Center,
            HPos::Right => text_anchor::HPos::Right,
        },
        match v {
            VPos::Top => text_anchor::VPos::Top,
            VPos::Center => text_anchor::VPos::Center,
            VPos::Bottom => text_anchor::VPos::Bottom,
        },
    )
}

pub(crate) fn text<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    label: &Label,
    colour: RGBColor,
) -> DrawResult<DB> {
    root.draw(&Text::new(
        label.text.clone(),
        label.at,
        TextStyle {
            font: font(label.size),
            color: colour.to_backend_color(),
            pos: anchor(label.anchor),
        },
    ))
}

pub(crate) fn corners(rect: Rect) -> [(i32, i32); 2] {
    [(rect.left, rect.top), (rect.right, rect.bottom)]
}

/// A line of points in pixels, broken as the look says.
fn pixel_line<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    points: Vec<(i32, i32)>,
    look: &Look,
    width: u32,
) -> DrawResult<DB> {
    let style = look.colour.stroke_width(width);
    match look.dash.pattern() {
        None => root.draw(&PathElement::new(points, style)),
        Some((dash, gap)) => root.draw(&DashedPathElement::new(points, dash, gap, style)),
    }
}

fn marker<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    at: (i32, i32),
    look: &Look,
) -> DrawResult<DB> {
    let colour = look.colour;
    match look.marker {
        Marker::None => Ok(()),
        Marker::Circle => root.draw(&Circle::new(at, 4, colour.filled())),
        Marker::Triangle => root.draw(&TriangleMarker::new(at, 5, colour.filled())),
        Marker::Square => root.draw(&Rectangle::new(
            [(at.0 - 4, at.1 - 4), (at.0 + 4, at.1 + 4)],
            colour.stroke_width(2),
        )),
        Marker::Cross => root.draw(&Cross::new(at, 4, colour.stroke_width(2))),
    }
}

/// Paints `figure` on `root`, which is at least `figure.size`.
pub(crate) fn draw_figure<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    figure: &Figure,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    text(root, &figure.title, BLACK)?;
    text(root, &figure.subtitle, RGBColor(0x66, 0x66, 0x66))?;
    if let Some(point) = &figure.point {
        text(root, point, BLACK)?;
    }
    for panel in &figure.panels {
        draw_panel(root, panel)?;
    }
    for entry in &figure.legend {
        let look = style::look(entry.state);
        let sample = entry.sample;
        if figure.swatches {
            root.draw(&Rectangle::new(corners(sample), look.colour.filled()))?;
            root.draw(&Rectangle::new(corners(sample), BLACK.stroke_width(1)))?;
        } else {
            let middle = (sample.top + sample.bottom) / 2;
            pixel_line(
                root,
                vec![(sample.left, middle), (sample.right, middle)],
                &look,
                2,
            )?;
            marker(root, ((sample.left + sample.right) / 2, middle), &look)?;
        }
        text(root, &entry.name, BLACK)?;
    }
    if let Some((heading, lines)) = &figure.key {
        text(root, heading, BLACK)?;
        for line in lines {
            text(root, &line.number, BLACK)?;
            text(root, &line.text, BLACK)?;
        }
    }
    Ok(())
}

fn draw_panel<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, panel: &Panel) -> DrawResult<DB> {
    let plot = panel.plot;
    text(root, &panel.caption, BLACK)?;
    for tick in &panel.y_ticks {
        text(root, &tick.label, BLACK)?;
        root.draw(&PathElement::new(
            vec![(plot.left, tick.at), (plot.right, tick.at)],
            RGBColor(0xe4, 0xe4, 0xe4).stroke_width(1),
        ))?;
    }
    // The y axis's description runs up along the axis.
    let y_label = &panel.y_label;
    root.draw(&Text::new(
        y_label.text.clone(),
        y_label.at,
        TextStyle {
            font: font(y_label.size).transform(FontTransform::Rotate270),
            color: BLACK.to_backend_color(),
            pos: anchor(y_label.anchor),
        },
    ))?;
    for tick in &panel.x_ticks {
        root.draw(&PathElement::new(
            vec![(tick.at, plot.top), (tick.at, plot.bottom)],
            RGBColor(0xf0, 0xf0, 0xf0).stroke_width(1),
        ))?;
        root.draw(&PathElement::new(
            vec![(tick.at, plot.bottom), (tick.at, plot.bottom + 4)],
            BLACK.stroke_width(1),
        ))?;
        text(root, &tick.label, BLACK)?;
    }
    if let Some(y) = panel.zero_line {
        root.draw(&PathElement::new(
            vec![(plot.left, y), (plot.right, y)],
            BLACK.stroke_width(1),
        ))?;
    }
    for layer in &panel.layers {
        let look = style::look(layer.state);
        root.draw(&Polygon::new(
            layer.outline.clone(),
            look.colour.mix(0.9).filled(),
        ))?;
        root.draw(&PathElement::new(
            layer.upper_edge.clone(),
            BLACK.stroke_width(1),
        ))?;
    }
    // Event lines under the curves but over the stacked areas, which would hide them.
    let event_colour = if panel.layers.is_empty() {
        RGBColor(0xc4, 0xc4, 0xc4)
    } else {
        // Over coloured areas a light line would vanish.
        RGBColor(0x50, 0x50, 0x50)
    };
    for event in &panel.events {
        root.draw(&PathElement::new(
            vec![(event.x, plot.bottom), (event.x, event.top)],
            event_colour.stroke_width(1),
        ))?;
    }
    for event in &panel.events {
        root.draw(&Rectangle::new(corners(event.plate), WHITE.filled()))?;
        text(root, &event.label, RGBColor(0x33, 0x33, 0x33))?;
    }
    for layer in &panel.layers {
        if let Some(name) = &layer.name {
            text(root, name, style::text_on(style::look(layer.state).colour))?;
        }
    }
    for band in &panel.bands {
        let look = style::look(band.state);
        root.draw(&Polygon::new(
            band.outline.clone(),
            look.colour.mix(0.18).filled(),
        ))?;
    }
    for curve in &panel.curves {
        let look = style::look(curve.state);
        pixel_line(root, curve.points.clone(), &look, 2)?;
        for &at in &curve.markers {
            marker(root, at, &look)?;
        }
    }
    // The frame, over the data.
    root.draw(&Rectangle::new(
        corners(plot),
        RGBColor(0x44, 0x44, 0x44).stroke_width(1),
    ))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::layout::size;
    use crate::plot::text::TextSize;

    /// The lowest row of `text` drawn in PNG at `size` with its top left corner at a fixed
    /// point: where its glyphs end below.
    fn lowest_ink(text: &str, size: TextSize) -> usize {
        let (width, height) = (80, 80);
        let mut buffer = vec![255u8; width * height * 3];
        {
            let root = BitMapBackend::with_buffer(&mut buffer, (width as u32, height as u32))
                .into_drawing_area();
            let label = Label {
                text: text.into(),
                at: (10, 20),
                size,
                anchor: (HPos::Left, VPos::Top),
            };
            super::text(&root, &label, BLACK).expect("drawn");
            root.present().expect("presented");
        }
        buffer
            .chunks(width * 3)
            .rposition(|row| row.iter().any(|&b| b < 255))
            .expect("some ink")
    }

    #[test]
    fn a_full_stop_sits_on_the_baseline_in_png_at_every_text_size() {
        // plotters' glyph placement truncates half the size plus the glyph's top towards
        // zero: at an odd size, glyphs reaching above mid-height dropped a pixel below the
        // rest, so a full stop floated above the baseline.
        for size in size::ALL {
            assert_eq!(
                lowest_ink(".", size),
                lowest_ink("N", size),
                "size {size:?}"
            );
            assert_eq!(
                lowest_ink("x", size),
                lowest_ink("N", size),
                "size {size:?}"
            );
        }
    }
}
