//! Reading an output folder back for `compare` and `plot`: `run.json` for the names, origins
//! and timelines, `adoption.csv` for the counts, `flows.csv` for the switches (both through
//! [`super::counts`], which `merge` reads its shards with), and, for a swept run,
//! `points.csv` for the points' values; or the same tables as `.parquet` files when run.json
//! records that format. A run that wrote no counts is read from `metrics.csv` alone
//! ([`load_metrics`]), for what `compare` and the sensitivity analysis need.
//!
//! Only the files' format is relied on, never the run that wrote them, so a folder from an
//! earlier run (or another machine) reads the same. A folder that is not blockade's, or whose
//! files do not hold together, is refused with one line naming the file and, where it helps,
//! the line (docs/FORMAT.md, Exit status: 2).
//!
//! A swept run (run.json's `resolved.sweep`) has a `point` column first in every CSV file;
//! it is read into one [`RunData`] per point, or only the point asked for.

use super::counts::{
    Dates, FileLayout, FlowsInto, parse_date, read_adoption, read_flows, read_usage,
    refuse_more_rows_than_bytes, segment_agents,
};
use super::files::{ADOPTION, FLOWS, METRICS_FILE, POINTS, TableFormat, USAGE};
use super::manifest::{EventAt, Resolved, ResolvedEvent, RunManifest};
use super::rows::{MetricsRow, PointRow, RowReader, TextReader, refuse, refuse_line};
use crate::calendar::{Calendar, StepUnit};
use crate::compare::{
    FIRST_PROVIDER, Metric, MetricRow, RunData, RunPoints, SweepValues, TimelineEvent,
};
use crate::error::{InputError, Result};
use crate::results::{Results, Shape, Switches};
use chrono::NaiveDate;
use serde_json::Value;
use std::path::Path;

/// Reads the output folder `dir` of a run without a `[sweep]`; a swept folder is refused
/// (read it with [`load_run`] or [`load_point`]).
pub fn load(dir: &Path) -> Result<RunData> {
    // `Which::Unswept` refuses a swept folder, so there is exactly one point.
    let (mut points, _) = read(dir, Which::Unswept)?;
    Ok(points.swap_remove(0))
}

/// Reads the output folder `dir`, swept or not, every point of it.
pub fn load_run(dir: &Path) -> Result<RunPoints> {
    let (points, sweep) = read(dir, Which::All)?;
    Ok(RunPoints { points, sweep })
}

/// Reads one point of the output folder `dir`: `point` of a swept run (point 0 when `None`),
/// or the whole of an unswept run, which refuses `Some` point. Rows of other points are
/// skipped, so that a chart of one point of a large sweep needs the memory of one point.
/// Returns the point's data and, when swept, every point's values.
pub fn load_point(dir: &Path, point: Option<usize>) -> Result<(RunData, Option<SweepValues>)> {
    let (mut points, sweep) = read(dir, Which::One(point))?;
    Ok((points.swap_remove(0), sweep))
}

/// Which points [`read`] keeps.
#[derive(Debug, Clone, Copy)]
enum Which {
    /// An unswept run; a swept one is refused.
    Unswept,
    /// Every point.
    All,
    /// One point (0 when `None`); `Some` is refused on an unswept run.
    One(Option<usize>),
}

/// What `run.json` says of a run's results: names, origins and sizes.
struct Described {
    scenario: String,
    arms: Vec<String>,
    segments: Vec<String>,
    states: Vec<String>,
    domestic: Vec<bool>,
    /// Per provider, its vendor.
    vendors: Vec<String>,
    /// Whether some segment declares usage, so that the folder has usage.csv.
    usage: bool,
    replicates: u32,
    steps: u32,
}

