//! The chart of a calibration folder (`plot --kind calibration`): each target's observed
//! value with its tolerated uncertainty against its prior and posterior predictive intervals,
//! one row per target (fitted and held-out marked), and each parameter's posterior interval
//! against its prior's, on the prior's 5-95% range.
//!
//! It shares the time charts' text, fonts and file writing but not their panels: the rows
//! come from `targets.csv` and `parameters.csv` as written (no statistic is computed here),
//! [`layout`] places every part in pixels (pure), and [`Placed`] paints them.

use super::draw::{DrawResult, corners, text};
use super::file::Paint;
use super::layout::{HPos, Label, Rect, VPos, size};
use super::plan::nice_range;
use super::text::{fit, text_width};
use crate::output::{ParameterRow, TargetRow};
use plotters::coord::Shift;
use plotters::prelude::*;

const WIDTH: i32 = 1040;
const MARGIN: i32 = 18;
const NAME_WIDTH: i32 = 270;
const NOTE_WIDTH: i32 = 250;
const ROW: i32 = 26;
/// The thickness of an interval's bar.
const BAR: i32 = 6;
/// How many tolerated sds the observation's line spans on each side.
const OBSERVED_SDS: f64 = 2.0;

const INK: RGBColor = RGBColor(0, 0, 0);
const PRIOR: RGBColor = RGBColor(0xAA, 0xAA, 0xAA);
const POSTERIOR: RGBColor = RGBColor(0x00, 0x77, 0xBB);
const HELD_OUT: RGBColor = RGBColor(0xCC, 0x33, 0x11);
const GRID: RGBColor = RGBColor(0xE4, 0xE4, 0xE4);
const FRAME: RGBColor = RGBColor(0x44, 0x44, 0x44);

/// A calibration chart: the rows of a calibration folder and the scenario's name.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationChart {
    /// What the folder calibrated, for the title.
    pub scenario: String,
    /// `targets.csv`'s rows, in file order.
    pub targets: Vec<TargetRow>,
    /// `parameters.csv`'s rows, in file order.
    pub parameters: Vec<ParameterRow>,
}

/// A line in pixels.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Stroke {
    pub(crate) points: Vec<(i32, i32)>,
    pub(crate) colour: RGBColor,
    pub(crate) width: u32,
}

/// The chart, every part placed in pixels.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Placed {
    pub(crate) size: (u32, u32),
    /// The two panels' frames: targets, then parameters.
    pub(crate) frames: Vec<Rect>,
    pub(crate) labels: Vec<(Label, RGBColor)>,
    /// Filled rectangles: the intervals.
    pub(crate) boxes: Vec<(Rect, RGBColor)>,
    pub(crate) strokes: Vec<Stroke>,
    /// Dots: the means and the observed values.
    pub(crate) dots: Vec<((i32, i32), RGBColor)>,
}

/// A number short enough for a label: three decimals, or three significant digits when
/// smaller than 0.01, or none from 100.
fn short(x: f64) -> String {
    if x != 0.0 && x.abs() < 0.01 {
        format!("{x:.2e}")
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.3}")
    }
}

/// `line` in lines no wider than `width`, broken between words.
fn wrap(line: &str, size: super::text::TextSize, width: i32) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in line.split_whitespace() {
        let last = lines.last_mut().expect("a line");
        let longer = if last.is_empty() {
            word.to_owned()
        } else {
            format!("{last} {word}")
        };
        if text_width(&longer, size) > width && !last.is_empty() {
            lines.push(word.to_owned());
        } else {
            *last = longer;
        }
    }
    lines.into_iter().map(|l| fit(&l, size, width)).collect()
}

/// A rounded range over the finite `values` (0 to 1 when there are none).
fn value_range(values: impl Iterator<Item = f64>) -> (f64, f64, f64) {
    let (low, high) = values
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), x| {
            (low.min(x), high.max(x))
        });
    if low > high {
        return nice_range(0.0, 1.0);
    }
    nice_range(low, if high > low { high } else { low + 1.0 })
}

/// Where a panel's values go across its plot area.
struct Axis {
    plot: Rect,
    low: f64,
    high: f64,
}

impl Axis {
    fn x(&self, value: f64) -> i32 {
        let value = value.clamp(self.low, self.high);
        self.plot.left
            + ((value - self.low) / (self.high - self.low)
                * f64::from(self.plot.right - self.plot.left))
            .round() as i32
    }
}

