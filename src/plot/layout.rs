//! Where everything of a chart goes, in pixels: the figure's size, the headings, each panel's
//! plotting area, its axis ticks, curves, bands, stacked layers and numbered event lines, the
//! legend and the event key. Pure (text is measured with the bundled font): [`super::draw`]
//! only paints what [`layout`] placed, so SVG and PNG are the same picture.

use super::plan::{self, Plan};
use super::text::{TextSize, fit, text_width};
use chrono::{Datelike, Months, NaiveDate};

const MARGIN: i32 = 18;
const TITLE_HEIGHT: i32 = 62;
const POINT_LINE: i32 = 18;
const CAPTION_HEIGHT: i32 = 24;
const TAG_ROW: i32 = 15;
const Y_LABEL_WIDTH: i32 = 58;
const X_LABEL_HEIGHT: i32 = 28;
const RIGHT_GAP: i32 = 14;
const PLOT_HEIGHT: i32 = 250;
const PANEL_GAP: i32 = 16;
const LEGEND_CELL: (i32, i32) = (180, 22);
const KEY_CELL: (i32, i32) = (330, 18);
/// The width of a legend entry's sample (a line or a swatch).
const SAMPLE_WIDTH: i32 = 36;

/// Text sizes, every one even (see [`TextSize`]).
pub(crate) mod size {
    use crate::plot::text::TextSize;

    /// The chart's title.
    pub(crate) const TITLE: TextSize = TextSize::even(20);
    /// A panel's caption.
    pub(crate) const CAPTION: TextSize = TextSize::even(16);
    /// The subtitle, the sweep point, the legend and the key's heading.
    pub(crate) const NOTE: TextSize = TextSize::even(14);
    /// Axis labels, stacked layers' names, the key's entries and the events' numbers.
    pub(crate) const LABEL: TextSize = TextSize::even(12);
    /// Every size a chart uses.
    #[cfg(test)]
    pub(crate) const ALL: [TextSize; 4] = [TITLE, CAPTION, NOTE, LABEL];
}

/// A rectangle in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rect {
    /// The left edge.
    pub(crate) left: i32,
    /// The top edge.
    pub(crate) top: i32,
    /// The right edge.
    pub(crate) right: i32,
    /// The bottom edge.
    pub(crate) bottom: i32,
}

/// Which part of a text, left to right, sits at its anchor point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HPos {
    /// Its left end.
    Left,
    /// Its middle.
    Center,
    /// Its right end.
    Right,
}

/// Which part of a text, top to bottom, sits at its anchor point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VPos {
    /// Its top.
    Top,
    /// Its middle.
    Center,
    /// Its bottom.
    Bottom,
}

/// A line of text at a point, anchored there as `anchor` says.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Label {
    /// The text.
    pub(crate) text: String,
    /// The anchor point.
    pub(crate) at: (i32, i32),
    /// The size in pixels.
    pub(crate) size: TextSize,
    /// Which point of the text sits at `at`.
    pub(crate) anchor: (HPos, VPos),
}

impl Label {
    fn new(text: impl Into<String>, at: (i32, i32), size: TextSize, h: HPos, v: VPos) -> Label {
        Label {
            text: text.into(),
            at,
            size,
            anchor: (h, v),
        }
    }
}

/// A tick of an axis: its position along the axis and its label.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tick {
    /// The pixel row (y axis) or column (x axis).
    pub(crate) at: i32,
    /// The label beside it.
    pub(crate) label: Label,
}

/// A numbered event line: from the bottom of the plot up to its number above the plot.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EventLine {
    /// The column of the line.
    pub(crate) x: i32,
    /// The row where the line ends, at the bottom of its number.
    pub(crate) top: i32,
    /// The white plate under the number, so that other lines do not cross it.
    pub(crate) plate: Rect,
    /// The number(s).
    pub(crate) label: Label,
}

/// A stacked layer: its area and the name written inside it where it fits.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LayerShape {
    /// The state stacked.
    pub(crate) state: usize,
    /// The area's outline: the upper edge left to right, then the lower edge back.
    pub(crate) outline: Vec<(i32, i32)>,
    /// The upper edge alone, drawn as a line.
    pub(crate) upper_edge: Vec<(i32, i32)>,
    /// The state's name, where the layer is thick enough for it.
    pub(crate) name: Option<Label>,
}