/// Reads a folder: the kept points' data, in point order, and the sweep's values.
fn read(dir: &Path, which: Which) -> Result<(Vec<RunData>, Option<SweepValues>)> {
    if !dir.is_dir() {
        return Err(refuse(dir, "not a folder"));
    }
    let manifest_path = dir.join(super::MANIFEST);
    let manifest = read_manifest(dir, &manifest_path)?;
    if let Some(tables) = &manifest.tables {
        let missing: Vec<&str> = ["adoption", "flows"]
            .into_iter()
            .filter(|t| !tables.iter().any(|w| w == t))
            .collect();
        if !missing.is_empty() {
            return Err(refuse(
                dir,
                format!(
                    "the run wrote {} but not {}, whose counts this reads: its metrics are in \
                     {}, which blockade compare reads; run it again with --tables all to read \
                     it here",
                    tables.join(", "),
                    missing.join(" or "),
                    manifest.format.file(METRICS_FILE)
                ),
            ));
        }
    }
    let described = describe(&manifest_path, &manifest)?;
    let table = |name: &str| dir.join(manifest.format.file(name));
    let sweep = match &manifest.resolved.sweep {
        None => None,
        Some(sweep) if sweep.points.is_empty() => {
            return Err(refuse(&manifest_path, "resolved.sweep.points: empty"));
        }
        Some(sweep) => Some(read_points(&table(POINTS), sweep.points.len())?),
    };
    let points = sweep.as_ref().map_or(1, |s| s.values.len());
    // The points kept, as a range of point numbers.
    let kept = match (which, &sweep) {
        (Which::Unswept, Some(_)) => {
            return Err(refuse(
                dir,
                format!("a swept run ({points} points): read it with load_run or load_point"),
            ));
        }
        (Which::One(Some(_)), None) => {
            return Err(InputError::new(
                "this run has no [sweep], so it has no points to choose from",
            )
            .in_origin("--point")
            .into());
        }
        (Which::One(Some(p)), Some(_)) if p >= points => {
            return Err(InputError::new(format!(
                "point {p} is not in this run: it has {points} sweep points, 0 to {}",
                points - 1
            ))
            .in_origin("--point")
            .into());
        }
        (Which::One(point), _) => {
            let p = point.unwrap_or(0);
            p..p + 1
        }
        (Which::Unswept | Which::All, _) => 0..points,
    };
    let d = &described;
    let too_large = || refuse(&manifest_path, "the run is too large to compare in memory");
    let shape = Shape::new(
        kept.len(),
        d.arms.len(),
        d.replicates,
        d.steps,
        d.segments.len(),
        d.states.len(),
    )
    .ok_or_else(too_large)?;
    shape
        .tasks()
        .checked_mul(shape.cells())
        .filter(|&n| n <= 1 << 32)
        .ok_or_else(too_large)?;
    refuse_more_rows_than_bytes(
        &table(ADOPTION),
        (shape.tasks() as u64).saturating_mul(shape.cells() as u64),
        None,
        super::MANIFEST,
    )?;
    let layout = FileLayout {
        arms: &d.arms,
        segments: &d.segments,
        states: &d.states,
        swept: sweep.is_some(),
        points,
        kept: kept.clone(),
        source: super::MANIFEST,
    };
    let mut results = Results::empty(shape, vec![vec![0; shape.segments()]; shape.slots()]);
    let mut dates = Dates::unknown(shape.steps());
    let every_task = 0..shape.tasks();
    read_adoption(
        &table(ADOPTION),
        &layout,
        &mut results,
        &every_task,
        &mut dates,
    )?;
    let agents = segment_agents(&results, &d.arms, &d.segments).map_err(|(slot, message)| {
        let point = if layout.swept {
            format!("point {}: ", kept.start + slot / shape.arms())
        } else {
            String::new()
        };
        refuse(&table(ADOPTION), format!("{point}{message}"))
    })?;
    results.set_segment_agents(agents);
    if d.usage {
        read_usage(
            &table(USAGE),
            &layout,
            &mut results,
            &every_task,
            &mut dates,
        )?;
    }
    let mut switches = Switches::new(shape);
    read_flows(
        &table(FLOWS),
        &layout,
        &mut results,
        &every_task,
        &dates,
        FlowsInto::Switches(&mut switches),
    )?;
    let names = names_of(&manifest_path, &manifest, d, dates.known())?;
    let data = results
        .into_points()
        .into_iter()
        .zip(switches.into_points())
        .map(|(results, switches)| names.with_counts(results, switches))
        .collect();
    Ok((data, sweep))
}