fn left(text: impl Into<String>, at: (i32, i32), size: super::text::TextSize) -> Label {
    Label {
        text: text.into(),
        at,
        size,
        anchor: (HPos::Left, VPos::Top),
    }
}

fn row_label(text: impl Into<String>, at: (i32, i32), h: HPos) -> Label {
    Label {
        text: text.into(),
        at,
        size: size::LABEL,
        anchor: (h, VPos::Center),
    }
}

impl Placed {
    /// An interval as a bar of thickness [`BAR`] centred at `y`, at least 2 pixels wide.
    fn bar(&mut self, axis: &Axis, (low, high): (f64, f64), y: i32, colour: RGBColor) {
        let (from, to) = (axis.x(low), axis.x(high));
        self.boxes.push((
            Rect {
                left: from.min(to) - 1,
                top: y - BAR / 2,
                right: from.max(to) + 1,
                bottom: y + BAR / 2,
            },
            colour,
        ));
    }

    /// The grid, tick labels and the axis's description under a panel.
    fn ticks(&mut self, axis: &Axis, step: f64, describe: &str) {
        let plot = axis.plot;
        let decimals = (-step.log10().floor()).max(0.0) as usize;
        let mut k = (axis.low / step).ceil() as i64;
        while (k as f64) * step <= axis.high + step / 1e6 {
            let tick = k as f64 * step;
            k += 1;
            let at = axis.x(tick);
            self.strokes.push(Stroke {
                points: vec![(at, plot.top), (at, plot.bottom)],
                colour: GRID,
                width: 1,
            });
            self.labels.push((
                Label {
                    text: format!("{tick:.decimals$}"),
                    at: (at, plot.bottom + 5),
                    size: size::LABEL,
                    anchor: (HPos::Center, VPos::Top),
                },
                INK,
            ));
        }
        self.labels.push((
            Label {
                text: fit(describe, size::LABEL, plot.right - plot.left),
                at: ((plot.left + plot.right) / 2, plot.bottom + 22),
                size: size::LABEL,
                anchor: (HPos::Center, VPos::Top),
            },
            INK,
        ));
        self.frames.push(plot);
    }
}