/// A band around a curve, as a closed outline.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BandShape {
    /// The state.
    pub(crate) state: usize,
    /// The upper edge left to right, then the lower edge back.
    pub(crate) outline: Vec<(i32, i32)>,
}

/// A curve: a line through one point per step and the markers on it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CurveShape {
    /// The state.
    pub(crate) state: usize,
    /// One point per step.
    pub(crate) points: Vec<(i32, i32)>,
    /// Where markers go, every few steps, shifted per state so that they do not pile up.
    pub(crate) markers: Vec<(i32, i32)>,
}

/// One panel, placed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Panel {
    /// The caption above it.
    pub(crate) caption: Label,
    /// The plotting area.
    pub(crate) plot: Rect,
    /// The y axis's ticks (rows), each with a grid line across the plot.
    pub(crate) y_ticks: Vec<Tick>,
    /// The y axis's description, to be turned along the axis.
    pub(crate) y_label: Label,
    /// The date ticks (columns), each with a light grid line.
    pub(crate) x_ticks: Vec<Tick>,
    /// The row of the zero line, in a chart of differences.
    pub(crate) zero_line: Option<i32>,
    /// Stacked layers, bottom first.
    pub(crate) layers: Vec<LayerShape>,
    /// The numbered event lines.
    pub(crate) events: Vec<EventLine>,
    /// The bands, under every curve.
    pub(crate) bands: Vec<BandShape>,
    /// The curves.
    pub(crate) curves: Vec<CurveShape>,
}

/// A legend entry: a sample of the state's look and its name.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LegendEntry {
    /// The state.
    pub(crate) state: usize,
    /// Where the sample goes: a swatch fills it, a line runs through its middle with a
    /// marker at its centre.
    pub(crate) sample: Rect,
    /// The state's name.
    pub(crate) name: Label,
}

/// An entry of the event key: the number on the chart and the event's date and name.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct KeyLine {
    /// The number, right-aligned.
    pub(crate) number: Label,
    /// The date and the name.
    pub(crate) text: Label,
}

/// A chart, every part placed in pixels.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Figure {
    /// (width, height).
    pub(crate) size: (u32, u32),
    /// The title.
    pub(crate) title: Label,
    /// The subtitle.
    pub(crate) subtitle: Label,
    /// The sweep point's line, when a chart shows one point of a swept run.
    pub(crate) point: Option<Label>,
    /// The panels.
    pub(crate) panels: Vec<Panel>,
    /// Whether the legend's samples are swatches (stacked areas) or lines.
    pub(crate) swatches: bool,
    /// The legend, under the panels.
    pub(crate) legend: Vec<LegendEntry>,
    /// The key's heading and entries, under the legend; absent without events.
    pub(crate) key: Option<(Label, Vec<KeyLine>)>,
}

/// a / b rounded up, for positive b.
fn ceil_div(a: i32, b: i32) -> i32 {
    (a + b - 1) / b
}

/// Maps `value` in `[low, high]` to a pixel between `first` and `last`, as plotters maps a
/// continuous coordinate (so that the pixels are those plotters' own charts would use).
fn map(value: f64, (low, high): (f64, f64), (first, last): (i32, i32)) -> i32 {
    if high == low {
        return (last - first) / 2;
    }
    let fraction = (value - low) / (high - low);
    let length = last - first;
    if length == 0 {
        return last;
    }
    if fraction.is_infinite() {
        return if fraction.is_sign_positive() {
            last
        } else {
            first
        };
    }
    if length > 0 {
        first + (f64::from(length) * fraction + 1e-3).floor() as i32
    } else {
        first + (f64::from(length) * fraction - 1e-3).ceil() as i32
    }
}

/// The mapping from (days, value) to pixels in a plotting area.
struct Axes {
    plot: Rect,
    span: f64,
    y: (f64, f64),
}

impl Axes {
    fn x(&self, days: f64) -> i32 {
        map(
            days,
            (0.0, self.span),
            (self.plot.left, self.plot.right - 1),
        )
    }

    fn y(&self, value: f64) -> i32 {
        map(value, self.y, (self.plot.bottom - 1, self.plot.top))
    }

    /// A curve's points, values clamped into the axis.
    fn points(&self, days: &[f64], values: &[f64]) -> Vec<(i32, i32)> {
        days.iter()
            .zip(values)
            .map(|(&d, &v)| (self.x(d), self.y(v.clamp(self.y.0, self.y.1))))
            .collect()
    }

