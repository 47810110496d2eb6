//! A calibration folder (docs/FORMAT.md, Calibration folder): every wave's points and
//! implausibilities, the posterior sample as a points file `run --points` and `run
//! --posterior` read, each target's fit and each parameter's range, and `run.json`.

use super::format::{clean, csv_bytes};
use super::staging::{MANIFEST, Staging};
use crate::calibration::{Calibration, ParameterRange, TargetFit};
use crate::error::{Error, Result};
use crate::scenario::{GivenPoints, Scenario};
use serde::Serialize;
use std::path::Path;

/// Every point run, wave by wave, with its parameters and how it fared.
pub const WAVE_POINTS: &str = "wave_points.csv";
/// Each wave's summary: points, kept, the estimated share of the prior not ruled out.
pub const WAVES: &str = "waves.csv";
/// Each point's simulated mean and implausibility per target.
pub const IMPLAUSIBILITY: &str = "implausibility.csv";
/// The posterior sample: one column per parameter and `weight`.
pub const POSTERIOR: &str = "posterior.csv";
/// Each target against its prior and posterior predictive intervals.
pub const TARGETS: &str = "targets.csv";
/// Each parameter's prior and posterior ranges.
pub const PARAMETERS: &str = "parameters.csv";

/// A CSV cell of any type: numbers are written in the shortest form that reads back exactly.
#[derive(Serialize)]
#[serde(untagged)]
enum Cell<'a> {
    Text(&'a str),
    Owned(String),
    Int(u64),
    Number(f64),
    Empty(()),
}

fn number(x: f64) -> Cell<'static> {
    Cell::Number(clean(x))
}

fn optional(x: Option<f64>) -> Cell<'static> {
    x.map_or(Cell::Empty(()), number)
}

fn write(staging: &Staging, name: &str, header: &[&str], rows: &[Vec<Cell>]) -> Result<()> {
    let rows: Vec<(Option<usize>, &Vec<Cell>)> = rows.iter().map(|r| (None, r)).collect();
    let bytes = csv_bytes(name, header, &rows)?;
    let path = staging.path(name);
    std::fs::write(&path, bytes).map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

/// What a calibration folder is written from.
pub struct CalibrationFolder<'a> {
    /// The scenario calibrated (names, dates, targets).
    pub scenario: &'a Scenario,
    /// The calibrated parameters' paths, in order.
    pub parameters: &'a [String],
    /// The calibration.
    pub calibration: &'a Calibration,
    /// Each target's fit, in the targets' order.
    pub fits: &'a [TargetFit],
    /// Each parameter's ranges, in order.
    pub ranges: &'a [ParameterRange],
    /// `run.json`, whose `tool` is `blockade`.
    pub manifest: &'a serde_json::Value,
}