/// A point's data with no counts yet: the names, origins and timelines `run.json` gives, and
/// the dates of the steps. The reader fills it with each point's counts, as the run does
/// with the counts it has just simulated, so that both compute the same metrics.
pub(crate) fn point_names(manifest: &RunManifest, dates: Vec<NaiveDate>) -> Result<RunData> {
    let path = Path::new(super::MANIFEST);
    names_of(path, manifest, &describe(path, manifest)?, dates)
}

fn names_of(
    manifest_path: &Path,
    manifest: &RunManifest,
    d: &Described,
    dates: Vec<NaiveDate>,
) -> Result<RunData> {
    let timelines = timelines(manifest_path, &manifest.resolved, &d.arms, &dates)?;
    let shape = Shape::new(
        1,
        d.arms.len(),
        d.replicates,
        d.steps,
        d.segments.len(),
        d.states.len(),
    )
    .ok_or_else(|| refuse(manifest_path, "the run is too large to compare in memory"))?;
    Ok(RunData::new(
        d.scenario.clone(),
        d.arms.clone(),
        d.segments.clone(),
        d.states.clone(),
        d.domestic.clone(),
        &d.vendors,
        dates,
        timelines,
        Results::empty(shape, vec![vec![0; shape.segments()]; shape.slots()]),
        Switches::new(shape),
    ))
}

/// `points.csv`: `point,<path1>,<path2>,...`, one row per point numbered from 0, as many as
/// run.json lists.
fn read_points(path: &Path, count: usize) -> Result<SweepValues> {
    let mut reader = TextReader::open(path)?;
    if reader.header().first().map(String::as_str) != Some("point") {
        return Err(refuse(path, "the first column must be point"));
    }
    let mut parameters: Vec<String> = reader.header()[1..].to_vec();
    // Given points with weights end with a weight column, never a set path.
    let weighted = parameters.last().is_some_and(|c| c == super::WEIGHT_COLUMN);
    if weighted {
        parameters.pop();
    }
    let mut values = Vec::new();
    let mut weights = Vec::new();
    while let Some((record, line)) = reader.next()? {
        let row: Option<PointRow<String>> = record.deserialize(None).ok();
        let Some(mut row) = row.filter(|r| r.point == values.len()) else {
            return Err(refuse_line(
                path,
                line,
                format!(
                    "expected point {} (points count from 0, in order)",
                    values.len()
                ),
            ));
        };
        if weighted {
            let weight = row.values.pop().and_then(|w| w.parse::<f64>().ok());
            match weight {
                Some(w) if w.is_finite() && w >= 0.0 => weights.push(w),
                _ => return Err(refuse_line(path, line, "weight: expected a number >= 0")),
            }
        }
        values.push(row.values);
    }
    if values.len() != count {
        return Err(refuse(
            path,
            format!(
                "has {} point{} where run.json lists {count}",
                values.len(),
                if values.len() == 1 { "" } else { "s" }
            ),
        ));
    }
    Ok(SweepValues {
        parameters,
        values,
        weights: weighted.then_some(weights),
    })
}

/// The output folder `dir`'s `run.json` as typed records, refused unless blockade wrote it.
pub(crate) fn manifest(dir: &Path) -> Result<RunManifest> {
    read_manifest(dir, &dir.join(super::MANIFEST))
}

/// The format of the output folder `dir`'s tables, as its `run.json` records it.
pub fn folder_format(dir: &Path) -> Result<TableFormat> {
    Ok(manifest(dir)?.format)
}