/// Places every part of `chart`: a header, the targets' panel and the parameters' panel.
pub(crate) fn layout(chart: &CalibrationChart) -> Placed {
    let text_width = WIDTH - 2 * MARGIN;
    let fitted = chart
        .targets
        .iter()
        .filter(|t| t.use_ == "calibrate")
        .count();
    let mut placed = Placed {
        size: (WIDTH as u32, 0),
        frames: Vec::new(),
        labels: Vec::new(),
        boxes: Vec::new(),
        strokes: Vec::new(),
        dots: Vec::new(),
    };
    let header = [
        (
            format!("Calibration of {}", chart.scenario),
            size::TITLE,
            INK,
        ),
        (
            format!(
                "{} targets ({fitted} fitted, {} held out in red), {} parameters",
                chart.targets.len(),
                chart.targets.len() - fitted,
                chart.parameters.len()
            ),
            size::NOTE,
            INK,
        ),
        (
            format!(
                "Black: the observed value ± {OBSERVED_SDS} sd of observation error and model \
                 discrepancy combined. Grey: prior predictive 5-95%; blue: posterior predictive \
                 5-95% and mean (parameter uncertainty and simulation noise)."
            ),
            size::LABEL,
            INK,
        ),
    ];
    let mut y = MARGIN;
    for (line, text_size, colour) in header {
        for part in wrap(&line, text_size, text_width) {
            placed
                .labels
                .push((left(part, (MARGIN, y), text_size), colour));
            y += text_size.pixels() as i32 + 6;
        }
        y += 4;
    }

    // Targets.
    y += 10;
    let rows = chart.targets.len().max(1) as i32;
    let plot = Rect {
        left: MARGIN + NAME_WIDTH,
        top: y,
        right: WIDTH - MARGIN - NOTE_WIDTH,
        bottom: y + rows * ROW,
    };
    let tolerated = |t: &TargetRow| t.observation_sd.hypot(t.discrepancy_sd);
    // The axis holds every value and interval; the observations' sd lines widen it only as
    // far as [0, 1] (or the values, when beyond), past which they are cut.
    let values: Vec<f64> = chart
        .targets
        .iter()
        .flat_map(|t| {
            [t.observed, t.prior_p05, t.prior_p95]
                .into_iter()
                .chain(t.posterior_p05)
                .chain(t.posterior_p95)
        })
        .filter(|x| x.is_finite())
        .collect();
    let lowest = values.iter().copied().fold(0.0, f64::min);
    let highest = values.iter().copied().fold(1.0, f64::max);
    let sd_ends = chart.targets.iter().flat_map(|t| {
        [
            (t.observed - OBSERVED_SDS * tolerated(t)).max(lowest),
            (t.observed + OBSERVED_SDS * tolerated(t)).min(highest),
        ]
    });
    let (low, high, step) = value_range(values.iter().copied().chain(sd_ends));
    let axis = Axis { plot, low, high };
    placed.ticks(
        &axis,
        step,
        "the target's value (a share, a ratio of shares, or 1 for an order that holds)",
    );
    for (i, t) in chart.targets.iter().enumerate() {
        let middle = plot.top + i as i32 * ROW + ROW / 2;
        let held_out = t.use_ != "calibrate";
        let (name, colour) = if held_out {
            (format!("{} (held out)", t.target), HELD_OUT)
        } else {
            (t.target.clone(), INK)
        };
        placed.labels.push((
            row_label(
                fit(&name, size::LABEL, NAME_WIDTH - 8),
                (plot.left - 8, middle),
                HPos::Right,
            ),
            colour,
        ));
        placed.bar(&axis, (t.prior_p05, t.prior_p95), middle - BAR, PRIOR);
        if let (Some(l), Some(h)) = (t.posterior_p05, t.posterior_p95) {
            placed.bar(&axis, (l, h), middle + BAR, POSTERIOR);
        }
        if let Some(mean) = t.posterior_mean {
            placed.dots.push(((axis.x(mean), middle + BAR), POSTERIOR));
        }
        let sd = OBSERVED_SDS * tolerated(t);
        placed.strokes.push(Stroke {
            points: vec![
                (axis.x(t.observed - sd), middle),
                (axis.x(t.observed + sd), middle),
            ],
            colour: INK,
            width: 2,
        });
        placed.dots.push(((axis.x(t.observed), middle), INK));
        let note = t.implausibility.map_or("no posterior".to_owned(), |i| {
            format!("implausibility {i:.2}")
        });
        placed.labels.push((
            row_label(note, (plot.right + 8, middle), HPos::Left),
            colour,
        ));
    }

    // Parameters, each on its prior's 5-95% range.
    let top = plot.bottom + 84;
    placed.labels.push((
        left(
            fit(
                "Parameters: posterior 5-95% (blue, dot the mean) against the prior's 5-95% \
                 (grey), each on its own scale from the prior's 5% (0) to its 95% (1)",
                size::NOTE,
                text_width,
            ),
            (MARGIN, top - 28),
            size::NOTE,
        ),
        INK,
    ));
    let rows = chart.parameters.len().max(1) as i32;
    let plot = Rect {
        left: MARGIN + NAME_WIDTH,
        top,
        right: WIDTH - MARGIN - NOTE_WIDTH,
        bottom: top + rows * ROW,
    };
    let axis = Axis {
        plot,
        low: -0.1,
        high: 1.1,
    };
    placed.ticks(&axis, 0.2, "position within the prior's 5-95% range");
    for (i, p) in chart.parameters.iter().enumerate() {
        let middle = plot.top + i as i32 * ROW + ROW / 2;
        let span = p.prior_p95 - p.prior_p05;
        let scaled = |x: f64| {
            if span > 0.0 {
                (x - p.prior_p05) / span
            } else {
                0.5
            }
        };
        placed.labels.push((
            row_label(
                fit(&p.parameter, size::LABEL, NAME_WIDTH - 8),
                (plot.left - 8, middle),
                HPos::Right,
            ),
            INK,
        ));
        placed.bar(&axis, (0.0, 1.0), middle - BAR / 2, PRIOR);
        let note = match (p.posterior_p05, p.posterior_p95) {
            (Some(l), Some(h)) => {
                placed.bar(&axis, (scaled(l), scaled(h)), middle + BAR / 2, POSTERIOR);
                format!(
                    "{} to {} (prior {} to {})",
                    short(l),
                    short(h),
                    short(p.prior_p05),
                    short(p.prior_p95)
                )
            }
            _ => "no posterior".to_owned(),
        };
        if let Some(mean) = p.posterior_mean {
            placed
                .dots
                .push(((axis.x(scaled(mean)), middle + BAR / 2), POSTERIOR));
        }
        placed.labels.push((
            row_label(
                fit(&note, size::LABEL, NOTE_WIDTH - 10),
                (plot.right + 8, middle),
                HPos::Left,
            ),
            INK,
        ));
    }
    placed.size.1 = (plot.bottom + 44 + MARGIN) as u32;
    placed
}

