//! The ranked chart of a sensitivity analysis (`plot --kind sensitivity`): one bar per
//! parameter, the most influential on top, for one series of `sensitivity.csv` (a variant, a
//! segment, a metric and its state). Sobol: the total index as the bar and the first-order
//! index as a dot; Morris: mu* as the bar and sigma as a dot; each with its bootstrap
//! interval as a line. The series' noise floor is a dashed vertical line, and a parameter
//! whose index is below it is marked and drawn pale.
//!
//! It shares the time charts' text, fonts and file writing but not their panels, so the
//! three steps live here: [`RankedChart::resolve`] picks the series from the file's rows and
//! ranks it (no statistic is computed: the indices are the file's), [`layout`] places every
//! part in pixels (pure), and [`Placed`] paints them on a plotters backend.

use super::draw::{DrawResult, corners, text};
use super::file::Paint;
use super::layout::{HPos, Label, Rect, VPos, size};
use super::plan::nice_range;
use super::refuse;
use super::text::{fit, text_width};
use crate::error::Result;
use crate::sensitivity::NamedIndexRow;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

/// The most bars drawn; the others (lower ranked) are counted in a note.
pub const MAX_BARS: usize = 30;

const WIDTH: i32 = 960;
const MARGIN: i32 = 18;
const NAME_WIDTH: i32 = 330;
const ROW: i32 = 22;
const BAR: i32 = 12;
const HEADER: i32 = 112;

/// The method whose indices a chart draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Sobol,
    Morris,
}

/// One parameter's bar: its main index (total, or mu*) and the second index drawn as a dot
/// (first-order, or sigma), each with its interval when the file has one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Bar {
    pub(crate) parameter: String,
    pub(crate) value: f64,
    pub(crate) interval: Option<(f64, f64)>,
    pub(crate) second: Option<(f64, Option<(f64, f64)>)>,
    pub(crate) below_noise: bool,
}

/// A ranked chart, resolved against the rows of a `sensitivity.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedChart {
    title: String,
    subtitle: String,
    legend: String,
    x_label: String,
    /// The parameters drawn, most influential first.
    bars: Vec<Bar>,
    /// The series' noise floor, in the main index's units, when it could be estimated.
    noise: Option<f64>,
    /// The parameters ranked below the last bar drawn.
    left_out: usize,
}

/// The distinct values of a column, in the order of their first row.
pub(super) fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for value in values {
        if !out.contains(&value) {
            out.push(value);
        }
    }
    out
}

/// `asked` when it is one of `known`, else a refusal naming `flag` and the names `source`
/// (where they come from) has; the first known when nothing is asked.
pub(super) fn choose<'a>(
    asked: Option<&str>,
    known: &[&'a str],
    flag: &str,
    source: &str,
) -> Result<&'a str> {
    match asked {
        None => known
            .first()
            .copied()
            .ok_or_else(|| refuse(flag, format!("{source} holds nothing to draw"))),
        Some(name) => known.iter().copied().find(|k| *k == name).ok_or_else(|| {
            refuse(
                flag,
                format!("'{name}' is not in {source} (it has: {})", known.join(", ")),
            )
        }),
    }
}

/// The state to draw among `states`, those of `metric`'s rows: none for a metric not of a
/// state (refusing a state asked for it), else [`choose`]'s.
pub(super) fn choose_state<'a>(
    asked: Option<&str>,
    states: &[&'a str],
    metric: &str,
    source: &str,
) -> Result<Option<&'a str>> {
    match (asked, states.is_empty()) {
        (Some(name), true) => Err(refuse(
            "--states",
            format!("'{name}': the metric {metric} is not of a state"),
        )),
        (None, true) => Ok(None),
        (asked, false) => choose(asked, states, "--states", source).map(Some),
    }
}

/// Where [`RankedChart::resolve`] reads its names, for its refusals.
const SOURCE: &str = "sensitivity.csv";

