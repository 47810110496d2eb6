//! The forest plot of a swept run's effects (`plot --kind effects`): one row per variant, its
//! effect on one metric (of one state, in one segment) as a dot, the interval over replicates
//! as a thick short bar and the spread over the sweep's points as a thin long line, so that
//! the simulation's noise and the parameters' uncertainty are seen side by side.
//!
//! The numbers are those `compare --intervals` prints ([`crate::compare::two_intervals()`]):
//! [`EffectsChart::resolve`] only picks the rows and names them, [`layout`] places them in
//! pixels, and the sensitivity chart's [`Placed`] paints them.

use super::layout::{HPos, Label, Rect, VPos, size};
use super::ranked::{Placed, Stroke, axis, choose, choose_state, distinct, frame};
use super::refuse;
use super::text::fit;
use crate::compare::{RunPoints, SPREAD, TwoIntervals};
use crate::error::Result;
use plotters::style::RGBColor;

const WIDTH: i32 = 960;
const MARGIN: i32 = 18;
const NAME_WIDTH: i32 = 240;
const ROW: i32 = 30;
const BAR: i32 = 10;
const HEADER: i32 = 130;
/// The legend's lines at most.
const LEGEND_LINES: usize = 3;

/// Black: [`Placed`] paints black lines over the bars, so the spread shows through them.
const INK: RGBColor = RGBColor(0, 0, 0);
const BAR_COLOUR: RGBColor = RGBColor(0x00, 0x77, 0xBB);
const DOT: RGBColor = RGBColor(0xEE, 0x77, 0x33);
const ZERO: RGBColor = RGBColor(0x88, 0x88, 0x88);

/// One variant's row: its effect and both intervals, in the chart's units.
#[derive(Debug, Clone, PartialEq)]
struct EffectRow {
    variant: String,
    effect: f64,
    /// Over replicates; `None` for a metric without a paired interval (the crossing).
    replicates: Option<(f64, f64)>,
    /// Over the points.
    points: (f64, f64),
}

/// A forest plot of effects, resolved against a swept run's two-interval rows.
#[derive(Debug, Clone, PartialEq)]
pub struct EffectsChart {
    title: String,
    subtitle: String,
    legend: String,
    x_label: String,
    rows: Vec<EffectRow>,
}

/// Where [`EffectsChart::resolve`] reads its names, for its refusals.
const SOURCE: &str = "the run's effects";