/// Writes a calibration folder's files into a staging folder.
pub fn write_calibration(staging: &Staging, folder: &CalibrationFolder<'_>) -> Result<()> {
    let CalibrationFolder {
        scenario,
        parameters,
        calibration,
        fits,
        ranges,
        manifest,
    } = folder;
    let targets = &scenario.targets;
    let paths: Vec<&str> = parameters.iter().map(String::as_str).collect();

    let mut header = vec!["wave", "stage", "point"];
    header.extend(&paths);
    header.extend(["density", "criterion", "kept", "distance", "weight"]);
    let rows: Vec<Vec<Cell>> = calibration
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut row = vec![
                Cell::Int(u64::from(p.wave)),
                Cell::Text(p.stage.name()),
                Cell::Int(i as u64),
            ];
            row.extend(p.values.iter().map(|&v| number(v)));
            row.extend([
                number(p.density),
                number(p.criterion),
                Cell::Text(if p.kept { "true" } else { "false" }),
                number(p.distance),
                number(p.weight),
            ]);
            row
        })
        .collect();
    write(staging, WAVE_POINTS, &header, &rows)?;

    let rows: Vec<Vec<Cell>> = calibration
        .points
        .iter()
        .enumerate()
        .flat_map(|(i, p)| {
            targets.iter().enumerate().map(move |(j, t)| {
                vec![
                    Cell::Int(u64::from(p.wave)),
                    Cell::Int(i as u64),
                    Cell::Text(&t.name),
                    Cell::Text(t.use_.name()),
                    number(p.mean[j]),
                    number(crate::stats::sd(&p.outcome[j])),
                    number(p.implausibility[j]),
                ]
            })
        })
        .collect();
    write(
        staging,
        IMPLAUSIBILITY,
        &[
            "wave",
            "point",
            "target",
            "use",
            "simulated_mean",
            "simulated_sd",
            "implausibility",
        ],
        &rows,
    )?;

    let rows: Vec<Vec<Cell>> = calibration
        .waves
        .iter()
        .map(|w| {
            vec![
                Cell::Int(u64::from(w.wave)),
                Cell::Text(w.stage.name()),
                Cell::Int(w.points as u64),
                Cell::Int(w.kept as u64),
                number(w.not_ruled_out),
                number(w.not_ruled_out_se),
                number(w.box_volume),
            ]
        })
        .collect();
    write(
        staging,
        WAVES,
        &[
            "wave",
            "stage",
            "points",
            "kept",
            "not_ruled_out",
            "not_ruled_out_se",
            "box_volume",
        ],
        &rows,
    )?;

    let mut header = paths.clone();
    header.push("weight");
    let rows: Vec<Vec<Cell>> = calibration
        .posterior()
        .map(|p| {
            let mut row: Vec<Cell> = p.values.iter().map(|&v| number(v)).collect();
            row.push(number(p.weight));
            row
        })
        .collect();
    write(staging, POSTERIOR, &header, &rows)?;

    let rows: Vec<Vec<Cell>> = targets
        .iter()
        .zip(fits.iter())
        .map(|(t, fit)| {
            let posterior = fit.posterior;
            vec![
                Cell::Text(&t.name),
                Cell::Text(t.use_.name()),
                Cell::Owned(t.describe()),
                Cell::Text(t.measure.name()),
                Cell::Text(
                    t.segment
                        .map_or("all", |s| scenario.segments[s].name.as_str()),
                ),
                Cell::Int(u64::from(t.step)),
                Cell::Owned(scenario.calendar.date(t.step).to_string()),
                number(t.value),
                number(t.observation_sd),
                number(t.discrepancy_sd),
                number(fit.prior.mean),
                number(fit.prior.low),
                number(fit.prior.high),
                optional(posterior.map(|p| p.mean)),
                optional(posterior.map(|p| p.low)),
                optional(posterior.map(|p| p.high)),
                optional(fit.implausibility),
            ]
        })
        .collect();
    write(
        staging,
        TARGETS,
        &[
            "target",
            "use",
            "quantity",
            "measure",
            "segment",
            "step",
            "date",
            "observed",
            "observation_sd",
            "discrepancy_sd",
            "prior_mean",
            "prior_p05",
            "prior_p95",
            "posterior_mean",
            "posterior_p05",
            "posterior_p95",
            "implausibility",
        ],
        &rows,
    )?;

    let rows: Vec<Vec<Cell>> = paths
        .iter()
        .zip(ranges.iter())
        .map(|(path, r)| {
            vec![
                Cell::Text(path),
                number(r.prior.0),
                number(r.prior.1),
                optional(r.posterior.map(|p| p.0)),
                optional(r.posterior.map(|p| p.1)),
                optional(r.posterior.map(|p| p.2)),
            ]
        })
        .collect();
    write(
        staging,
        PARAMETERS,
        &[
            "parameter",
            "prior_p05",
            "prior_p95",
            "posterior_mean",
            "posterior_p05",
            "posterior_p95",
        ],
        &rows,
    )?;

    let path = staging.path(MANIFEST);
    let mut bytes = serde_json::to_vec_pretty(manifest)
        .map_err(|e| Error::io(format!("writing {}", path.display()), e.into()))?;
    bytes.push(b'\n');
    std::fs::write(&path, bytes).map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