impl RankedChart {
    /// Picks one series of `rows` (sensitivity.csv's): `variant` (default: the first variant
    /// other than the baseline, else the baseline), `metric` (default: the first analysed),
    /// `segment` and `state` (default: the metric's first state), each refused, naming its
    /// flag and what the file has, when the file does not hold it; then ranks its parameters
    /// by total index (Sobol) or mu* (Morris).
    pub fn resolve(
        rows: &[NamedIndexRow],
        variant: Option<&str>,
        metric: Option<&str>,
        segment: &str,
        state: Option<&str>,
    ) -> Result<RankedChart> {
        let variants = distinct(rows.iter().map(|r| r.variant.as_str()));
        let default_variant = variants
            .iter()
            .copied()
            .find(|v| *v != "baseline")
            .or(variants.first().copied());
        let variant = choose(variant.or(default_variant), &variants, "--variant", SOURCE)?;
        let rows: Vec<&NamedIndexRow> = rows.iter().filter(|r| r.variant == variant).collect();
        let segment = choose(
            Some(segment),
            &distinct(rows.iter().map(|r| r.segment.as_str())),
            "--segment",
            SOURCE,
        )?;
        let rows: Vec<&NamedIndexRow> = rows.into_iter().filter(|r| r.segment == segment).collect();
        let metric = choose(
            metric,
            &distinct(rows.iter().map(|r| r.metric.as_str())),
            "--metric",
            SOURCE,
        )?;
        let rows: Vec<&NamedIndexRow> = rows.into_iter().filter(|r| r.metric == metric).collect();
        let states = distinct(rows.iter().filter_map(|r| r.state.as_deref()));
        let state = choose_state(state, &states, metric, SOURCE)?;
        let series: Vec<&NamedIndexRow> = rows
            .into_iter()
            .filter(|r| r.state.as_deref() == state)
            .collect();
        let has = |index: &str| series.iter().any(|r| r.index == index);
        let method = if has("total") {
            Method::Sobol
        } else if has("mu_star") {
            Method::Morris
        } else {
            return Err(refuse(
                "--kind sensitivity",
                format!("sensitivity.csv has no index of {variant}, {segment}, {metric}"),
            ));
        };
        let (main, second, noise_index) = match method {
            Method::Sobol => ("total", "first_order", "noise_share"),
            Method::Morris => ("mu_star", "sigma", "noise_mu_star"),
        };
        let find = |parameter: &str, index: &str| {
            series
                .iter()
                .find(|r| r.parameter.as_deref() == Some(parameter) && r.index == index)
        };
        let mut bars: Vec<Bar> = distinct(series.iter().filter_map(|r| r.parameter.as_deref()))
            .into_iter()
            .filter_map(|parameter| {
                let row = find(parameter, main)?;
                Some(Bar {
                    parameter: parameter.to_owned(),
                    value: row.value.unwrap_or(f64::NAN),
                    interval: row.interval,
                    second: find(parameter, second).and_then(|r| r.value.map(|v| (v, r.interval))),
                    below_noise: row.below_noise == Some(true),
                })
            })
            .collect();
        // Unknown values rank last; ties keep the file's order.
        bars.sort_by(|a, b| {
            let key = |x: f64| if x.is_nan() { f64::NEG_INFINITY } else { x };
            key(b.value).total_cmp(&key(a.value))
        });
        let left_out = bars.len().saturating_sub(MAX_BARS);
        bars.truncate(MAX_BARS);
        let noise = series
            .iter()
            .find(|r| r.index == noise_index)
            .and_then(|r| r.value);
        let date = series.first().and_then(|r| r.date.clone());
        let what = match state {
            Some(state) => format!("{metric} of {state}"),
            None => metric.to_owned(),
        };
        let title = format!(
            "Which parameter drives {what}{}",
            date.map_or(String::new(), |d| format!(" at {d}"))
        );
        let subtitle = format!(
            "{}, segment {segment}; {} sensitivity over the declared [uncertainty]",
            if variant == "baseline" {
                "baseline: its value at each point".to_owned()
            } else {
                format!("{variant}: its paired effect (variant - baseline) at each point")
            },
            match method {
                Method::Sobol => "Sobol",
                Method::Morris => "Morris",
            }
        );
        let floor = noise.map_or("no noise floor could be estimated".to_owned(), |n| {
            format!("dashed line: the noise floor, {}", short(n))
        });
        let legend = match method {
            Method::Sobol => format!(
                "Bar: total index; dot: first-order index; lines: 95% bootstrap intervals over \
                 the base samples; {floor} (the share of the variance replicate noise can \
                 explain); * and pale: below it"
            ),
            Method::Morris => format!(
                "Bar: mu* (mean absolute elementary effect); dot: sigma; lines: 95% bootstrap \
                 intervals over the trajectories; {floor} (the mu* replicate noise alone \
                 gives); * and pale: below it"
            ),
        };
        let x_label = match method {
            Method::Sobol => "index (share of the variance across the points)".to_owned(),
            Method::Morris => format!("mu* and sigma, in the units of {metric}"),
        };
        Ok(RankedChart {
            title,
            subtitle,
            legend,
            x_label,
            bars,
            noise,
            left_out,
        })
    }
}