impl EffectsChart {
    /// Picks from `effects` (every variant row of [`crate::compare::two_intervals()`] over
    /// `run`) the rows of `segment`, `metric` (default `foreign_share`, else the first the
    /// run has) and `state` (default: the metric's first state, for a metric of a state), one
    /// per variant of `variants` (default: every variant), each refused, naming its flag and
    /// what the run has, when the run does not hold it. An unswept run is refused.
    pub fn resolve(
        run: &RunPoints,
        effects: &[TwoIntervals],
        variants: &[String],
        metric: Option<&str>,
        segment: &str,
        state: Option<&str>,
    ) -> Result<EffectsChart> {
        let Some(sweep) = &run.sweep else {
            return Err(refuse(
                "--kind effects",
                "the run has no [sweep]: its only interval is over replicates (plot --kind \
                 comparison draws it)"
                    .into(),
            ));
        };
        let data = &run.points[0];
        let segment = data.segment_named(segment)?;
        let mut arms = Vec::new();
        for name in variants {
            let arm = data.arms.iter().position(|a| a == name);
            match arm {
                Some(0) => {
                    return Err(refuse(
                        "--variant",
                        format!("'{name}' is the baseline, from which the effects are measured"),
                    ));
                }
                Some(arm) if !arms.contains(&arm) => arms.push(arm),
                Some(_) => {}
                None => {
                    return Err(refuse(
                        "--variant",
                        format!(
                            "'{name}' is not in this run (its variants: {})",
                            data.arms[1..].join(", ")
                        ),
                    ));
                }
            }
        }
        let rows: Vec<&TwoIntervals> = effects
            .iter()
            .filter(|r| r.key.segment == segment)
            .collect();
        let names = distinct(rows.iter().map(|r| r.key.metric.name()));
        let metric = match metric {
            None if names.contains(&"foreign_share") => "foreign_share",
            asked => choose(asked, &names, "--metric", SOURCE)?,
        };
        let rows: Vec<&TwoIntervals> = rows
            .into_iter()
            .filter(|r| r.key.metric.name() == metric)
            .collect();
        let state_of = |r: &TwoIntervals| r.key.state.map(|k| data.state_name(r.key.metric, k));
        let states = distinct(rows.iter().filter_map(|r| state_of(r)));
        let state = choose_state(state, &states, metric, SOURCE)?;
        let rows: Vec<&TwoIntervals> = rows
            .into_iter()
            .filter(|r| state_of(r) == state && (arms.is_empty() || arms.contains(&r.key.arm)))
            .collect();
        let Some(first) = rows.first() else {
            return Err(refuse(
                "--kind effects",
                "the run has no variant besides the baseline".into(),
            ));
        };
        let unit = first.key.metric.unit();
        // Shares are drawn in percentage points, as compare prints them.
        let (scale, units) = match unit {
            "share" | "usage_share" => (100.0, "percentage points".to_owned()),
            other => (1.0, other.replace('_', " ")),
        };
        let what = match state {
            Some(state) => format!("{metric} of {state}"),
            None => metric.to_owned(),
        };
        let when = match first.key.step {
            Some(step) if first.key.metric.at_step() => {
                format!(" at {}", data.dates[step as usize])
            }
            _ => " over the horizon".to_owned(),
        };
        let weighted = sweep.weights.is_some();
        let points = first.points;
        let title = format!("Each variant's effect on {what}{when}");
        let subtitle = format!(
            "Segment {}; the effect is the paired difference from the baseline at each of the \
             {points} points, its {}mean over them",
            data.segment_name(segment),
            if weighted { "weighted " } else { "" },
        );
        let legend = format!(
            "Dot: the effect. Thick bar: 95% interval over replicates, the simulation's noise \
             (at a typical point: the median half-width over the points). Thin line: the {:.0}th \
             to {:.0}th percentile over the {points} points, the parameters' uncertainty{}. \
             Dashed: no effect.",
            SPREAD.0 * 100.0,
            SPREAD.1 * 100.0,
            if weighted {
                " (weighted by the points' weights: a posterior sample)"
            } else {
                " (the declared [uncertainty] or the sweep's ranges)"
            },
        );
        let rows = rows
            .iter()
            .map(|r| EffectRow {
                variant: data.arms[r.key.arm].clone(),
                effect: r.effect * scale,
                replicates: r
                    .noise_half_width
                    .map(|h| ((r.effect - h) * scale, (r.effect + h) * scale)),
                points: (r.spread.0 * scale, r.spread.1 * scale),
            })
            .collect();
        Ok(EffectsChart {
            title,
            subtitle,
            legend,
            x_label: format!("effect (variant - baseline), {units}"),
            rows,
        })
    }
}

fn text_label(text: String, at: (i32, i32), anchor: (HPos, VPos)) -> Label {
    Label {
        text,
        at,
        size: size::LABEL,
        anchor,
    }
}