/// The posterior sample of a calibration folder, as weighted given points for `run
/// --posterior` (docs/FORMAT.md, Calibration folder). A folder without a calibration's
/// run.json, or with an empty posterior, is refused.
pub fn read_posterior(dir: &Path) -> Result<GivenPoints> {
    refuse_unless_calibration(dir, "--posterior")?;
    let points = super::read_given_points(&dir.join(POSTERIOR))?;
    if points.rows.is_empty() {
        return Err(crate::error::InputError::new(format!(
            "{}: the posterior sample is empty",
            dir.join(POSTERIOR).display()
        ))
        .in_origin("--posterior")
        .into());
    }
    Ok(points)
}

/// Refuses, naming `flag`, a folder whose run.json is not one `blockade calibrate` wrote.
fn refuse_unless_calibration(dir: &Path, flag: &str) -> Result<()> {
    let kind = std::fs::read(dir.join(MANIFEST))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|json| json.get("kind").and_then(|k| k.as_str()).map(str::to_owned));
    if kind.as_deref() == Some("calibration") {
        return Ok(());
    }
    Err(crate::error::InputError::new(format!(
        "{} is not a calibration folder (its run.json is not one `blockade calibrate` wrote)",
        dir.display()
    ))
    .in_origin(flag)
    .into())
}

/// One row of `targets.csv`, as `plot --kind calibration` reads it back.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct TargetRow {
    /// The target's name.
    pub target: String,
    /// `calibrate` or `validate`.
    #[serde(rename = "use")]
    pub use_: String,
    /// The observed value.
    pub observed: f64,
    /// The observation's sd.
    pub observation_sd: f64,
    /// The model discrepancy's sd.
    pub discrepancy_sd: f64,
    /// The prior predictive mean.
    pub prior_mean: f64,
    /// Its 5% quantile.
    pub prior_p05: f64,
    /// Its 95% quantile.
    pub prior_p95: f64,
    /// The posterior predictive mean (none when no point was accepted).
    pub posterior_mean: Option<f64>,
    /// Its 5% quantile.
    pub posterior_p05: Option<f64>,
    /// Its 95% quantile.
    pub posterior_p95: Option<f64>,
    /// The observation's implausibility under the posterior predictive.
    pub implausibility: Option<f64>,
}

/// One row of `parameters.csv`, as `plot --kind calibration` reads it back.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct ParameterRow {
    /// The parameter's path.
    pub parameter: String,
    /// The prior's 5% quantile.
    pub prior_p05: f64,
    /// The prior's 95% quantile.
    pub prior_p95: f64,
    /// The weighted posterior mean (none when no point was accepted).
    pub posterior_mean: Option<f64>,
    /// Its 5% weighted quantile.
    pub posterior_p05: Option<f64>,
    /// Its 95% weighted quantile.
    pub posterior_p95: Option<f64>,
}

/// The rows of a calibration folder's `targets.csv` and `parameters.csv`; a folder
/// `calibrate` did not write, or a malformed row, is refused naming the file and its line.
pub fn read_calibration(dir: &Path) -> Result<(Vec<TargetRow>, Vec<ParameterRow>)> {
    refuse_unless_calibration(dir, "plot --kind calibration")?;
    Ok((rows(&dir.join(TARGETS))?, rows(&dir.join(PARAMETERS))?))
}

fn rows<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>> {
    let shown = path.display().to_string();
    let mut reader = csv::Reader::from_path(path).map_err(|e| {
        crate::error::InputError::new(format!("cannot read: {e}")).in_origin(&shown)
    })?;
    reader
        .deserialize()
        .map(|row| {
            row.map_err(|e| {
                let mut error =
                    crate::error::InputError::new(format!("malformed row: {e}")).in_origin(&shown);
                error.line = e.position().map(|p| p.line() as usize);
                error.into()
            })
        })
        .collect()
}