/// A number to three decimals, or three significant digits when smaller.
fn short(x: f64) -> String {
    if x != 0.0 && x.abs() < 0.01 {
        format!("{x:.2e}")
    } else {
        format!("{x:.3}")
    }
}

/// The chart's x range: from 0 (or the lowest value, when below) to a round number above
/// every value, interval and the noise floor; with the tick step.
fn x_range(chart: &RankedChart) -> (f64, f64, f64) {
    let values = chart.bars.iter().flat_map(|b| {
        let mut v = vec![b.value];
        v.extend(b.interval.iter().flat_map(|&(l, h)| [l, h]));
        if let Some((s, i)) = b.second {
            v.push(s);
            v.extend(i.iter().flat_map(|&(l, h)| [l, h]));
        }
        v
    });
    axis(values.chain(chart.noise))
}

/// An axis over `values` and 0: from a round number at or below the lowest finite one to a
/// round number at or above the highest, with a tick step of 1, 2 or 5 times a power of ten
/// that gives about five ticks.
pub(super) fn axis(values: impl Iterator<Item = f64>) -> (f64, f64, f64) {
    let (low, high) = values
        .filter(|x| x.is_finite())
        .fold((0.0, 0.0), |(low, high): (f64, f64), x| {
            (low.min(x), high.max(x))
        });
    nice_range(low, if high > low { high } else { low + 1.0 })
}

/// A line in pixels: its points, colour, width, and whether dashed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Stroke {
    pub(crate) points: Vec<(i32, i32)>,
    pub(crate) colour: RGBColor,
    pub(crate) width: u32,
    pub(crate) dashed: bool,
}

/// The chart, every part placed in pixels.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Placed {
    pub(crate) size: (u32, u32),
    pub(crate) plot: Rect,
    pub(crate) labels: Vec<Label>,
    /// Filled rectangles: the bars.
    pub(crate) boxes: Vec<(Rect, RGBColor)>,
    pub(crate) strokes: Vec<Stroke>,
    /// Dots: the second index.
    pub(crate) dots: Vec<((i32, i32), RGBColor)>,
}

const INK: RGBColor = RGBColor(0, 0, 0);
const BAR_COLOUR: RGBColor = RGBColor(0x00, 0x77, 0xBB);
const PALE: RGBColor = RGBColor(0xBB, 0xCC, 0xDD);
const DOT: RGBColor = RGBColor(0xEE, 0x77, 0x33);
const NOISE: RGBColor = RGBColor(0xCC, 0x33, 0x11);
const GRID: RGBColor = RGBColor(0xE4, 0xE4, 0xE4);

fn label(text: impl Into<String>, at: (i32, i32), size: super::text::TextSize, h: HPos) -> Label {
    Label {
        text: text.into(),
        at,
        size,
        anchor: (h, VPos::Center),
    }
}