impl Paint for Placed {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        for stroke in self.strokes.iter().filter(|s| s.colour == GRID) {
            root.draw(&PathElement::new(
                stroke.points.clone(),
                stroke.colour.stroke_width(stroke.width),
            ))?;
        }
        for (rect, colour) in &self.boxes {
            root.draw(&Rectangle::new(corners(*rect), colour.filled()))?;
        }
        for stroke in self.strokes.iter().filter(|s| s.colour != GRID) {
            root.draw(&PathElement::new(
                stroke.points.clone(),
                stroke.colour.stroke_width(stroke.width),
            ))?;
        }
        for (at, colour) in &self.dots {
            root.draw(&Circle::new(*at, 4, colour.filled()))?;
        }
        for frame in &self.frames {
            root.draw(&Rectangle::new(corners(*frame), FRAME.stroke_width(1)))?;
        }
        for (label, colour) in &self.labels {
            text(root, label, *colour)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(name: &str, use_: &str, observed: f64, posterior: (f64, f64, f64)) -> TargetRow {
        TargetRow {
            target: name.into(),
            use_: use_.into(),
            observed,
            observation_sd: 0.01,
            discrepancy_sd: 0.0,
            prior_mean: 0.5,
            prior_p05: 0.1,
            prior_p95: 0.9,
            posterior_mean: Some(posterior.0),
            posterior_p05: Some(posterior.1),
            posterior_p95: Some(posterior.2),
            implausibility: Some(0.4),
        }
    }

    fn chart() -> CalibrationChart {
        CalibrationChart {
            scenario: "twin".into(),
            targets: vec![
                target("early", "calibrate", 0.3, (0.31, 0.28, 0.34)),
                target("late", "validate", 0.7, (0.69, 0.6, 0.8)),
            ],
            parameters: vec![ParameterRow {
                parameter: "adoption.imitation".into(),
                prior_p05: 0.1,
                prior_p95: 0.5,
                posterior_mean: Some(0.3),
                posterior_p05: Some(0.25),
                posterior_p95: Some(0.35),
            }],
        }
    }

    /// The targets' axis runs 0 to 1 here (every value lies in [0.1, 0.9]), so each mark
    /// sits where its value says; the held-out target is marked; the parameter's posterior
    /// bar covers the middle quarter of its prior's bar.
    #[test]
    fn every_mark_sits_at_its_value_and_held_out_targets_are_marked() {
        let placed = layout(&chart());
        let targets = placed.frames[0];
        let at =
            |v: f64| targets.left + (v * f64::from(targets.right - targets.left)).round() as i32;
        assert!(
            placed
                .dots
                .contains(&((at(0.3), targets.top + ROW / 2), INK))
        );
        assert!(
            placed
                .dots
                .contains(&((at(0.7), targets.top + ROW + ROW / 2), INK))
        );
        let prior = placed.boxes[0].0;
        assert_eq!((prior.left, prior.right), (at(0.1) - 1, at(0.9) + 1));
        assert!(
            placed
                .labels
                .iter()
                .any(|(l, c)| l.text == "late (held out)" && *c == HELD_OUT)
        );
        let parameters = placed.frames[1];
        let bars: Vec<Rect> = placed
            .boxes
            .iter()
            .filter(|(r, _)| r.top > parameters.top)
            .map(|(r, _)| *r)
            .collect();
        let (prior, posterior) = (bars[0], bars[1]);
        let width = |r: Rect| f64::from(r.right - r.left - 2);
        assert!(
            (width(posterior) / width(prior) - 0.25).abs() < 0.02,
            "{prior:?} {posterior:?}"
        );
        assert!(
            placed
                .labels
                .iter()
                .any(|(l, _)| l.text == "0.250 to 0.350 (prior 0.100 to 0.500)")
        );
    }
}
