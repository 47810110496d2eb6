//! What a chart shows, before anything is placed: its headings, one panel per arm with its
//! curves or stacked layers in display units (percent or percentage points), the y range, the
//! events numbered in date order and the legend's order. Pure: [`super::layout`] turns a
//! [`Plan`] into pixels.

use super::{Chart, Kind};
use crate::compare::{RunData, TimelineEvent, series};
use chrono::NaiveDate;

/// One curve of a panel, in display units.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Curve {
    /// The state drawn.
    pub(crate) state: usize,
    /// The central value at each step.
    pub(crate) mean: Vec<f64>,
    /// The band around it: (low, high) at each step.
    pub(crate) band: (Vec<f64>, Vec<f64>),
}

/// One layer of a stacked chart: the state's area lies between `lower` and `upper`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Layer {
    /// The state stacked.
    pub(crate) state: usize,
    /// The layer's lower edge at each step.
    pub(crate) lower: Vec<f64>,
    /// The layer's upper edge at each step.
    pub(crate) upper: Vec<f64>,
}

/// One panel: an arm's curves (or layers) and the events marked on it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PanelPlan {
    /// The caption above the panel.
    pub(crate) caption: String,
    /// Curves with bands (adoption and comparison charts).
    pub(crate) curves: Vec<Curve>,
    /// Stacked layers, bottom first (stacked charts).
    pub(crate) layers: Vec<Layer>,
    /// The panel's event lines in date order: a date and the numbers of its events ("3,4").
    pub(crate) tags: Vec<(NaiveDate, String)>,
}

/// An entry of the event key under the chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyEntry {
    /// The number on the chart.
    pub(crate) number: usize,
    /// The event's own date.
    pub(crate) date: NaiveDate,
    /// Its name, with a note on which timeline holds it in a comparison.
    pub(crate) text: String,
}

/// Everything a chart shows, in display units.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    /// The first heading.
    pub(crate) title: String,
    /// The second heading: what the curves are.
    pub(crate) subtitle: String,
    /// A third heading: the sweep point a chart shows.
    pub(crate) point: Option<String>,
    /// The description of the y axis.
    pub(crate) y_label: String,
    /// Days since step 0 of each step.
    pub(crate) days: Vec<f64>,
    /// The date of step 0.
    pub(crate) start: NaiveDate,
    /// The date of the last step.
    pub(crate) end: NaiveDate,
    /// The y axis: (low, high, tick step).
    pub(crate) y_range: (f64, f64, f64),
    /// Whether a line marks zero (differences).
    pub(crate) zero_line: bool,
    /// One panel per arm drawn.
    pub(crate) panels: Vec<PanelPlan>,
    /// The states in the legend, in its order.
    pub(crate) legend: Vec<usize>,
    /// The legend shows filled swatches (stacked areas) rather than line samples.
    pub(crate) swatches: bool,
    /// The event key, numbered in date order.
    pub(crate) key: Vec<KeyEntry>,
    /// The heading of the event key.
    pub(crate) key_title: String,
    /// A marker every this many steps.
    pub(crate) markers_every: usize,
    /// The number of states in the run (which spreads the markers of different states).
    pub(crate) states: usize,
    /// The states' names.
    pub(crate) state_names: Vec<String>,
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
pub(crate) fn nice_range(low: f64, high: f64) -> (f64, f64, f64) {
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

/// Plans the chart: its series, panels, event numbers, legend and key.
pub(crate) fn plan(data: &RunData, chart: &Chart) -> Plan {
    let start = data.dates[0];
    let days: Vec<f64> = data
        .dates
        .iter()
        .map(|d| (*d - start).num_days() as f64)
        .collect();
    let segment = data.segment_name(chart.segment);
    let replicates = data.replicates();
    let plural = if replicates == 1 { "" } else { "s" };
    let percent = |v: &[f64]| v.iter().map(|x| 100.0 * x).collect::<Vec<f64>>();

    let mut panel_events: Vec<Vec<(TimelineEvent, &'static str)>> = Vec::new();
    let mut panels = Vec::new();
    for &arm in &chart.arms {
        let mut panel = PanelPlan {
            caption: data.arms[arm].clone(),
            curves: Vec::new(),
            layers: Vec::new(),
            tags: Vec::new(),
        };
        match chart.kind {
            Kind::Adoption => {
                for &state in &chart.states {
                    let band = series::share_band(data, arm, chart.segment, state);
                    panel.curves.push(Curve {
                        state,
                        mean: percent(&band.mean),
                        band: (percent(&band.low), percent(&band.high)),
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
                        band: (percent(&band.low), percent(&band.high)),
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
    for (panel, tags) in panels.iter_mut().zip(tags) {
        panel.tags = tags;
    }

    let y_range = match chart.kind {
        Kind::Adoption => {
            let high = panels
                .iter()
                .flat_map(|p| &p.curves)
                .flat_map(|c| &c.band.1)
                .fold(0.0f64, |m, &x| m.max(x));
            let (_, high, step) = nice_range(0.0, high.max(1.0));
            (0.0, high.min(100.0), step)
        }
        Kind::Comparison => {
            let (low, high) = panels
                .iter()
                .flat_map(|p| &p.curves)
                .flat_map(|c| c.band.0.iter().chain(&c.band.1))
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
    let legend = if chart.kind == Kind::Stacked {
        // The legend reads top to bottom as the layers do.
        panels[0].layers.iter().rev().map(|l| l.state).collect()
    } else {
        chart.states.clone()
    };
    Plan {
        title,
        subtitle,
        point: chart.point.clone(),
        y_label: y_label.into(),
        start,
        end: data.dates[steps],
        days,
        y_range,
        zero_line: chart.kind == Kind::Comparison,
        swatches: chart.kind == Kind::Stacked,
        panels,
        legend,
        key,
        key_title: key_title.into(),
        markers_every: (steps / 8).max(1),
        states: data.states.len(),
        state_names: data.states.clone(),
    }
}