/// The x position of `value` in `plot`, whose axis runs from `low` to `high`.
fn x_of(plot: Rect, low: f64, high: f64, value: f64) -> i32 {
    let value = value.clamp(low, high);
    plot.left + ((value - low) / (high - low) * f64::from(plot.right - plot.left)).round() as i32
}

/// What a chart of rows over one x axis (this one and the effects chart) places around its
/// rows: the title, the subtitle and the legend (wrapped on at most `legend_lines` lines) above
/// `plot`, and the axis's grid, ticks and label over and below it. Returns the value-to-pixel
/// mapping with those labels and strokes.
pub(super) fn frame(
    plot: Rect,
    (low, high, step): (f64, f64, f64),
    [title, subtitle, legend]: [&str; 3],
    legend_lines: usize,
    x_label: &str,
) -> (impl Fn(f64) -> i32, Vec<Label>, Vec<Stroke>) {
    let text_width_of = WIDTH - 2 * MARGIN;
    let mut labels = vec![
        Label {
            text: fit(title, size::TITLE, text_width_of),
            at: (MARGIN, MARGIN),
            size: size::TITLE,
            anchor: (HPos::Left, VPos::Top),
        },
        Label {
            text: fit(subtitle, size::NOTE, text_width_of),
            at: (MARGIN, MARGIN + 30),
            size: size::NOTE,
            anchor: (HPos::Left, VPos::Top),
        },
    ];
    let mut lines = vec![String::new()];
    for word in legend.split_whitespace() {
        let line = lines.last_mut().expect("a line");
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if text_width(&candidate, size::LABEL) > text_width_of && !line.is_empty() {
            lines.push(word.to_owned());
        } else {
            *line = candidate;
        }
    }
    for (i, line) in lines.iter().take(legend_lines).enumerate() {
        labels.push(Label {
            text: fit(line, size::LABEL, text_width_of),
            at: (MARGIN, MARGIN + 54 + 17 * i as i32),
            size: size::LABEL,
            anchor: (HPos::Left, VPos::Top),
        });
    }
    let mut strokes = Vec::new();
    // As many decimals as the step has, so that 0.1 + 0.2 prints as 0.3.
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    let mut tick = low;
    while tick <= high + step / 2.0 {
        let at = x_of(plot, low, high, tick);
        strokes.push(Stroke {
            points: vec![(at, plot.top), (at, plot.bottom)],
            colour: GRID,
            width: 1,
            dashed: false,
        });
        labels.push(Label {
            text: format!("{:.*}", decimals, (tick / step).round() * step),
            at: (at, plot.bottom + 6),
            size: size::LABEL,
            anchor: (HPos::Center, VPos::Top),
        });
        tick += step;
    }
    labels.push(Label {
        text: x_label.to_owned(),
        at: ((plot.left + plot.right) / 2, plot.bottom + 26),
        size: size::LABEL,
        anchor: (HPos::Center, VPos::Top),
    });
    (move |value| x_of(plot, low, high, value), labels, strokes)
}