    /// The outline of the area between `upper` and `lower`.
    fn area(&self, days: &[f64], upper: &[f64], lower: &[f64]) -> Vec<(i32, i32)> {
        let mut outline = self.points(days, upper);
        let mut below = self.points(days, lower);
        below.reverse();
        outline.extend(below);
        outline
    }
}

/// Date ticks: the first of every n-th month (or every n-th day over a short horizon), few
/// enough that their labels never touch in `width` pixels.
fn date_ticks(start: NaiveDate, end: NaiveDate, width: i32) -> Vec<(NaiveDate, String)> {
    let most = (width / 80).max(2) as i64;
    let span = (end - start).num_days();
    if span < 62 {
        let every = [1, 2, 7, 14, 31]
            .into_iter()
            .find(|d| span / d < most)
            .unwrap_or(31);
        return (0..=span / every)
            .filter_map(|i| start.checked_add_days(chrono::Days::new((i * every) as u64)))
            .map(|d| (d, d.format("%Y-%m-%d").to_string()))
            .collect();
    }
    let months = span / 30;
    let every = [1u32, 2, 3, 6, 12, 24, 60, 120]
        .into_iter()
        .find(|m| months / i64::from(*m) < most)
        .unwrap_or(120);
    let mut ticks = Vec::new();
    let mut d = NaiveDate::from_ymd_opt(start.year(), start.month(), 1).unwrap_or(start);
    while d <= end {
        let index = d.year() * 12 + d.month0() as i32;
        if d >= start && index % every as i32 == 0 {
            let label = if every >= 12 {
                d.format("%Y").to_string()
            } else {
                d.format("%Y-%m").to_string()
            };
            ticks.push((d, label));
        }
        match d.checked_add_months(Months::new(1)) {
            Some(next) => d = next,
            None => break,
        }
    }
    ticks
}

/// Puts each tag (a column and its label's half width) into the lowest row where it overlaps
/// no other; returns the rows.
fn stagger(tags: &[(i32, i32)]) -> Vec<i32> {
    let mut row_ends: Vec<i32> = Vec::new();
    tags.iter()
        .map(|&(x, half)| {
            let row = match row_ends.iter().position(|&end| end + 2 <= x - half) {
                Some(row) => row,
                None => {
                    row_ends.push(i32::MIN);
                    row_ends.len() - 1
                }
            };
            row_ends[row] = x + half;
            row as i32
        })
        .collect()
}

/// The y axis's ticks and the number of decimals their labels need.
fn y_ticks((low, high, step): (f64, f64, f64)) -> Vec<(f64, String)> {
    let decimals = if step >= 1.0 {
        0
    } else if step >= 0.1 {
        1
    } else {
        2
    };
    let ticks = ((high - low) / step).round() as i32;
    (0..=ticks)
        .map(|i| {
            let y = low + step * f64::from(i);
            let label = format!("{:.*}", decimals, if y.abs() < 1e-9 { 0.0 } else { y });
            (y, label)
        })
        .collect()
}

/// Names a stacked layer inside it, where it is thickest, when the name fits there.
fn layer_name(name: &str, plot: Rect, upper: &[(i32, i32)], lower: &[(i32, i32)]) -> Option<Label> {
    let (i, thickness) = upper
        .iter()
        .zip(lower)
        .map(|(u, l)| l.1 - u.1)
        .enumerate()
        .max_by_key(|&(i, t)| (t, std::cmp::Reverse(i)))?;
    let width = text_width(name, size::LABEL);
    if thickness < 16 || width > plot.right - plot.left {
        return None;
    }
    let x = upper[i]
        .0
        .clamp(plot.left + width / 2 + 4, plot.right - width / 2 - 4);
    let y = (upper[i].1 + lower[i].1) / 2;
    Some(Label::new(
        name,
        (x, y),
        size::LABEL,
        HPos::Center,
        VPos::Center,
    ))
}