/// Places every part of `chart`.
pub(crate) fn layout(chart: &EffectsChart) -> Placed {
    let rows = chart.rows.len().max(1) as i32;
    let plot = Rect {
        left: MARGIN + NAME_WIDTH,
        top: HEADER,
        right: WIDTH - MARGIN - 12,
        bottom: HEADER + rows * ROW,
    };
    let range = axis(chart.rows.iter().flat_map(|r| {
        let mut v = vec![r.effect, r.points.0, r.points.1];
        v.extend(r.replicates.iter().flat_map(|&(l, h)| [l, h]));
        v
    }));
    let (x, mut labels, mut strokes) = frame(
        plot,
        range,
        [&chart.title, &chart.subtitle, &chart.legend],
        LEGEND_LINES,
        &chart.x_label,
    );
    strokes.push(Stroke {
        points: vec![(x(0.0), plot.top), (x(0.0), plot.bottom)],
        colour: ZERO,
        width: 1,
        dashed: true,
    });
    let mut boxes = Vec::new();
    let mut dots = Vec::new();
    for (i, row) in chart.rows.iter().enumerate() {
        let middle = plot.top + i as i32 * ROW + ROW / 2;
        labels.push(text_label(
            fit(&row.variant, size::LABEL, NAME_WIDTH - 8),
            (plot.left - 8, middle),
            (HPos::Right, VPos::Center),
        ));
        let (low, high) = row.points;
        if low.is_finite() && high.is_finite() {
            strokes.push(Stroke {
                points: vec![(x(low), middle), (x(high), middle)],
                colour: INK,
                width: 1,
                dashed: false,
            });
        }
        if let Some((l, h)) = row
            .replicates
            .filter(|(l, h)| l.is_finite() && h.is_finite())
        {
            let (from, to) = (x(l), x(h));
            boxes.push((
                Rect {
                    left: from,
                    top: middle - BAR / 2,
                    // At least a pixel wide, so that a tiny interval still shows.
                    right: to.max(from + 1),
                    bottom: middle + BAR / 2,
                },
                BAR_COLOUR,
            ));
        }
        if row.effect.is_finite() {
            dots.push(((x(row.effect), middle), DOT));
        }
    }
    let bottom = plot.bottom + 48;
    Placed {
        size: (WIDTH as u32, (bottom + MARGIN) as u32),
        plot,
        labels,
        boxes,
        strokes,
        dots,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> EffectsChart {
        EffectsChart {
            title: "t".into(),
            subtitle: "s".into(),
            legend: "l".into(),
            x_label: "x".into(),
            rows: vec![
                EffectRow {
                    variant: "no-block".into(),
                    effect: 2.0,
                    replicates: Some((1.5, 2.5)),
                    points: (0.5, 4.0),
                },
                EffectRow {
                    variant: "crossing".into(),
                    effect: -1.0,
                    replicates: None,
                    points: (-2.0, 0.0),
                },
            ],
        }
    }

    #[test]
    fn each_row_has_its_dot_inside_a_short_bar_inside_a_long_line() {
        let placed = layout(&chart());
        // One bar: the second row has no interval over replicates.
        assert_eq!(placed.boxes.len(), 1);
        let bar = placed.boxes[0].0;
        let line = |row: usize| {
            placed
                .strokes
                .iter()
                .filter(|s| s.colour == INK)
                .nth(row)
                .expect("a line")
                .points
                .clone()
        };
        let first = line(0);
        assert!(
            first[0].0 < bar.left && bar.right < first[1].0,
            "{first:?} {bar:?}"
        );
        let (dot, _) = placed.dots[0];
        assert!(bar.left < dot.0 && dot.0 < bar.right);
        assert_eq!(dot.1, first[0].1);
        // The second row is lower, its effect left of zero, where the dashed line is.
        let second = line(1);
        assert!(second[0].1 > first[0].1);
        let zero = placed.strokes.iter().find(|s| s.dashed).expect("zero line");
        assert!(placed.dots[1].0.0 < zero.points[0].0);
        assert_eq!(second[1].0, zero.points[0].0);
        let names: Vec<&str> = placed
            .labels
            .iter()
            .filter(|l| l.anchor == (HPos::Right, VPos::Center))
            .map(|l| l.text.as_str())
            .collect();
        assert_eq!(names, ["no-block", "crossing"]);
    }
}