/// Places every part of `chart`.
pub(crate) fn layout(chart: &RankedChart) -> Placed {
    let rows = chart.bars.len().max(1) as i32;
    let plot = Rect {
        left: MARGIN + NAME_WIDTH,
        top: HEADER,
        right: WIDTH - MARGIN - 12,
        bottom: HEADER + rows * ROW,
    };
    let range = x_range(chart);
    let low = range.0;
    let mut boxes = Vec::new();
    let mut dots = Vec::new();
    let (x, mut labels, mut strokes) = frame(
        plot,
        range,
        [&chart.title, &chart.subtitle, &chart.legend],
        2,
        &chart.x_label,
    );
    for (i, bar) in chart.bars.iter().enumerate() {
        let middle = plot.top + i as i32 * ROW + ROW / 2;
        let name = if bar.below_noise {
            format!("* {}", bar.parameter)
        } else {
            bar.parameter.clone()
        };
        labels.push(label(
            fit(&name, size::LABEL, NAME_WIDTH - 8),
            (plot.left - 8, middle),
            size::LABEL,
            HPos::Right,
        ));
        if bar.value.is_finite() {
            let (from, to) = (x(0.0_f64.max(low)), x(bar.value));
            boxes.push((
                Rect {
                    left: from.min(to),
                    top: middle - BAR / 2,
                    right: from.max(to).max(from.min(to) + 1),
                    bottom: middle + BAR / 2,
                },
                if bar.below_noise { PALE } else { BAR_COLOUR },
            ));
        }
        if let Some((l, h)) = bar.interval.filter(|(l, h)| l.is_finite() && h.is_finite()) {
            strokes.push(Stroke {
                points: vec![(x(l), middle), (x(h), middle)],
                colour: INK,
                width: 1,
                dashed: false,
            });
        }
        if let Some((value, interval)) = bar.second.filter(|(v, _)| v.is_finite()) {
            if let Some((l, h)) = interval.filter(|(l, h)| l.is_finite() && h.is_finite()) {
                strokes.push(Stroke {
                    points: vec![(x(l), middle + 4), (x(h), middle + 4)],
                    colour: DOT,
                    width: 1,
                    dashed: false,
                });
            }
            dots.push(((x(value), middle + 4), DOT));
        }
    }
    if let Some(noise) = chart.noise.filter(|n| n.is_finite()) {
        let at = x(noise);
        strokes.push(Stroke {
            points: vec![(at, plot.top - 4), (at, plot.bottom)],
            colour: NOISE,
            width: 2,
            dashed: true,
        });
        labels.push(Label {
            text: format!("noise {}", short(noise)),
            at: (at + 4, plot.top - 6),
            size: size::LABEL,
            anchor: (HPos::Left, VPos::Bottom),
        });
    }
    let mut bottom = plot.bottom + 48;
    if chart.left_out > 0 {
        labels.push(Label {
            text: format!(
                "{} more parameter{} ranked lower, not drawn (sensitivity.csv has every one)",
                chart.left_out,
                if chart.left_out == 1 { "" } else { "s" }
            ),
            at: (MARGIN, bottom),
            size: size::LABEL,
            anchor: (HPos::Left, VPos::Top),
        });
        bottom += 20;
    }
    Placed {
        size: (WIDTH as u32, (bottom + MARGIN) as u32),
        plot,
        labels,
        boxes,
        strokes,
        dots,
    }
}