/// Places every part of a planned chart.
pub(crate) fn layout(plan: &Plan) -> Figure {
    let columns = if plan.panels.len() == 1 { 1 } else { 2 };
    let panel_width = if columns == 1 { 980 } else { 660 };
    let width = 2 * MARGIN + columns * panel_width + (columns - 1) * PANEL_GAP;
    let inner = width - 2 * MARGIN;
    let span = plan.days.last().copied().unwrap_or(1.0).max(1.0);
    // Where an event line meets a panel, relative to the panel's plot, which starts
    // Y_LABEL_WIDTH in and is the same width in every panel.
    let plot_width = panel_width - Y_LABEL_WIDTH - RIGHT_GAP;
    let tag_x = |days: f64| ((days / span) * f64::from(plot_width)).round() as i32;

    // Stagger each panel's tags; every panel leaves room for the most rows any needs.
    let tag_rows: Vec<Vec<i32>> = plan
        .panels
        .iter()
        .map(|panel| {
            let tags: Vec<(i32, i32)> = panel
                .tags
                .iter()
                .map(|(date, label)| {
                    let days = (*date - plan.start).num_days() as f64;
                    (tag_x(days), text_width(label, size::LABEL) / 2 + 2)
                })
                .collect();
            stagger(&tags)
        })
        .collect();
    let rows_needed = tag_rows
        .iter()
        .flatten()
        .map(|r| r + 1)
        .max()
        .unwrap_or(1)
        .max(1);
    let title_height = TITLE_HEIGHT + if plan.point.is_some() { POINT_LINE } else { 0 };
    let plot_offset = CAPTION_HEIGHT + rows_needed * TAG_ROW + 6;
    let panel_height = plot_offset + PLOT_HEIGHT + X_LABEL_HEIGHT;

    let panels: Vec<Panel> = plan
        .panels
        .iter()
        .zip(&tag_rows)
        .enumerate()
        .map(|(i, (panel, rows))| {
            let (row, column) = ((i / columns as usize) as i32, (i % columns as usize) as i32);
            let origin = (
                MARGIN + column * (panel_width + PANEL_GAP),
                title_height + row * (panel_height + PANEL_GAP),
            );
            let plot = Rect {
                left: origin.0 + Y_LABEL_WIDTH,
                top: origin.1 + plot_offset,
                right: origin.0 + panel_width - RIGHT_GAP,
                bottom: origin.1 + plot_offset + PLOT_HEIGHT,
            };
            place_panel(plan, panel, rows, origin, plot, span)
        })
        .collect();

    let legend_columns = (inner / LEGEND_CELL.0).max(1);
    let panel_rows = ceil_div(panels.len() as i32, columns);
    let legend_top = title_height + panel_rows * (panel_height + PANEL_GAP);
    let legend = plan
        .legend
        .iter()
        .enumerate()
        .map(|(i, &state)| {
            let (row, column) = (i as i32 / legend_columns, i as i32 % legend_columns);
            let x = MARGIN + column * LEGEND_CELL.0;
            let y = legend_top + row * LEGEND_CELL.1 + LEGEND_CELL.1 / 2;
            LegendEntry {
                state,
                sample: Rect {
                    left: x,
                    top: y - 7,
                    right: x + SAMPLE_WIDTH,
                    bottom: y + 7,
                },
                name: Label::new(
                    plan.state_names.get(state).cloned().unwrap_or_default(),
                    (x + SAMPLE_WIDTH + 8, y),
                    size::NOTE,
                    HPos::Left,
                    VPos::Center,
                ),
            }
        })
        .collect();
    let legend_rows = ceil_div(plan.legend.len() as i32, legend_columns);

    let key_top = legend_top + legend_rows * LEGEND_CELL.1 + 12;
    let key_columns = (inner / KEY_CELL.0).max(1);
    // Column-major, so that the key reads down in date order.
    let key_rows = ceil_div(plan.key.len() as i32, key_columns);
    let key = (!plan.key.is_empty()).then(|| {
        let heading = Label::new(
            plan.key_title.clone(),
            (MARGIN, key_top),
            size::NOTE,
            HPos::Left,
            VPos::Top,
        );
        let lines = plan
            .key
            .iter()
            .enumerate()
            .map(|(i, entry)| {
                let (column, row) = (i as i32 / key_rows, i as i32 % key_rows);
                let x = MARGIN + column * KEY_CELL.0;
                let y = key_top + 22 + row * KEY_CELL.1;
                KeyLine {
                    number: Label::new(
                        entry.number.to_string(),
                        (x + 22, y),
                        size::LABEL,
                        HPos::Right,
                        VPos::Top,
                    ),
                    text: Label::new(
                        format!("{}  {}", entry.date, entry.text),
                        (x + 30, y),
                        size::LABEL,
                        HPos::Left,
                        VPos::Top,
                    ),
                }
            })
            .collect();
        (heading, lines)
    });

    let height = title_height
        + panel_rows * (panel_height + PANEL_GAP)
        + legend_rows * LEGEND_CELL.1
        + 12
        + if plan.key.is_empty() {
            0
        } else {
            24 + key_rows * KEY_CELL.1
        }
        + MARGIN;
    Figure {
        size: (width as u32, height as u32),
        title: Label::new(
            plan.title.clone(),
            (MARGIN, 12),
            size::TITLE,
            HPos::Left,
            VPos::Top,
        ),
        subtitle: Label::new(
            plan.subtitle.clone(),
            (MARGIN, 38),
            size::NOTE,
            HPos::Left,
            VPos::Top,
        ),
        point: plan.point.as_deref().map(|line| {
            Label::new(
                fit(line, size::NOTE, inner),
                (MARGIN, 38 + POINT_LINE),
                size::NOTE,
                HPos::Left,
                VPos::Top,
            )
        }),
        panels,
        swatches: plan.swatches,
        legend,
        key,
    }
}

