//! Charts of a run (`blockade plot`, docs/FORMAT.md, Command line), drawn with plotters:
//! adoption curves with their bands, each variant's difference from the baseline, a
//! stacked area of one variant's shares, the ranked indices of a sensitivity analysis
//! (`ranked`, which places and paints its own bars), a calibration's targets and
//! parameters (`calibration`, which places and paints its own rows), and a swept run's effects
//! with both their intervals (`effects`, placed by itself and painted as `ranked` paints).
//!
//! A chart goes through four steps, one module each: `plan` takes the numbers from
//! [`crate::compare::series`] over a [`RunData`] (it computes no statistic) and decides what
//! the chart shows; `layout` places every part in pixels; `draw` paints the placed figure
//! on a plotters backend; `file` writes it. SVG needs no font (the viewer brings one); PNG
//! is rasterised with the bundled Liberation Sans (SIL OFL 1.1, `assets/fonts/`, `text`),
//! so that no system library is needed; both are measured with it, so they are one picture.
//!
//! Every state keeps one colour, one dash pattern and one marker in every chart (`style`),
//! and the dashes and markers alone tell the lines apart in black-and-white print. Events are
//! numbered vertical lines whose numbers are staggered so that none overlap; a key under
//! the chart gives each number its event's name and own date.

mod calibration;
mod draw;
mod effects;
mod file;
mod layout;
mod plan;
mod ranked;
mod style;
mod text;

pub use calibration::CalibrationChart;
pub use effects::EffectsChart;
pub use ranked::{MAX_BARS, RankedChart};

use crate::compare::{RunData, SweepValues};
use crate::error::{Error, InputError, Result};
use std::path::Path;

/// What a chart shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Share per state over time, mean and 95% band, one panel per variant.
    Adoption,
    /// Each variant's paired difference from the baseline over time, with its band.
    Comparison,
    /// The mean shares of one variant, stacked.
    Stacked,
}

impl Kind {
    /// The kind's name, which is also the default file name's stem.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Adoption => "adoption",
            Kind::Comparison => "comparison",
            Kind::Stacked => "stacked",
        }
    }
}

/// A chart, resolved against a run: indices into its [`RunData`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// What to draw.
    pub kind: Kind,
    /// The segment; `segments.len()` is `all`.
    pub segment: usize,
    /// The arms, one panel each (for a stacked chart, the one arm).
    pub arms: Vec<usize>,
    /// The states drawn, in state order.
    pub states: Vec<usize>,
    /// For a chart of one point of a swept run: the point and its values, shown under the
    /// title ([`Chart::at_point`]).
    pub point: Option<String>,
}

fn refuse(flag: &str, message: String) -> Error {
    Error::Input(InputError::new(message).in_origin(flag))
}

impl Chart {
    /// Resolves the command line's names against a run: `segment` (default `all`), the
    /// variants (default: every arm; for `comparison` every variant but the baseline; for
    /// `stacked` the baseline) and `states`, a comma-separated list (default: every state).
    pub fn resolve(
        data: &RunData,
        kind: Kind,
        segment: Option<&str>,
        variants: &[String],
        states: Option<&str>,
    ) -> Result<Chart> {
        let segment = match segment {
            None => data.segments.len(),
            Some(name) => data.segment_named(name)?,
        };
        let mut arms = Vec::new();
        for name in variants {
            let arm = data.arms.iter().position(|a| a == name).ok_or_else(|| {
                refuse(
                    "--variant",
                    format!(
                        "'{name}' is not in this run (it has: {})",
                        data.arms.join(", ")
                    ),
                )
            })?;
            if !arms.contains(&arm) {
                arms.push(arm);
            }
        }
        match kind {
            Kind::Adoption if arms.is_empty() => arms = (0..data.arms.len()).collect(),
            Kind::Comparison => {
                // The baseline has no difference from itself.
                arms.retain(|&a| a != 0);
                if variants.is_empty() {
                    arms = (1..data.arms.len()).collect();
                }
                if arms.is_empty() {
                    return Err(refuse(
                        "--kind comparison",
                        "no variant to compare with the baseline in this run".into(),
                    ));
                }
            }
            Kind::Stacked if arms.is_empty() => arms = vec![0],
            Kind::Stacked if arms.len() > 1 => {
                return Err(refuse(
                    "--variant",
                    "a stacked chart draws one variant".into(),
                ));
            }
            _ => {}
        }
        let states = match states {
            None => (0..data.states.len()).collect(),
            Some(list) => {
                let mut chosen = Vec::new();
                for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                    let state = data.states.iter().position(|s| s == name).ok_or_else(|| {
                        refuse(
                            "--states",
                            format!(
                                "unknown state '{name}' (the run has: {})",
                                data.states.join(", ")
                            ),
                        )
                    })?;
                    if !chosen.contains(&state) {
                        chosen.push(state);
                    }
                }
                if chosen.is_empty() {
                    return Err(refuse("--states", "names no state".into()));
                }
                chosen.sort_unstable();
                chosen
            }
        };
        Ok(Chart {
            kind,
            segment,
            arms,
            states,
            point: None,
        })
    }

    /// The same chart, saying that it shows point `point` of a swept run, with its values,
    /// each as short as it can be while it still tells the points apart.
    pub fn at_point(mut self, point: usize, sweep: &SweepValues) -> Chart {
        let values = sweep.values.get(point).map_or(String::new(), |values| {
            let pairs: Vec<String> = sweep
                .parameters
                .iter()
                .enumerate()
                .zip(values)
                .map(|((column, path), value)| {
                    let others = sweep.values.iter().filter_map(|v| v.get(column));
                    format!("{path} = {}", short_value(value, others))
                })
                .collect();
            format!(": {}", pairs.join(", "))
        });
        self.point = Some(format!(
            "Sweep point {point} of {} (numbered from 0){values}",
            sweep.values.len()
        ));
        self
    }
}