/// `run.json`, refused unless blockade wrote it.
fn read_manifest(dir: &Path, path: &Path) -> Result<RunManifest> {
    let json: Value = std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .filter(|json: &Value| json.get("tool").and_then(Value::as_str) == Some("blockade"))
        .ok_or_else(|| {
            refuse(
                dir,
                "not a blockade output folder (no run.json written by blockade)",
            )
        })?;
    serde_json::from_value(json)
        .map_err(|e| refuse(path, format!("not as blockade writes it: {e}")))
}

/// Names, origins and sizes from `run.json`.
fn describe(path: &Path, manifest: &RunManifest) -> Result<Described> {
    let arms = manifest.variants.clone();
    if arms.first().map(String::as_str) != Some("baseline") {
        return Err(refuse(path, "variants: the first must be baseline"));
    }
    if manifest.replicates == 0 {
        return Err(refuse(path, "replicates: not a positive integer"));
    }
    let resolved = &manifest.resolved;
    if resolved.scenario.steps == u32::MAX {
        return Err(refuse(path, "resolved.scenario.steps: too many"));
    }
    let segments: Vec<String> = resolved.segments.iter().map(|s| s.name.clone()).collect();
    if segments.is_empty() {
        return Err(refuse(path, "resolved.segments: empty"));
    }
    let mut states = vec!["not_adopted".to_owned(), "unserved".to_owned()];
    let mut domestic = vec![false; FIRST_PROVIDER];
    let mut vendors = Vec::new();
    for provider in &resolved.providers {
        states.push(provider.id.clone());
        vendors.push(
            provider
                .vendor
                .clone()
                .unwrap_or_else(|| provider.id.clone()),
        );
        // A provider without an origin counts as foreign (docs/FORMAT.md, [[providers]]).
        domestic.push(provider.origin.as_deref() == Some("cn"));
    }
    Ok(Described {
        scenario: resolved.scenario.name.clone(),
        arms,
        segments,
        states,
        domestic,
        vendors,
        usage: resolved.segments.iter().any(|s| s.usage.is_some()),
        replicates: manifest.replicates,
        steps: resolved.scenario.steps,
    })
}

/// An event's own date from its `at` (a date, or a step number).
fn own_date(event: &ResolvedEvent, dates: &[NaiveDate]) -> Option<NaiveDate> {
    match &event.at {
        EventAt::Date(d) => parse_date(d),
        EventAt::Step(s) => dates.get(*s as usize).copied(),
    }
}

/// Each arm's timeline from `run.json`, with each event's own date looked up among the
/// baseline's and the variant's events (the timeline holds the date of the step it applies
/// at, which is later when the event falls between two steps).
fn timelines(
    path: &Path,
    resolved: &Resolved,
    arms: &[String],
    dates: &[NaiveDate],
) -> Result<Vec<Vec<TimelineEvent>>> {
    arms.iter()
        .map(|arm| {
            let (timeline, variant_events) = if arm == "baseline" {
                (&resolved.timeline, &[][..])
            } else {
                let variant = resolved
                    .variants
                    .iter()
                    .find(|v| &v.name == arm)
                    .ok_or_else(|| refuse(path, format!("resolved.variants: no '{arm}'")))?;
                (&variant.timeline, variant.events.as_slice())
            };
            timeline
                .iter()
                .map(|e| {
                    let step = e.step;
                    if step as usize >= dates.len() {
                        return Err(refuse(
                            path,
                            format!("{}: step {step} is outside the run", e.name),
                        ));
                    }
                    let date = resolved
                        .events
                        .iter()
                        .chain(variant_events)
                        .find(|o| o.name == e.name)
                        .and_then(|o| own_date(o, dates))
                        .unwrap_or(dates[step as usize]);
                    Ok(TimelineEvent {
                        name: e.name.clone(),
                        date,
                        step,
                    })
                })
                .collect()
        })
        .collect()
}