/// Places one panel whose top left corner is `origin` and whose plot is `plot`; `rows` are
/// its tags' rows.
fn place_panel(
    plan: &Plan,
    panel: &plan::PanelPlan,
    rows: &[i32],
    origin: (i32, i32),
    plot: Rect,
    span: f64,
) -> Panel {
    let (y_low, y_high, _) = plan.y_range;
    let axes = Axes {
        plot,
        span,
        y: (y_low, y_high),
    };
    let y_ticks = y_ticks(plan.y_range)
        .into_iter()
        .map(|(value, text)| {
            let at = axes.y(value);
            Tick {
                at,
                label: Label::new(
                    text,
                    (plot.left - 6, at),
                    size::LABEL,
                    HPos::Right,
                    VPos::Center,
                ),
            }
        })
        .collect();
    let x_ticks = date_ticks(plan.start, plan.end, plot.right - plot.left)
        .into_iter()
        .map(|(date, text)| {
            let at = axes.x((date - plan.start).num_days() as f64);
            Tick {
                at,
                label: Label::new(
                    text,
                    (at, plot.bottom + 7),
                    size::LABEL,
                    HPos::Center,
                    VPos::Top,
                ),
            }
        })
        .collect();
    let layers = panel
        .layers
        .iter()
        .map(|layer| {
            let upper = axes.points(&plan.days, &layer.upper);
            let lower = axes.points(&plan.days, &layer.lower);
            let name = plan
                .state_names
                .get(layer.state)
                .cloned()
                .unwrap_or_default();
            LayerShape {
                state: layer.state,
                outline: axes.area(&plan.days, &layer.upper, &layer.lower),
                name: layer_name(&name, plot, &upper, &lower),
                upper_edge: upper,
            }
        })
        .collect();
    let events = panel
        .tags
        .iter()
        .zip(rows)
        .map(|((date, label), &row)| {
            let days = (*date - plan.start).num_days() as f64;
            let x = plot.left + ((days / span) * f64::from(plot.right - plot.left)).round() as i32;
            let top = plot.top - 6 - row * TAG_ROW;
            let half = text_width(label, size::LABEL) / 2 + 1;
            EventLine {
                x,
                top,
                plate: Rect {
                    left: x - half,
                    top: top - 12,
                    right: x + half,
                    bottom: top,
                },
                label: Label::new(
                    label.clone(),
                    (x, top),
                    size::LABEL,
                    HPos::Center,
                    VPos::Bottom,
                ),
            }
        })
        .collect();
    let bands = panel
        .curves
        .iter()
        .map(|curve| BandShape {
            state: curve.state,
            outline: axes.area(&plan.days, &curve.band.1, &curve.band.0),
        })
        .collect();
    let every = plan.markers_every;
    let curves = panel
        .curves
        .iter()
        .map(|curve| {
            let points = axes.points(&plan.days, &curve.mean);
            let shift = curve.state * every / plan.states.max(1);
            let markers = points.iter().copied().skip(shift).step_by(every).collect();
            CurveShape {
                state: curve.state,
                points,
                markers,
            }
        })
        .collect();
    Panel {
        caption: Label::new(
            panel.caption.clone(),
            (origin.0 + Y_LABEL_WIDTH, origin.1 + 2),
            size::CAPTION,
            HPos::Left,
            VPos::Top,
        ),
        plot,
        y_ticks,
        y_label: Label::new(
            plan.y_label.clone(),
            (origin.0 + 4, (plot.top + plot.bottom) / 2),
            size::LABEL,
            HPos::Center,
            VPos::Top,
        ),
        x_ticks,
        zero_line: plan.zero_line.then(|| axes.y(0.0)),
        layers,
        events,
        bands,
        curves,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::plan::{Curve, KeyEntry, PanelPlan};
    use plotters::coord::CoordTranslate;
    use plotters::coord::types::RangedCoordf64;
    use plotters::prelude::Cartesian2d;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    /// A plan of `panels` adoption panels over 53 weekly steps, two states, and the events
    /// given per panel.
    fn sample(panels: usize, events: &[&[(&str, &str)]]) -> Plan {
        let days: Vec<f64> = (0..=52).map(|w| f64::from(w * 7)).collect();
        let rising: Vec<f64> = (0..=52).map(f64::from).collect();
        let curve = |state| Curve {
            state,
            mean: rising.clone(),
            band: (
                rising.iter().map(|v| v - 1.0).collect(),
                rising.iter().map(|v| v + 1.0).collect(),
            ),
        };
        let key = events
            .iter()
            .flat_map(|e| e.iter())
            .enumerate()
            .map(|(i, (d, name))| KeyEntry {
                number: i + 1,
                date: date(d),
                text: (*name).into(),
            })
            .collect();
        Plan {
            title: "title".into(),
            subtitle: "subtitle".into(),
            point: None,
            y_label: "share (%)".into(),
            days,
            start: date("2024-01-01"),
            end: date("2024-12-30"),
            y_range: (0.0, 60.0, 10.0),
            zero_line: false,
            panels: (0..panels)
                .map(|p| PanelPlan {
                    caption: format!("arm {p}"),
                    curves: vec![curve(0), curve(2)],
                    layers: Vec::new(),
                    tags: events
                        .get(p)
                        .map(|e| {
                            e.iter()
                                .enumerate()
                                .map(|(i, (d, _))| (date(d), (i + 1).to_string()))
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect(),
            legend: vec![0, 2],
            swatches: false,
            key,
            key_title: "Events".into(),
            markers_every: 6,
            states: 3,
            state_names: vec!["not_adopted".into(), "unserved".into(), "solo".into()],
        }
    }

    fn inside(inner: Rect, outer: Rect) -> bool {
        inner.left >= outer.left
            && inner.right <= outer.right
            && inner.top >= outer.top
            && inner.bottom <= outer.bottom
    }

    fn whole(figure: &Figure) -> Rect {
        Rect {
            left: 0,
            top: 0,
            right: figure.size.0 as i32,
            bottom: figure.size.1 as i32,
        }
    }

    #[test]
    fn the_mapping_is_plotters_own() {
        // Charts drawn by hand must land on the pixels plotters' own charts would use.
        for (range, pixels) in [((0.0, 728.0), (76, 1059)), ((-2.5, 7.5), (401, 152))] {
            let coord: Cartesian2d<RangedCoordf64, RangedCoordf64> = Cartesian2d::new(
                range.0..range.1,
                range.0..range.1,
                (pixels.0..pixels.1, pixels.1..pixels.0),
            );
            for i in 0..=1000 {
                let v = range.0 + (range.1 - range.0) * f64::from(i) / 1000.0;
                let (x, y) = coord.translate(&(v, v));
                assert_eq!(map(v, range, pixels), x, "{v}");
                assert_eq!(map(v, range, (pixels.1, pixels.0)), y, "{v}");
            }
        }
    }

    #[test]
    fn nice_ranges_step_by_one_two_or_five() {
        assert_eq!(plan::nice_range(0.0, 37.0), (0.0, 40.0, 10.0));
        assert_eq!(plan::nice_range(0.0, 1.0), (0.0, 1.0, 0.2));
        assert_eq!(plan::nice_range(-3.2, 1.1), (-4.0, 2.0, 1.0));
    }

    #[test]
    fn y_tick_labels_show_the_decimals_the_step_needs() {
        let labels = |range| -> Vec<String> { y_ticks(range).into_iter().map(|t| t.1).collect() };
        assert_eq!(labels((0.0, 40.0, 10.0)), ["0", "10", "20", "30", "40"]);
        assert_eq!(
            labels((-0.4, 0.4, 0.2)),
            ["-0.4", "-0.2", "0.0", "0.2", "0.4"]
        );
        assert_eq!(labels((0.0, 0.1, 0.05)), ["0.00", "0.05", "0.10"]);
    }

    #[test]
    fn date_ticks_are_months_or_days_and_never_crowded() {
        let ticks = date_ticks(date("2024-01-01"), date("2025-12-29"), 900);
        assert!(ticks.len() >= 2 && ticks.len() <= 900 / 80, "{ticks:?}");
        assert!(
            ticks.iter().all(|(d, l)| d.day() == 1 && l.len() == 7),
            "{ticks:?}"
        );
        let short = date_ticks(date("2024-01-01"), date("2024-01-21"), 900);
        assert_eq!(short.first().map(|t| t.1.as_str()), Some("2024-01-01"));
        assert!(short.len() <= 900 / 80, "{short:?}");
        // Labels of 10 characters at 12 pixels need about 60 pixels each.
        let columns: Vec<i32> = short
            .iter()
            .map(|(d, _)| (*d - date("2024-01-01")).num_days() as i32 * 900 / 20)
            .collect();
        assert!(columns.windows(2).all(|w| w[1] - w[0] >= 70), "{columns:?}");
    }

    #[test]
    fn overlapping_tags_go_to_separate_rows() {
        // (column, half width): the second overlaps the first, the third overlaps neither.
        assert_eq!(stagger(&[(100, 10), (105, 10), (200, 10)]), [0, 1, 0]);
        // A tag goes back to the lowest free row.
        assert_eq!(
            stagger(&[(100, 10), (110, 10), (120, 10), (133, 10)]),
            [0, 1, 2, 0]
        );
    }

    #[test]
    fn one_panel_takes_the_whole_width_and_more_take_two_columns() {
        let one = layout(&sample(1, &[]));
        assert_eq!(one.size.0, 2 * MARGIN as u32 + 980);
        let three = layout(&sample(3, &[]));
        assert_eq!(three.size.0, 2 * MARGIN as u32 + 2 * 660 + PANEL_GAP as u32);
        let plots: Vec<Rect> = three.panels.iter().map(|p| p.plot).collect();
        assert_eq!(plots[0].top, plots[1].top);
        assert!(plots[1].left > plots[0].right);
        assert_eq!(plots[2].left, plots[0].left);
        assert!(plots[2].top > plots[0].bottom + X_LABEL_HEIGHT);
        for plot in plots {
            assert!(inside(plot, whole(&three)));
        }
    }

    #[test]
    fn curves_ticks_and_markers_stay_in_their_plot() {
        let figure = layout(&sample(2, &[]));
        for panel in &figure.panels {
            let plot = panel.plot;
            let ticks: Vec<i32> = panel.y_ticks.iter().map(|t| t.at).collect();
            // 0 at the bottom, 60 at the top, rising upwards.
            assert_eq!(ticks.first(), Some(&(plot.bottom - 1)));
            assert_eq!(ticks.last(), Some(&plot.top));
            assert!(ticks.windows(2).all(|w| w[0] > w[1]));
            for tick in &panel.x_ticks {
                assert!((plot.left..plot.right).contains(&tick.at));
                assert_eq!(tick.label.at, (tick.at, plot.bottom + 7));
            }
            for curve in &panel.curves {
                assert_eq!(curve.points.len(), 53);
                assert_eq!(curve.points[0].0, plot.left);
                assert_eq!(curve.points[52].0, plot.right - 1);
                assert!(
                    curve
                        .points
                        .iter()
                        .all(|&(x, y)| (plot.left..plot.right).contains(&x)
                            && (plot.top..plot.bottom).contains(&y))
                );
                // Every sixth step, shifted by the state so that markers do not pile up.
                let shift = curve.state * 6 / 3;
                assert_eq!(curve.markers[0], curve.points[shift]);
                assert_eq!(curve.markers[1], curve.points[shift + 6]);
            }
            assert_eq!(panel.bands.len(), 2);
            assert_eq!(panel.bands[0].outline.len(), 2 * 53);
        }
    }

    #[test]
    fn event_numbers_sit_above_the_plot_in_rows_that_do_not_overlap() {
        let events: &[(&str, &str)] = &[
            ("2024-03-04", "a"),
            ("2024-03-05", "b"),
            ("2024-03-06", "c"),
            ("2024-09-02", "d"),
        ];
        let one_row = layout(&sample(1, &[]));
        let figure = layout(&sample(1, &[events]));
        let panel = &figure.panels[0];
        // Three tags a day apart need three rows, and every row pushes the plot down.
        let rows: Vec<i32> = panel.events.iter().map(|e| e.top).collect();
        assert_eq!(rows[0], panel.plot.top - 6);
        assert_eq!(rows[1], rows[0] - TAG_ROW);
        assert_eq!(rows[2], rows[1] - TAG_ROW);
        assert_eq!(rows[3], rows[0]);
        assert_eq!(panel.plot.top, one_row.panels[0].plot.top + 2 * TAG_ROW);
        for event in &panel.events {
            assert!((panel.plot.left..panel.plot.right).contains(&event.x));
            assert!(event.plate.bottom <= panel.plot.top);
            assert!(event.plate.top > panel.caption.at.1);
        }
        for (a, b) in panel.events.iter().zip(&panel.events[1..]) {
            assert!(a.x < b.x);
        }
    }

    #[test]
    fn legend_and_key_come_under_the_panels_inside_the_figure() {
        let events: &[(&str, &str)] = &[("2024-03-04", "a"), ("2024-06-03", "b")];
        let figure = layout(&sample(3, &[events, events, events]));
        let lowest_panel = figure.panels.iter().map(|p| p.plot.bottom).max().unwrap();
        let legend_top = figure.legend.iter().map(|e| e.sample.top).min().unwrap();
        assert!(legend_top > lowest_panel + X_LABEL_HEIGHT);
        assert_eq!(
            figure.legend[0].name.at.0,
            figure.legend[0].sample.right + 8
        );
        assert_eq!(figure.legend[1].sample.left, MARGIN + LEGEND_CELL.0);
        let (heading, lines) = figure.key.as_ref().expect("a key");
        assert!(heading.at.1 > figure.legend[0].sample.bottom);
        assert_eq!(lines.len(), 6);
        // Column-major: the key reads down first.
        assert!(lines[1].text.at.1 > lines[0].text.at.1);
        let bottom = lines
            .iter()
            .map(|l| l.text.at.1 + KEY_CELL.1)
            .max()
            .unwrap();
        assert!(bottom <= figure.size.1 as i32 - MARGIN);
        for line in lines {
            assert!(
                line.text.at.0 + text_width(&line.text.text, size::LABEL) < figure.size.0 as i32
            );
        }
        // No events, no key, and a shorter figure.
        let bare = layout(&sample(3, &[]));
        assert!(bare.key.is_none());
        assert!(bare.size.1 < figure.size.1);
    }

    #[test]
    fn a_sweep_point_adds_a_heading_line_cut_to_the_width() {
        let mut plan = sample(1, &[]);
        let plain = layout(&plan);
        plan.point = Some(format!(
            "Sweep point 3 of 64: {}",
            "x.y = 0.5, ".repeat(200)
        ));
        let figure = layout(&plan);
        let point = figure.point.as_ref().expect("a point line");
        assert!(point.text.ends_with('…'));
        assert!(text_width(&point.text, size::NOTE) <= figure.size.0 as i32 - 2 * MARGIN);
        assert_eq!(
            figure.panels[0].plot.top,
            plain.panels[0].plot.top + POINT_LINE
        );
    }

    #[test]
    fn a_layer_is_named_where_it_is_thickest_if_the_name_fits() {
        let plot = Rect {
            left: 100,
            top: 50,
            right: 600,
            bottom: 300,
        };
        let upper = [(100, 200), (300, 120), (599, 180)];
        let lower = [(100, 210), (300, 250), (599, 200)];
        let name = layer_name("qwen", plot, &upper, &lower).expect("a name");
        assert_eq!(name.at, (300, 185));
        // At the edge the name is pulled inside the plot.
        let edge = layer_name("qwen", plot, &[(100, 100)], &[(100, 200)]).expect("a name");
        assert!(edge.at.0 - text_width("qwen", size::LABEL) / 2 > plot.left);
        // Too thin for a line of text.
        assert_eq!(layer_name("qwen", plot, &upper[..1], &lower[..1]), None);
    }

    #[test]
    fn a_difference_chart_has_a_zero_line_inside_its_range() {
        let mut plan = sample(1, &[]);
        plan.y_range = (-2.0, 6.0, 2.0);
        plan.zero_line = true;
        let panel = &layout(&plan).panels[0];
        let zero = panel.zero_line.expect("a zero line");
        let tick = panel
            .y_ticks
            .iter()
            .find(|t| t.label.text == "0")
            .expect("a 0 tick");
        assert_eq!(zero, tick.at);
        assert!(zero > panel.plot.top && zero < panel.plot.bottom);
    }
}
