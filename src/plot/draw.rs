//! Laying out and drawing a chart. A [`Figure`] is planned first, in pixels, from the
//! series that [`crate::compare::series`] computes; then it is drawn on any plotters backend,
//! so that SVG and PNG are the same picture.

use super::style::{self, Look, Marker};
use super::{Chart, Format, Kind};
use crate::compare::{RunData, TimelineEvent, series};
use crate::error::{Error, Result};
use chrono::{Datelike, Months, NaiveDate};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// The bundled font, used to measure text in both formats and to draw it in PNG.
const FONT: &[u8] = include_bytes!("../../assets/fonts/LiberationSans-Regular.ttf");
const FAMILY: &str = "sans-serif";

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

fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TrueType font, checked by the tests; were they not, text
        // would fail to draw with an error rather than a panic.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

fn font(size: u32) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FAMILY), f64::from(size), FontStyle::Normal)
}

/// The width of `text` in pixels at `size`.
fn text_width(text: &str, size: u32) -> i32 {
    font(size).box_size(text).map_or(
        text.chars().count() as i32 * size as i32 * 6 / 10,
        |(w, _)| w as i32,
    )
}

/// `text`, cut short with an ellipsis where it would be wider than `width` pixels at `size`
/// (a sweep of many parameters).
fn fit(text: &str, size: u32, width: i32) -> String {
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

/// One curve of a panel, in display units (percent or percentage points).
struct Curve {
    state: usize,
    mean: Vec<f64>,
    /// The band, absent from a stacked chart.
    band: Option<(Vec<f64>, Vec<f64>)>,
}

/// One layer of a stacked chart: the state's area lies between `lower` and `upper`.
struct Layer {
    state: usize,
    lower: Vec<f64>,
    upper: Vec<f64>,
}

/// A numbered event line's label in a panel: the events of one date share one line.
struct Tag {
    days: f64,
    label: String,
    row: i32,
}

struct Panel {
    caption: String,
    curves: Vec<Curve>,
    layers: Vec<Layer>,
    tags: Vec<Tag>,
    /// Where the panel starts, in pixels.
    origin: (i32, i32),
}

/// An entry of the event key under the chart.
struct KeyEntry {
    number: usize,
    date: NaiveDate,
    text: String,
}

struct Figure {
    size: (i32, i32),
    title: String,
    subtitle: String,
    /// A third heading line: the sweep point a chart shows.
    point: Option<String>,
    y_label: String,
    /// Days since step 0 of each step.
    days: Vec<f64>,
    start: NaiveDate,
    end: NaiveDate,
    /// (low, high, tick step).
    y_range: (f64, f64, f64),
    zero_line: bool,
    panels: Vec<Panel>,
    panel_width: i32,
    tag_rows: i32,
    legend: Vec<usize>,
    key: Vec<KeyEntry>,
    key_title: String,
    markers_every: usize,
    states: usize,
    state_names: Vec<String>,
}

impl Figure {
    /// The height of the headings above the panels.
    fn title_height(&self) -> i32 {
        TITLE_HEIGHT + if self.point.is_some() { POINT_LINE } else { 0 }
    }

    fn panel_height(&self) -> i32 {
        CAPTION_HEIGHT + self.tag_rows * TAG_ROW + 6 + PLOT_HEIGHT + X_LABEL_HEIGHT
    }

    /// The plotting area of a panel, in pixels: (left, top, right, bottom).
    fn plot_area(&self, panel: &Panel) -> (i32, i32, i32, i32) {
        let (x, y) = panel.origin;
        let top = y + CAPTION_HEIGHT + self.tag_rows * TAG_ROW + 6;
        (
            x + Y_LABEL_WIDTH,
            top,
            x + self.panel_width - RIGHT_GAP,
            top + PLOT_HEIGHT,
        )
    }

    fn x_pixel(&self, panel: &Panel, days: f64) -> i32 {
        let (left, _, right, _) = self.plot_area(panel);
        let span = self.days.last().copied().unwrap_or(1.0).max(1.0);
        left + ((days / span) * f64::from(right - left)).round() as i32
    }
}

/// Numbers the events of every panel in date order, and gives each panel its tags.
fn number_events(
    panels: &[Vec<(TimelineEvent, &'static str)>],
) -> (Vec<KeyEntry>, Vec<Vec<(NaiveDate, String)>>) {
    let mut all: Vec<(NaiveDate, String, &'static str)> = panels
        .iter()
        .flatten()
        .map(|(e, note)| (e.date, e.name.clone(), *note))
        .collect();
    all.sort();
    all.dedup_by(|a, b| a.1 == b.1);
    let number = |name: &str| all.iter().position(|e| e.1 == name).map_or(0, |i| i + 1);
    let key = all
        .iter()
        .enumerate()
        .map(|(i, (date, name, note))| KeyEntry {
            number: i + 1,
            date: *date,
            text: format!("{name}{note}"),
        })
        .collect();
    let tags = panels
        .iter()
        .map(|events| {
            let mut by_date: Vec<(NaiveDate, Vec<usize>)> = Vec::new();
            for (e, _) in events {
                let n = number(&e.name);
                match by_date.iter_mut().find(|(d, _)| *d == e.date) {
                    Some((_, numbers)) => numbers.push(n),
                    None => by_date.push((e.date, vec![n])),
                }
            }
            by_date.sort();
            by_date
                .into_iter()
                .map(|(date, mut numbers)| {
                    numbers.sort_unstable();
                    numbers.dedup();
                    let label: Vec<String> = numbers.iter().map(|n| n.to_string()).collect();
                    (date, label.join(","))
                })
                .collect()
        })
        .collect();
    (key, tags)
}

/// Rounds a range out to a step of 1, 2 or 5 times a power of ten: (low, high, step).
fn nice_range(low: f64, high: f64) -> (f64, f64, f64) {
    let span = (high - low).max(1e-9);
    let raw = span / 5.0;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * power);
    (
        (low / step).floor() * step,
        (high / step).ceil() * step,
        step,
    )
}

/// a / b rounded up, for positive b.
fn ceil_div(a: i32, b: i32) -> i32 {
    (a + b - 1) / b
}

/// Plans the figure: series, panels, tags, legend and key.
fn plan(data: &RunData, chart: &Chart) -> Figure {
    let start = data.dates[0];
    let days: Vec<f64> = data
        .dates
        .iter()
        .map(|d| (*d - start).num_days() as f64)
        .collect();
    let segment = data.segment_name(chart.segment);
    let replicates = data.replicates;
    let plural = if replicates == 1 { "" } else { "s" };
    let percent = |v: &[f64]| v.iter().map(|x| 100.0 * x).collect::<Vec<f64>>();

    let mut panel_events: Vec<Vec<(TimelineEvent, &'static str)>> = Vec::new();
    let mut panels = Vec::new();
    for &arm in &chart.arms {
        let mut panel = Panel {
            caption: data.arms[arm].clone(),
            curves: Vec::new(),
            layers: Vec::new(),
            tags: Vec::new(),
            origin: (0, 0),
        };
        match chart.kind {
            Kind::Adoption => {
                for &state in &chart.states {
                    let band = series::share_band(data, arm, chart.segment, state);
                    panel.curves.push(Curve {
                        state,
                        mean: percent(&band.mean),
                        band: Some((percent(&band.low), percent(&band.high))),
                    });
                }
                panel_events.push(
                    data.timelines[arm]
                        .iter()
                        .map(|e| (e.clone(), ""))
                        .collect(),
                );
            }
            Kind::Comparison => {
                panel.caption = format!("{} - baseline", data.arms[arm]);
                for &state in &chart.states {
                    let band = series::difference_band(data, arm, chart.segment, state);
                    panel.curves.push(Curve {
                        state,
                        mean: percent(&band.mean),
                        band: Some((percent(&band.low), percent(&band.high))),
                    });
                }
                // The events that make the difference: those of one timeline only.
                let has = |timeline: &[TimelineEvent], name: &str| {
                    timeline.iter().any(|e| e.name == name)
                };
                let (base, own) = (&data.timelines[0], &data.timelines[arm]);
                let mut events: Vec<(TimelineEvent, &'static str)> = base
                    .iter()
                    .filter(|e| !has(own, &e.name))
                    .map(|e| (e.clone(), " (baseline only)"))
                    .collect();
                events.extend(
                    own.iter()
                        .filter(|e| !has(base, &e.name))
                        .map(|e| (e.clone(), " (variant only)")),
                );
                panel_events.push(events);
            }
            Kind::Stacked => {
                // Providers from the bottom, then unserved, with not_adopted on top: adoption
                // grows from the axis up.
                let mut order: Vec<usize> =
                    chart.states.iter().copied().filter(|&s| s > 1).collect();
                order.extend(chart.states.iter().copied().filter(|&s| s <= 1).rev());
                let mut lower = vec![0.0; days.len()];
                for state in order {
                    let mean = percent(&series::mean_share(data, arm, chart.segment, state));
                    let upper: Vec<f64> = lower.iter().zip(&mean).map(|(l, m)| l + m).collect();
                    panel.layers.push(Layer {
                        state,
                        lower: lower.clone(),
                        upper: upper.clone(),
                    });
                    lower = upper;
                }
                panel_events.push(
                    data.timelines[arm]
                        .iter()
                        .map(|e| (e.clone(), ""))
                        .collect(),
                );
            }
        }
        panels.push(panel);
    }

    let (key, tags) = number_events(&panel_events);
    let columns = if panels.len() == 1 { 1 } else { 2 };
    let panel_width = if columns == 1 { 980 } else { 660 };
    let width = 2 * MARGIN + columns * panel_width + (columns - 1) * PANEL_GAP;

    let y_range = match chart.kind {
        Kind::Adoption => {
            let high = panels
                .iter()
                .flat_map(|p| &p.curves)
                .flat_map(|c| c.band.as_ref().map_or(&c.mean, |b| &b.1))
                .fold(0.0f64, |m, &x| m.max(x));
            let (_, high, step) = nice_range(0.0, high.max(1.0));
            (0.0, high.min(100.0), step)
        }
        Kind::Comparison => {
            let (low, high) = panels
                .iter()
                .flat_map(|p| &p.curves)
                .filter_map(|c| c.band.as_ref())
                .flat_map(|(l, h)| l.iter().chain(h))
                .fold((0.0f64, 0.0f64), |(lo, hi), &x| (lo.min(x), hi.max(x)));
            let (low, high) = if high - low < 0.1 {
                (low - 0.05, high + 0.05)
            } else {
                (low, high)
            };
            nice_range(low, high)
        }
        Kind::Stacked => (0.0, 100.0, 20.0),
    };

    let (title, subtitle, y_label, key_title) = match chart.kind {
        Kind::Adoption => (
            format!(
                "{}: share of agents in each state (segment {segment})",
                data.scenario
            ),
            format!(
                "Mean over {replicates} replicate{plural} with its 95% interval (Student t). \
                 Numbered lines are the events of each variant's timeline."
            ),
            "share of agents (%)",
            "Events: number on the chart, own date, name",
        ),
        Kind::Comparison => (
            format!(
                "{}: difference from the baseline (segment {segment})",
                data.scenario
            ),
            format!(
                "Variant minus baseline, paired by replicate ({replicates} replicate{plural}, \
                 common random numbers): mean and 95% interval. Numbered lines are the events \
                 in one timeline only."
            ),
            "difference (percentage points)",
            "Events in one timeline only: number on the chart, own date, name",
        ),
        Kind::Stacked => (
            format!(
                "{}: {}, mean share of agents, stacked (segment {segment})",
                data.scenario, data.arms[chart.arms[0]]
            ),
            format!(
                "Mean over {replicates} replicate{plural}; {} Numbered lines are the \
                 variant's events.",
                if chart.states.len() == data.states.len() {
                    "the layers add up to 100%."
                } else {
                    "only the states chosen are stacked."
                }
            ),
            "share of agents (%)",
            "Events: number on the chart, own date, name",
        ),
    };

    let steps = days.len().saturating_sub(1);
    let mut figure = Figure {
        size: (width, 0),
        title,
        subtitle,
        point: chart
            .point
            .as_deref()
            .map(|line| fit(line, 13, width - 2 * MARGIN)),
        y_label: y_label.into(),
        start,
        end: data.dates[steps],
        days,
        y_range,
        zero_line: chart.kind == Kind::Comparison,
        panels,
        panel_width,
        tag_rows: 1,
        legend: chart.states.clone(),
        key,
        key_title: key_title.into(),
        markers_every: (steps / 8).max(1),
        states: data.states.len(),
        state_names: data.states.clone(),
    };
    if chart.kind == Kind::Stacked {
        // The legend reads top to bottom as the layers do.
        figure.legend = figure.panels[0]
            .layers
            .iter()
            .rev()
            .map(|l| l.state)
            .collect();
    }

    // Stagger the tags: each goes into the lowest row where it overlaps no other.
    let mut rows_needed = 1;
    let panel_tags: Vec<Vec<Tag>> = tags
        .into_iter()
        .zip(&figure.panels)
        .map(|(tags, panel)| {
            let mut row_ends: Vec<i32> = Vec::new();
            tags.into_iter()
                .map(|(date, label)| {
                    let days = (date - start).num_days() as f64;
                    let x = figure.x_pixel(panel, days);
                    let half = text_width(&label, 11) / 2 + 2;
                    let row = match row_ends.iter().position(|&end| end + 2 <= x - half) {
                        Some(row) => row,
                        None => {
                            row_ends.push(i32::MIN);
                            row_ends.len() - 1
                        }
                    };
                    row_ends[row] = x + half;
                    rows_needed = rows_needed.max(row_ends.len() as i32);
                    Tag {
                        days,
                        label,
                        row: row as i32,
                    }
                })
                .collect()
        })
        .collect();
    for (panel, tags) in figure.panels.iter_mut().zip(panel_tags) {
        panel.tags = tags;
    }
    figure.tag_rows = rows_needed;

    // Place the panels, then the legend and the key under them.
    let panel_height = figure.panel_height();
    let title_height = figure.title_height();
    for (i, panel) in figure.panels.iter_mut().enumerate() {
        let (row, column) = ((i / columns as usize) as i32, (i % columns as usize) as i32);
        panel.origin = (
            MARGIN + column * (panel_width + PANEL_GAP),
            title_height + row * (panel_height + PANEL_GAP),
        );
    }
    let panel_rows = ceil_div(figure.panels.len() as i32, columns);
    let inner = width - 2 * MARGIN;
    let legend_rows = ceil_div(figure.legend.len() as i32, (inner / LEGEND_CELL.0).max(1));
    let key_rows = ceil_div(figure.key.len() as i32, (inner / KEY_CELL.0).max(1));
    let height = figure.title_height()
        + panel_rows * (panel_height + PANEL_GAP)
        + legend_rows * LEGEND_CELL.1
        + 12
        + if figure.key.is_empty() {
            0
        } else {
            24 + key_rows * KEY_CELL.1
        }
        + MARGIN;
    figure.size.1 = height;
    figure
}

/// Date ticks: the first of every n-th month (or every n-th day over a short horizon), few
/// enough that their labels never touch.
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

type DrawResult<DB> =
    std::result::Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn text_style(size: u32, colour: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle {
        font: font(size),
        color: colour.to_backend_color(),
        pos: Pos::new(h, v),
    }
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

fn draw_figure<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    figure: &Figure,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let black = RGBColor(0, 0, 0);
    let grey = RGBColor(0x66, 0x66, 0x66);
    root.draw(&Text::new(
        figure.title.clone(),
        (MARGIN, 12),
        text_style(20, black, HPos::Left, VPos::Top),
    ))?;
    root.draw(&Text::new(
        figure.subtitle.clone(),
        (MARGIN, 38),
        text_style(13, grey, HPos::Left, VPos::Top),
    ))?;
    if let Some(point) = &figure.point {
        root.draw(&Text::new(
            point.clone(),
            (MARGIN, 38 + POINT_LINE),
            text_style(13, black, HPos::Left, VPos::Top),
        ))?;
    }
    for panel in &figure.panels {
        draw_panel(root, figure, panel)?;
    }
    draw_legend(root, figure)?;
    draw_key(root, figure)
}

fn draw_panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    figure: &Figure,
    panel: &Panel,
) -> DrawResult<DB> {
    let black = RGBColor(0, 0, 0);
    let (left, top, right, bottom) = figure.plot_area(panel);
    root.draw(&Text::new(
        panel.caption.clone(),
        (panel.origin.0 + Y_LABEL_WIDTH, panel.origin.1 + 2),
        text_style(16, black, HPos::Left, VPos::Top),
    ))?;
    let span = figure.days.last().copied().unwrap_or(1.0).max(1.0);
    let (y_low, y_high, y_step) = figure.y_range;
    let area = root
        .clone()
        .shrink((left, top), ((right - left) as u32, (bottom - top) as u32));
    let chart = ChartBuilder::on(&area).build_cartesian_2d(0f64..span, y_low..y_high)?;
    // Grid, ticks and labels are drawn by hand, outside the plot, where the tags leave room.
    let decimals = if y_step >= 1.0 {
        0
    } else if y_step >= 0.1 {
        1
    } else {
        2
    };
    let ticks = ((y_high - y_low) / y_step).round() as i32;
    for i in 0..=ticks {
        let y = y_low + y_step * f64::from(i);
        let (_, py) = chart.backend_coord(&(0.0, y));
        let label = format!("{:.*}", decimals, if y.abs() < 1e-9 { 0.0 } else { y });
        root.draw(&Text::new(
            label,
            (left - 6, py),
            text_style(12, black, HPos::Right, VPos::Center),
        ))?;
        root.draw(&PathElement::new(
            vec![(left, py), (right, py)],
            RGBColor(0xe4, 0xe4, 0xe4).stroke_width(1),
        ))?;
    }
    // The y-axis description, rotated along the axis.
    root.draw(&Text::new(
        figure.y_label.clone(),
        (panel.origin.0 + 4, (top + bottom) / 2),
        TextStyle {
            font: font(12).transform(FontTransform::Rotate270),
            color: black.to_backend_color(),
            pos: Pos::new(HPos::Center, VPos::Top),
        },
    ))?;
    for (date, label) in date_ticks(figure.start, figure.end, right - left) {
        let days = (date - figure.start).num_days() as f64;
        let (px, _) = chart.backend_coord(&(days, y_low));
        root.draw(&PathElement::new(
            vec![(px, top), (px, bottom)],
            RGBColor(0xf0, 0xf0, 0xf0).stroke_width(1),
        ))?;
        root.draw(&PathElement::new(
            vec![(px, bottom), (px, bottom + 4)],
            black.stroke_width(1),
        ))?;
        root.draw(&Text::new(
            label,
            (px, bottom + 7),
            text_style(12, black, HPos::Center, VPos::Top),
        ))?;
    }
    if figure.zero_line {
        let (_, py) = chart.backend_coord(&(0.0, 0.0));
        root.draw(&PathElement::new(
            vec![(left, py), (right, py)],
            black.stroke_width(1),
        ))?;
    }

    let to_pixels = |values: &[f64]| -> Vec<(i32, i32)> {
        figure
            .days
            .iter()
            .zip(values)
            .map(|(&d, &v)| chart.backend_coord(&(d, v.clamp(y_low, y_high))))
            .collect()
    };
    for layer in &panel.layers {
        let look = style::look(layer.state);
        let mut outline = to_pixels(&layer.upper);
        let mut below = to_pixels(&layer.lower);
        below.reverse();
        let upper_edge = outline.clone();
        outline.extend(below);
        root.draw(&Polygon::new(outline, look.colour.mix(0.9).filled()))?;
        root.draw(&PathElement::new(upper_edge, black.stroke_width(1)))?;
    }
    // Event lines under the curves but over the stacked areas, which would hide them.
    draw_events(root, figure, panel)?;
    for layer in &panel.layers {
        label_layer(root, figure, panel, layer, &to_pixels)?;
    }
    for curve in &panel.curves {
        if let Some((low, high)) = &curve.band {
            let look = style::look(curve.state);
            let mut outline = to_pixels(high);
            let mut below = to_pixels(low);
            below.reverse();
            outline.extend(below);
            root.draw(&Polygon::new(outline, look.colour.mix(0.18).filled()))?;
        }
    }
    for curve in &panel.curves {
        let look = style::look(curve.state);
        let points = to_pixels(&curve.mean);
        pixel_line(root, points.clone(), &look, 2)?;
        // Markers at intervals, shifted per state so that they do not pile up.
        let every = figure.markers_every;
        let shift = curve.state * every / figure.states.max(1);
        for point in points.iter().skip(shift).step_by(every) {
            marker(root, *point, &look)?;
        }
    }
    // The frame, over the data.
    root.draw(&Rectangle::new(
        [(left, top), (right, bottom)],
        RGBColor(0x44, 0x44, 0x44).stroke_width(1),
    ))?;
    Ok(())
}

/// The numbered event lines of a panel, their numbers staggered in rows above the plot.
fn draw_events<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    figure: &Figure,
    panel: &Panel,
) -> DrawResult<DB> {
    let (_, top, _, bottom) = figure.plot_area(panel);
    let event_colour = if panel.layers.is_empty() {
        RGBColor(0xc4, 0xc4, 0xc4)
    } else {
        // Over coloured areas a light line would vanish.
        RGBColor(0x50, 0x50, 0x50)
    };
    for tag in &panel.tags {
        let x = figure.x_pixel(panel, tag.days);
        let tag_y = top - 6 - tag.row * TAG_ROW;
        root.draw(&PathElement::new(
            vec![(x, bottom), (x, tag_y)],
            event_colour.stroke_width(1),
        ))?;
    }
    for tag in &panel.tags {
        let x = figure.x_pixel(panel, tag.days);
        let tag_y = top - 6 - tag.row * TAG_ROW;
        let half = text_width(&tag.label, 11) / 2 + 1;
        root.draw(&Rectangle::new(
            [(x - half, tag_y - 12), (x + half, tag_y)],
            WHITE.filled(),
        ))?;
        root.draw(&Text::new(
            tag.label.clone(),
            (x, tag_y),
            text_style(11, RGBColor(0x33, 0x33, 0x33), HPos::Center, VPos::Bottom),
        ))?;
    }

    Ok(())
}

/// Maps a curve's values, one per step, to pixels.
type ToPixels<'a> = &'a dyn Fn(&[f64]) -> Vec<(i32, i32)>;

/// Names a stacked layer inside it, where it is thickest, when the name fits there.
fn label_layer<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    figure: &Figure,
    panel: &Panel,
    layer: &Layer,
    to_pixels: ToPixels,
) -> DrawResult<DB> {
    let (left, _, right, _) = figure.plot_area(panel);
    let upper = to_pixels(&layer.upper);
    let lower = to_pixels(&layer.lower);
    let Some((i, thickness)) = upper
        .iter()
        .zip(&lower)
        .map(|(u, l)| l.1 - u.1)
        .enumerate()
        .max_by_key(|&(i, t)| (t, std::cmp::Reverse(i)))
    else {
        return Ok(());
    };
    let name = &figure_state_name(figure, layer.state);
    let width = text_width(name, 12);
    if thickness < 16 || width > right - left {
        return Ok(());
    }
    let x = upper[i]
        .0
        .clamp(left + width / 2 + 4, right - width / 2 - 4);
    let y = (upper[i].1 + lower[i].1) / 2;
    let colour = style::look(layer.state).colour;
    root.draw(&Text::new(
        name.clone(),
        (x, y),
        text_style(12, style::text_on(colour), HPos::Center, VPos::Center),
    ))
}

fn figure_state_name(figure: &Figure, state: usize) -> String {
    figure.state_names.get(state).cloned().unwrap_or_default()
}

fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    figure: &Figure,
) -> DrawResult<DB> {
    let columns = ((figure.size.0 - 2 * MARGIN) / LEGEND_CELL.0).max(1);
    let top = legend_top(figure);
    for (i, &state) in figure.legend.iter().enumerate() {
        let (row, column) = (i as i32 / columns, i as i32 % columns);
        let x = MARGIN + column * LEGEND_CELL.0;
        let y = top + row * LEGEND_CELL.1 + LEGEND_CELL.1 / 2;
        let look = style::look(state);
        if figure.panels.iter().any(|p| !p.layers.is_empty()) {
            root.draw(&Rectangle::new(
                [(x, y - 7), (x + 36, y + 7)],
                look.colour.filled(),
            ))?;
            root.draw(&Rectangle::new(
                [(x, y - 7), (x + 36, y + 7)],
                RGBColor(0, 0, 0).stroke_width(1),
            ))?;
        } else {
            pixel_line(root, vec![(x, y), (x + 36, y)], &look, 2)?;
            marker(root, (x + 18, y), &look)?;
        }
        root.draw(&Text::new(
            figure_state_name(figure, state),
            (x + 44, y),
            text_style(13, RGBColor(0, 0, 0), HPos::Left, VPos::Center),
        ))?;
    }
    Ok(())
}

fn legend_top(figure: &Figure) -> i32 {
    let rows = ceil_div(
        figure.panels.len() as i32,
        if figure.panels.len() == 1 { 1 } else { 2 },
    );
    figure.title_height() + rows * (figure.panel_height() + PANEL_GAP)
}

fn draw_key<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, figure: &Figure) -> DrawResult<DB> {
    if figure.key.is_empty() {
        return Ok(());
    }
    let columns = ((figure.size.0 - 2 * MARGIN) / KEY_CELL.0).max(1);
    let legend_rows = ceil_div(
        figure.legend.len() as i32,
        ((figure.size.0 - 2 * MARGIN) / LEGEND_CELL.0).max(1),
    );
    let top = legend_top(figure) + legend_rows * LEGEND_CELL.1 + 12;
    let black = RGBColor(0, 0, 0);
    root.draw(&Text::new(
        figure.key_title.clone(),
        (MARGIN, top),
        text_style(13, black, HPos::Left, VPos::Top),
    ))?;
    // Column-major, so that the key reads down in date order.
    let rows = ceil_div(figure.key.len() as i32, columns);
    for (i, entry) in figure.key.iter().enumerate() {
        let (column, row) = (i as i32 / rows, i as i32 % rows);
        let x = MARGIN + column * KEY_CELL.0;
        let y = top + 22 + row * KEY_CELL.1;
        root.draw(&Text::new(
            format!("{}", entry.number),
            (x + 22, y),
            text_style(12, black, HPos::Right, VPos::Top),
        ))?;
        root.draw(&Text::new(
            format!("{}  {}", entry.date, entry.text),
            (x + 30, y),
            text_style(12, black, HPos::Left, VPos::Top),
        ))?;
    }
    Ok(())
}