/// Reads a metrics file (`metrics.csv`, or `.parquet` by its extension) that a run, a shard
/// or `compare --write-metrics` wrote, one point at a time: `each_point` gets a point's
/// number (`None` unswept) and its rows, named by `names`, in the file's order. Numbers are
/// written in their shortest form that reads back to the same value, so the values are the
/// same bits as those computed (-0, written 0, aside).
pub(crate) fn read_metric_rows(
    path: &Path,
    names: &RunData,
    swept: bool,
    mut each_point: impl FnMut(Option<usize>, &[MetricRow]) -> Result<()>,
) -> Result<()> {
    let mut reader = RowReader::open::<MetricsRow>(path, swept)?;
    let mut point_rows: Vec<MetricRow> = Vec::new();
    let mut current = None;
    while let Some((point, row, line)) = reader.next::<MetricsRow>()? {
        if point != current && !point_rows.is_empty() {
            each_point(current, &point_rows)?;
            point_rows.clear();
        }
        current = point;
        let bad = |what: &str| refuse_line(path, line, format!("not a row of this run: {what}"));
        let arm = names
            .arms
            .iter()
            .position(|a| a == row.variant)
            .ok_or_else(|| bad("variant"))?;
        let segment = names
            .segments_and_all()
            .find(|&s| names.segment_name(s) == row.segment)
            .ok_or_else(|| bad("segment"))?;
        let metric = Metric::parse(row.metric).ok_or_else(|| bad("metric"))?;
        let state = match row.state {
            None => None,
            Some(name) => {
                let among = if metric.of_vendor() {
                    &names.vendors
                } else {
                    &names.states
                };
                Some(
                    among
                        .iter()
                        .position(|s| s == name)
                        .ok_or_else(|| bad("state"))?,
                )
            }
        };
        if row.step.is_some_and(|s| s > names.steps()) {
            return Err(bad("step"));
        }
        let pair = |a: Option<f64>, b: Option<f64>| a.zip(b);
        point_rows.push(MetricRow {
            arm,
            segment,
            metric,
            state,
            step: row.step,
            mean: row.mean,
            ci95: pair(row.ci95_low, row.ci95_high),
            diff: row
                .diff_mean
                .zip(row.diff_ci95_low)
                .zip(row.diff_ci95_high)
                .map(|((d, l), h)| (d, l, h)),
            unpaired: pair(row.unpaired_ci95_low, row.unpaired_ci95_high),
        });
    }
    if !point_rows.is_empty() {
        each_point(current, &point_rows)?;
    }
    Ok(())
}

/// Whether the run that `manifest` describes wrote `table` (an older run.json, which does
/// not list its tables, wrote them all).
pub(crate) fn wrote(manifest: &RunManifest, table: &str) -> bool {
    manifest
        .tables
        .as_ref()
        .is_none_or(|tables| tables.iter().any(|t| t == table))
}

/// Whether the output folder `dir` holds the counts (adoption and flows) that [`load_run`]
/// reads; when not, [`load_metrics`] reads what it holds.
pub fn has_counts(dir: &Path) -> Result<bool> {
    if !dir.is_dir() {
        return Err(refuse(dir, "not a folder"));
    }
    let manifest = manifest(dir)?;
    Ok(wrote(&manifest, "adoption") && wrote(&manifest, "flows"))
}