impl Paint for Placed {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        for stroke in &self.strokes {
            let style = stroke.colour.stroke_width(stroke.width);
            if stroke.dashed {
                root.draw(&DashedPathElement::new(stroke.points.clone(), 6, 4, style))?;
            } else {
                root.draw(&PathElement::new(stroke.points.clone(), style))?;
            }
        }
        for (rect, colour) in &self.boxes {
            root.draw(&Rectangle::new(corners(*rect), colour.filled()))?;
        }
        // Intervals over the bars, so that they show inside them.
        for stroke in self.strokes.iter().filter(|s| s.colour == INK) {
            root.draw(&PathElement::new(
                stroke.points.clone(),
                stroke.colour.stroke_width(stroke.width),
            ))?;
        }
        for (at, colour) in &self.dots {
            root.draw(&Circle::new(*at, 4, colour.filled()))?;
        }
        root.draw(&Rectangle::new(
            corners(self.plot),
            RGBColor(0x44, 0x44, 0x44).stroke_width(1),
        ))?;
        for label in &self.labels {
            text(root, label, INK)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(variant: &str, parameter: Option<&str>, index: &str, value: f64) -> NamedIndexRow {
        NamedIndexRow {
            variant: variant.into(),
            segment: "all".into(),
            metric: "foreign_share".into(),
            state: None,
            date: Some("2024-03-25".into()),
            parameter: parameter.map(str::to_owned),
            index: index.into(),
            value: Some(value),
            interval: parameter.map(|_| (value * 0.5, value * 1.5)),
            below_noise: parameter.map(|_| value < 0.05),
        }
    }

    /// A Sobol series of three parameters (b drives it, c is below the noise) for the
    /// baseline and for a variant.
    fn sobol() -> Vec<NamedIndexRow> {
        let mut rows = Vec::new();
        for variant in ["baseline", "no-block"] {
            rows.push(row(variant, None, "noise_share", 0.05));
            for (p, first, total) in [("a", 0.2, 0.3), ("b", 0.5, 0.6), ("c", 0.0, 0.01)] {
                rows.push(row(variant, Some(p), "first_order", first));
                rows.push(row(variant, Some(p), "total", total));
            }
        }
        rows
    }

    #[test]
    fn bars_are_ranked_by_total_with_the_noise_marked() {
        let chart = RankedChart::resolve(&sobol(), None, None, "all", None).expect("resolves");
        // The variant's effect by default.
        assert!(chart.subtitle.starts_with("no-block"), "{}", chart.subtitle);
        let order: Vec<(&str, bool)> = chart
            .bars
            .iter()
            .map(|b| (b.parameter.as_str(), b.below_noise))
            .collect();
        assert_eq!(order, [("b", false), ("a", false), ("c", true)]);
        assert_eq!(chart.bars[0].second.map(|s| s.0), Some(0.5));
        assert_eq!(chart.noise, Some(0.05));

        let placed = layout(&chart);
        // Longer bars for larger indices, a pale bar below the noise, and the noise line
        // between the last bar's end and the others'.
        let widths: Vec<i32> = placed.boxes.iter().map(|(r, _)| r.right - r.left).collect();
        assert!(widths[0] > widths[1] && widths[1] > widths[2], "{widths:?}");
        assert_eq!(placed.boxes[2].1, PALE);
        let noise = placed
            .strokes
            .iter()
            .find(|s| s.dashed)
            .expect("a noise line");
        assert!(noise.points[0].0 > placed.boxes[2].0.right);
        assert!(noise.points[0].0 < placed.boxes[1].0.right);
        assert!(placed.labels.iter().any(|l| l.text == "* c"));
        // The highest interval end is 0.9: ticks by 0.2 to 1, each with one decimal (3 x 0.2
        // is 0.6000000000000001 in floating point).
        let ticks: Vec<&str> = placed
            .labels
            .iter()
            .filter(|l| l.anchor == (HPos::Center, VPos::Top) && l.text.len() <= 4)
            .map(|l| l.text.as_str())
            .collect();
        assert_eq!(ticks, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
    }

    #[test]
    fn unknown_names_are_refused_naming_the_flag_and_what_the_file_has() {
        let rows = sobol();
        let message = |r: Result<RankedChart>| r.err().map(|e| e.to_string()).unwrap_or_default();
        let m = message(RankedChart::resolve(&rows, Some("x"), None, "all", None));
        assert!(
            m.contains("--variant") && m.contains("baseline, no-block"),
            "{m}"
        );
        let m = message(RankedChart::resolve(&rows, None, Some("peak"), "all", None));
        assert!(m.contains("--metric") && m.contains("foreign_share"), "{m}");
        let m = message(RankedChart::resolve(&rows, None, None, "indie", None));
        assert!(m.contains("--segment"), "{m}");
        let m = message(RankedChart::resolve(&rows, None, None, "all", Some("qwen")));
        assert!(m.contains("--states"), "{m}");
    }

    #[test]
    fn morris_ranks_by_mu_star_and_counts_what_is_left_out() {
        let mut rows = vec![row("baseline", None, "noise_mu_star", 0.001)];
        for p in 0..MAX_BARS + 2 {
            let name = format!("p{p}");
            rows.push(row("baseline", Some(&name), "mu", 0.0));
            rows.push(row("baseline", Some(&name), "mu_star", p as f64 / 100.0));
            rows.push(row("baseline", Some(&name), "sigma", 0.01));
        }
        let chart = RankedChart::resolve(&rows, None, None, "all", None).expect("resolves");
        assert_eq!(chart.bars.len(), MAX_BARS);
        assert_eq!(chart.left_out, 2);
        assert_eq!(chart.bars[0].parameter, format!("p{}", MAX_BARS + 1));
        assert!(chart.legend.contains("mu*"), "{}", chart.legend);
    }
}