fn failed(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::io(
        format!("drawing {}", path.display()),
        std::io::Error::other(e.to_string()),
    )
}

/// Plans and draws a chart into `path`.
pub(super) fn render(data: &RunData, chart: &Chart, path: &Path, format: Format) -> Result<()> {
    register_font();
    let figure = plan(data, chart);
    let size = (figure.size.0 as u32, figure.size.1 as u32);
    match format {
        Format::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
                draw_figure(&root, &figure).map_err(|e| failed(path, e))?;
                root.present().map_err(|e| failed(path, e))?;
            }
            crate::output::write_file_atomically(path, svg.as_bytes())
        }
        Format::Png => {
            // Drawn beside the target and renamed into place; the name keeps the .png
            // extension, from which the encoder takes the format.
            let stem = path
                .file_stem()
                .map_or("chart".into(), |s| s.to_string_lossy());
            let temporary = path.with_file_name(format!(".{stem}.tmp-{}.png", std::process::id()));
            let drawn = (|| {
                let root = BitMapBackend::new(&temporary, size).into_drawing_area();
                draw_figure(&root, &figure).map_err(|e| failed(path, e))?;
                root.present().map_err(|e| failed(path, e))
            })();
            let placed = drawn.and_then(|()| {
                std::fs::rename(&temporary, path)
                    .map_err(|e| Error::io(format!("writing {}", path.display()), e))
            });
            if placed.is_err() {
                let _ = std::fs::remove_file(&temporary);
            }
            placed
        }
    }
}