/// Reads the output folder `dir`, swept or not, from its metrics file alone (and run.json,
/// and points.csv when swept), for a run that wrote metrics but not the counts (a sweep's
/// default tables). Returns the run with one [`RunData`] per point that holds the names,
/// dates and timelines but no counts (nothing computed from counts may be asked of it), and
/// every point's metric rows, as [`crate::compare::metrics`] computed them for the file.
pub fn load_metrics(dir: &Path) -> Result<(RunPoints, Vec<Vec<MetricRow>>)> {
    if !dir.is_dir() {
        return Err(refuse(dir, "not a folder"));
    }
    let manifest_path = dir.join(super::MANIFEST);
    let manifest = read_manifest(dir, &manifest_path)?;
    if !wrote(&manifest, "metrics") {
        return Err(refuse(
            dir,
            "the run wrote neither the counts (adoption, flows) nor metrics: run it again \
             with --tables all to read it here",
        ));
    }
    let described = describe(&manifest_path, &manifest)?;
    let scenario = &manifest.resolved.scenario;
    let calendar = NaiveDate::parse_from_str(&scenario.start, "%Y-%m-%d")
        .ok()
        .zip(StepUnit::parse(&scenario.step))
        .filter(|_| scenario.steps <= MAX_STEPS)
        .and_then(|(start, unit)| Calendar::new(start, unit, scenario.steps))
        .ok_or_else(|| {
            refuse(
                &manifest_path,
                "resolved.scenario: start, step and steps do not give a calendar",
            )
        })?;
    let dates: Vec<NaiveDate> = (0..=scenario.steps).map(|s| calendar.date(s)).collect();
    let names = names_of(&manifest_path, &manifest, &described, dates)?;
    let table = |name: &str| dir.join(manifest.format.file(name));
    let sweep = match &manifest.resolved.sweep {
        None => None,
        Some(sweep) if sweep.points.is_empty() => {
            return Err(refuse(&manifest_path, "resolved.sweep.points: empty"));
        }
        Some(sweep) => Some(read_points(&table(POINTS), sweep.points.len())?),
    };
    let expected = sweep.as_ref().map_or(1, |s| s.values.len());
    let path = table(METRICS_FILE);
    let mut metrics: Vec<Vec<MetricRow>> = Vec::new();
    read_metric_rows(&path, &names, sweep.is_some(), |point, rows| {
        let number = metrics.len();
        if point.is_some_and(|p| p != number) || number == expected {
            return Err(refuse(
                &path,
                format!("expected the rows of point {number} (points count from 0, in order)"),
            ));
        }
        match metrics.first() {
            None => refuse_unpaired(&path, rows)?,
            Some(first) if !same_keys(first, rows) => {
                return Err(refuse(
                    &path,
                    format!("point {number}: its rows are not point 0's"),
                ));
            }
            Some(_) => {}
        }
        metrics.push(rows.to_vec());
        Ok(())
    })?;
    if metrics.len() != expected {
        return Err(refuse(
            &path,
            format!(
                "has the rows of {} point{} where run.json lists {expected}",
                metrics.len(),
                if metrics.len() == 1 { "" } else { "s" }
            ),
        ));
    }
    let points = vec![names; expected];
    Ok((RunPoints { points, sweep }, metrics))
}

/// The most steps a run read from its metrics may have: far more than any scenario, far
/// fewer than would exhaust memory for its dates.
const MAX_STEPS: u32 = 1 << 24;

/// Whether two points' rows are about the same things in the same order (a share's step is
/// the same at every point; a crossing's or a peak's is a median that differs).
fn same_keys(a: &[MetricRow], b: &[MetricRow]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(a, b)| {
            (a.arm, a.segment, a.metric, a.state) == (b.arm, b.segment, b.metric, b.state)
        })
}

/// Refuses rows in which a variant's row does not come `arm` rows after its baseline's, as
/// [`crate::compare::metrics`] orders them and every summary across points relies on.
fn refuse_unpaired(path: &Path, rows: &[MetricRow]) -> Result<()> {
    for (i, row) in rows.iter().enumerate() {
        let baseline = i.checked_sub(row.arm).map(|b| &rows[b]);
        if row.arm > 0
            && !baseline.is_some_and(|b| {
                (b.arm, b.segment, b.metric, b.state) == (0, row.segment, row.metric, row.state)
            })
        {
            return Err(refuse(
                path,
                format!(
                    "point 0's row {} is a variant's without its baseline's {} rows before it, \
                     as blockade writes them",
                    i + 1,
                    row.arm
                ),
            ));
        }
    }
    Ok(())
}