/// `value` (as `points.csv` writes it) rounded to the fewest significant digits, at least
/// four, at which the distinct values of its parameter at every point (`column`) stay
/// distinct; a value that is not a number is kept as it is.
fn short_value<'a>(value: &str, column: impl Iterator<Item = &'a String>) -> String {
    let Ok(number) = value.parse::<f64>() else {
        return value.to_owned();
    };
    let numbers: Vec<f64> = column.filter_map(|v| v.parse().ok()).collect();
    let mut distinct = numbers.clone();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    let round = |x: f64, digits: usize| -> f64 {
        // Through the decimal form, so that the result prints in its shortest form.
        format!("{x:.*e}", digits - 1).parse().unwrap_or(x)
    };
    // f64 needs at most 17 significant digits to round-trip.
    let digits = (4..=17)
        .find(|&digits| {
            let mut rounded: Vec<f64> = distinct.iter().map(|&x| round(x, digits)).collect();
            rounded.dedup();
            rounded.len() == distinct.len()
        })
        .unwrap_or(17);
    round(number, digits).to_string()
}

/// The image format, from the file name's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Scalable vector graphics.
    Svg,
    /// A bitmap, drawn with the bundled font.
    Png,
}

impl Format {
    /// The format a file name asks for: `.svg` or `.png`.
    pub fn of(path: &Path) -> Result<Format> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("svg") => Ok(Format::Svg),
            Some("png") => Ok(Format::Png),
            _ => Err(refuse(
                "-o",
                format!("{}: the file name must end in .svg or .png", path.display()),
            )),
        }
    }
}

/// Draws `chart` into `path` (SVG or PNG, by its extension), by way of a temporary file
/// renamed into place.
pub fn plot(data: &RunData, chart: &Chart, path: &Path) -> Result<()> {
    let format = Format::of(path)?;
    let figure = layout::layout(&plan::plan(data, chart));
    file::write(&figure, path, format)
}

/// Draws the ranked chart of a sensitivity analysis into `path` (SVG or PNG, by its
/// extension), by way of a temporary file renamed into place.
pub fn plot_ranked(chart: &RankedChart, path: &Path) -> Result<()> {
    let format = Format::of(path)?;
    file::write(&ranked::layout(chart), path, format)
}

/// Draws the chart of a calibration folder into `path` (SVG or PNG, by its extension), by
/// way of a temporary file renamed into place.
pub fn plot_calibration(chart: &CalibrationChart, path: &Path) -> Result<()> {
    let format = Format::of(path)?;
    file::write(&calibration::layout(chart), path, format)
}

/// Draws the forest plot of a swept run's effects into `path` (SVG or PNG, by its
/// extension), by way of a temporary file renamed into place.
pub fn plot_effects(chart: &EffectsChart, path: &Path) -> Result<()> {
    let format = Format::of(path)?;
    file::write(&effects::layout(chart), path, format)
}

/// The SVG document of `chart`, for a page that embeds it (the report).
pub fn svg(data: &RunData, chart: &Chart) -> Result<String> {
    let figure = layout::layout(&plan::plan(data, chart));
    // The path only names the chart in an error; nothing is written.
    file::svg(
        &figure,
        Path::new(&format!("the {} chart", chart.kind.name())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> Chart {
        Chart {
            kind: Kind::Adoption,
            segment: 0,
            arms: vec![0],
            states: vec![0],
            point: None,
        }
    }

    fn sweep(values: &[&[&str]]) -> SweepValues {
        SweepValues {
            parameters: vec!["adoption.imitation".into(), "network.kind".into()],
            values: values
                .iter()
                .map(|point| point.iter().map(|v| (*v).to_owned()).collect())
                .collect(),
            weights: None,
        }
    }

    #[test]
    fn a_sweep_point_is_titled_with_short_values() {
        let sweep = sweep(&[
            &["0.18964838779615545", "small_world"],
            &["0.4109395112264188", "complete"],
            &["0.3", "complete"],
        ]);
        assert_eq!(
            chart().at_point(1, &sweep).point.as_deref(),
            Some(
                "Sweep point 1 of 3 (numbered from 0): adoption.imitation = 0.4109, \
                 network.kind = complete"
            )
        );
        assert_eq!(
            chart().at_point(2, &sweep).point.as_deref(),
            Some(
                "Sweep point 2 of 3 (numbered from 0): adoption.imitation = 0.3, network.kind = complete"
            )
        );
    }

    #[test]
    fn values_keep_the_digits_that_tell_points_apart() {
        let sweep = sweep(&[
            &["0.12345612", "complete"],
            &["0.12345987", "complete"],
            &["1234567.25", "complete"],
        ]);
        let title = |point| chart().at_point(point, &sweep).point.unwrap_or_default();
        assert!(title(0).contains("= 0.123456,"), "{}", title(0));
        assert!(title(1).contains("= 0.12346,"), "{}", title(1));
        assert!(title(2).contains("= 1234570,"), "{}", title(2));
    }
}
