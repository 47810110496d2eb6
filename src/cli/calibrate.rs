//! `blockade calibrate`: history matching and ABC against a scenario's `[[targets]]` (the
//! method is the library's `calibration` module; this file runs the model for it, writes the
//! folder and prints the tables), and the targets as `check` shows them.

use super::CalibrateArgs;
use blockade::calibration::{
    self, Calibration, INTERVAL, Outcome, ParameterRange, Prior, Settings, TargetFit,
};
use blockade::output::{self, CalibrationFolder, Staging};
use blockade::scenario::{GivenPoints, Overrides, PriorFile, Scenario};
use blockade::spec::{TargetUse, UncertainParameter};
use blockade::{Error, InputError, Result, resources, runner};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// The `[uncertainty]` table as the calibration's prior.
struct Uncertainty<'a>(&'a [UncertainParameter]);

impl Prior for Uncertainty<'_> {
    fn dims(&self) -> usize {
        self.0.len()
    }

    fn value(&self, dim: usize, u: f64) -> f64 {
        // Checked numeric before the calibration starts.
        self.0[dim].distribution.number_at(u).unwrap_or(f64::NAN)
    }
}

pub fn calibrate(args: &CalibrateArgs, interrupted: &Arc<AtomicBool>) -> Result<()> {
    let file = &args.file;
    let shown = file.display().to_string();
    let bytes = std::fs::read(file)
        .map_err(|e| InputError::new(format!("cannot read: {e}")).in_origin(&shown))?;
    let overrides = Overrides {
        sets: args.sets.clone(),
        population: args.population,
        replicates: args.replicates,
        seed: args.seed,
        points: None,
        method: None,
        prior: args
            .prior
            .as_ref()
            .map(|path| {
                let file = path.display().to_string();
                std::fs::read_to_string(path)
                    .map(|text| PriorFile {
                        file: file.clone(),
                        text,
                    })
                    .map_err(|e| InputError::new(format!("cannot read: {e}")).in_origin(&file))
            })
            .transpose()?,
    };
    let scenario = Scenario::from_bytes(&shown, &bytes, &overrides)?;
    refuse_what_cannot_calibrate(&scenario, args)?;
    if !args.quiet {
        for warning in &scenario.warnings {
            eprintln!("warning: {warning}");
        }
    }
    let target = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(format!("{}.calibration", scenario.name)));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()
        .map_err(|e| Error::Resources(format!("cannot start {} threads: {e}", args.threads)))?;
    // Written into DIR.partial, kept when the calibration does not end, so that --resume
    // goes on from the points it computed.
    let progress = output::CalibrationRun {
        version: env!("CARGO_PKG_VERSION").into(),
        scenario_sha256: scenario.file_sha256.clone(),
        resolved_sha256: output::json_sha256(&output::resolved(&scenario)),
        seed: scenario.seed,
        wave_points: args.wave_points,
        waves: args.waves,
        abc_points: args.abc_points,
    };
    // A shard reads the partial folder's record and adds a file of its own points to it; it
    // writes no calibration folder, so it takes no staging folder (and no lock: every shard
    // of a batch runs at once).
    let partial = output::partial_folder(&target);
    let (staging, recorded) = match args.shard {
        Some(_) => (None, output::computed_points(&partial, &progress)?),
        None => {
            let (mut staging, taken_over) =
                Staging::begin_kept(&target, args.resume || args.merge)?;
            staging.refuse_inside(file, "the scenario file")?;
            staging.stop_on(interrupted.clone());
            let recorded = match taken_over {
                true => output::computed_points(staging.folder(), &progress)?,
                false => None,
            };
            if args.resume && recorded.is_none() && !args.quiet {
                eprintln!(
                    "nothing to resume in {}: computing every point",
                    partial.display()
                );
            }
            if recorded.is_none() {
                output::begin_calibration_record(&staging, &progress)?;
            }
            staging.keep();
            let mut recorded = recorded.unwrap_or_default();
            if args.merge {
                let added = output::absorb_calibration_shards(&staging, &progress, recorded.len())?;
                if !args.quiet {
                    eprintln!("merged {} points computed by shards", added.len());
                }
                recorded.extend(added);
            }
            (Some(staging), Some(recorded))
        }
    };
    let recorded = recorded.unwrap_or_default();
    let mut next_recorded = 0usize;
    // Why a shard or a merge stopped before the end: the next batch is the shards' to run.
    let mut stopped: Option<String> = None;
    let mut reused_runs: u64 = 0;

    let settings = Settings {
        wave_points: args.wave_points,
        waves: args.waves,
        abc_points: args.abc_points,
        seed: scenario.seed,
    };
    let parameters = &scenario.uncertainty;
    let prior = Uncertainty(parameters);
    let started_at = chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let clock = Instant::now();
    let mut runs: u64 = 0;
    let mut batch = 0u32;
    // Points run together: enough replicates to keep every thread busy, few enough that an
    // interruption loses little. A point's values do not depend on the points run with it
    // (the model's streams do not see the point).
    let group = (4 * pool.current_num_threads()).div_ceil(scenario.replicates.max(1) as usize);
    let compute = |chunk: &[Vec<f64>]| -> Result<Vec<output::ComputedPoint>> {
        let given = GivenPoints::from_unit_points("calibrate", parameters, chunk);
        let at = Scenario::from_bytes(
            &shown,
            &bytes,
            &Overrides {
                points: Some(given),
                ..overrides.clone()
            },
        )?;
        let arms = at.arms(&["baseline".to_owned()])?;
        // A group that cannot fit in memory is refused before it is allocated, as a run is.
        let tasks: Vec<usize> = (0..runner::shape(&at, &arms).tasks()).collect();
        resources::check_memory(&resources::estimate(
            &at,
            &arms,
            &tasks,
            pool.current_num_threads(),
        ))?;
        let results = pool.install(|| runner::run(&at, &arms, interrupted, &|_| {}))?;
        Ok(chunk
            .iter()
            .enumerate()
            .map(|(p, u)| {
                let slot = results.shape().slot(p, 0);
                output::ComputedPoint {
                    u: u.clone(),
                    outcome: at
                        .targets
                        .iter()
                        .map(|t| calibration::simulated(t, &results, slot))
                        .collect(),
                }
            })
            .collect())
    };
    let mut simulate = |units: &[Vec<f64>]| -> Result<Vec<Outcome>> {
        batch += 1;
        let mut outcomes: Vec<Outcome> = Vec::with_capacity(units.len());
        for u in units {
            let Some(point) = recorded.get(next_recorded) else {
                break;
            };
            let same = point.u.len() == u.len()
                && point
                    .u
                    .iter()
                    .zip(u)
                    .all(|(a, b)| a.to_bits() == b.to_bits());
            if !same {
                return Err(InputError::new(format!(
                    "{}: point {} is not the one this calibration asks for: run without \
                     --resume to start again",
                    output::CALIBRATION_POINTS,
                    next_recorded + 1
                ))
                .in_origin(partial.display().to_string())
                .into());
            }
            outcomes.push(point.outcome.clone());
            next_recorded += 1;
        }
        runs += (outcomes.len() as u64) * u64::from(scenario.replicates);
        reused_runs += (outcomes.len() as u64) * u64::from(scenario.replicates);
        let remaining = &units[outcomes.len()..];
        if !args.quiet {
            eprintln!(
                "batch {batch}: {} points x {} replicates{}",
                units.len(),
                scenario.replicates,
                match outcomes.len() {
                    0 => String::new(),
                    n => format!(" ({n} recorded by an earlier run)"),
                }
            );
        }
        if remaining.is_empty() {
            return Ok(outcomes);
        }
        match (&staging, args.shard) {
            (_, Some(shard)) => {
                // Shard I of N computes the I-th of N contiguous blocks of the batch's points
                // not recorded, and stops: the merge puts the blocks back in order.
                let (i, n) = (shard.index() as usize, shard.count() as usize);
                let (low, high) = (remaining.len() * (i - 1) / n, remaining.len() * i / n);
                let mut computed = Vec::with_capacity(high - low);
                for chunk in remaining[low..high].chunks(group.max(1)) {
                    computed.extend(compute(chunk)?);
                }
                output::write_calibration_shard(
                    &partial,
                    &progress,
                    shard,
                    next_recorded + low,
                    &computed,
                )?;
                stopped = Some(format!(
                    "shard {}/{} of batch {batch}: computed {} of its {} points not recorded, \
                     into {}; when every shard has, `blockade calibrate --merge` goes on",
                    shard.index(),
                    shard.count(),
                    computed.len(),
                    remaining.len(),
                    partial
                        .join(output::calibration_shard_file(shard))
                        .display()
                ));
                Err(Error::Interrupted)
            }
            (Some(staging), None) if !args.merge => {
                for chunk in remaining.chunks(group.max(1)) {
                    let computed = compute(chunk)?;
                    runs += (chunk.len() as u64) * u64::from(scenario.replicates);
                    output::record_calibration_points(staging, &computed)?;
                    outcomes.extend(computed.into_iter().map(|c| c.outcome));
                }
                Ok(outcomes)
            }
            _ => {
                stopped = Some(format!(
                    "batch {batch}: {} points are not computed: run the shards (--shard I/N) \
                     again, then --merge",
                    remaining.len()
                ));
                Err(Error::Interrupted)
            }
        }
    };
    let result = match calibration::calibrate(&scenario.targets, &prior, &settings, &mut simulate) {
        Ok(result) => result,
        Err(Error::Interrupted) if stopped.is_some() && !interrupted.load(Ordering::SeqCst) => {
            if !args.quiet {
                eprintln!("{}", stopped.unwrap_or_default());
            }
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let Some(staging) = staging else {
        if !args.quiet {
            eprintln!(
                "every point of this calibration is recorded in {}: `blockade calibrate \
                 --merge` writes its folder",
                partial.display()
            );
        }
        return Ok(());
    };
    let wall_time_s = clock.elapsed().as_secs_f64();
    let fits = calibration::target_fits(&scenario.targets, &result);
    let ranges = calibration::parameter_ranges(&prior, &result);
    let paths: Vec<String> = parameters.iter().map(|p| p.path.clone()).collect();
    let manifest = json!({
        "tool": "blockade",
        "kind": "calibration",
        "version": env!("CARGO_PKG_VERSION"),
        "scenario_file": shown,
        "scenario_sha256": scenario.file_sha256,
        "prior_file": overrides.prior.as_ref().map(|p| &p.file),
        "seed": scenario.seed,
        "replicates": scenario.replicates,
        "population": scenario.baseline.population,
        "wave_points": settings.wave_points,
        "waves": settings.waves,
        "abc_points": settings.abc_points,
        "cutoff": calibration::CUTOFF,
        "criterion": if result.second_largest { "second_largest" } else { "largest" },
        "stop": result.stop.describe(),
        "tolerance": result.tolerance,
        "tolerance_widened": result.widened,
        "accepted": result.posterior().count(),
        "effective_size": result.effective_size,
        "parameters": paths,
        "targets": scenario.targets.iter().map(|t| &t.name).collect::<Vec<_>>(),
        "model_runs": runs,
        "threads": pool.current_num_threads(),
        "command_line": std::env::args().collect::<Vec<_>>(),
        "started_at": started_at,
        "wall_time_s": wall_time_s,
    });
    output::write_calibration(
        &staging,
        &CalibrationFolder {
            scenario: &scenario,
            parameters: &paths,
            calibration: &result,
            fits: &fits,
            ranges: &ranges,
            manifest: &manifest,
        },
    )?;
    if interrupted.load(Ordering::SeqCst) {
        return Err(Error::Interrupted);
    }
    output::remove_calibration_record(&staging)?;
    staging.commit()?;
    if !args.quiet {
        print_report(&scenario, &paths, &result, &fits, &ranges);
        outln!(
            "\n{runs} model runs (points x replicates of {} agents{}) in {wall_time_s:.1} s on \
             {} threads; wrote {}",
            scenario.baseline.population,
            match reused_runs {
                0 => String::new(),
                n => format!("; {n} of them recorded by an earlier run"),
            },
            pool.current_num_threads(),
            target.display()
        );
    }
    Ok(())
}

/// Refuses, before anything runs, a calibration that cannot work: no `calibrate` target, no
/// `[uncertainty]`, a parameter whose values are not numbers, or sizes of zero.
fn refuse_what_cannot_calibrate(scenario: &Scenario, args: &CalibrateArgs) -> Result<()> {
    let refuse = |message: String| -> Result<()> {
        Err(InputError::new(message).in_origin(&scenario.file).into())
    };
    if !scenario
        .targets
        .iter()
        .any(|t| t.use_ == TargetUse::Calibrate)
    {
        return refuse(
            "calibrate needs at least one [[targets]] entry with use = \"calibrate\"".into(),
        );
    }
    if scenario.uncertainty.is_empty() {
        return refuse("calibrate needs an [uncertainty] table: the parameters to fit".into());
    }
    if let Some(p) = scenario
        .uncertainty
        .iter()
        .find(|p| p.distribution.number_at(0.5).is_none())
    {
        return refuse(format!(
            "uncertainty.{}: calibrate fits numbers; this parameter takes values that are not",
            p.path
        ));
    }
    for (flag, n) in [
        ("--wave-points", args.wave_points),
        ("--abc-points", args.abc_points),
        ("--waves", args.waves as usize),
    ] {
        if n == 0 {
            return Err(InputError::new("must be at least 1").in_origin(flag).into());
        }
    }
    Ok(())
}

/// The tables `calibrate` ends with: the waves, the ABC step, the parameters and the targets.
fn print_report(
    scenario: &Scenario,
    paths: &[String],
    result: &Calibration,
    fits: &[TargetFit],
    ranges: &[ParameterRange],
) {
    let fitted = scenario
        .targets
        .iter()
        .filter(|t| t.use_ == TargetUse::Calibrate)
        .count();
    outln!(
        "calibration of {}: {} parameters, {} targets ({fitted} fitted, {} held out)",
        scenario.file,
        paths.len(),
        scenario.targets.len(),
        scenario.targets.len() - fitted
    );
    outln!(
        "\nhistory matching: a point is ruled out when its {} implausibility over the fitted \
         targets exceeds {}",
        if result.second_largest {
            "second-largest"
        } else {
            "largest"
        },
        calibration::CUTOFF
    );
    outln!(
        "  {:>4}  {:<16} {:>6} {:>6}  {:>28}  {:>10}",
        "wave",
        "stage",
        "points",
        "kept",
        "share of prior not ruled out",
        "box volume"
    );
    for w in &result.waves {
        outln!(
            "  {:>4}  {:<16} {:>6} {:>6}  {:>19.4} ± {:<6.4}  {:>10.3e}",
            w.wave,
            w.stage.name(),
            w.points,
            w.kept,
            w.not_ruled_out,
            w.not_ruled_out_se,
            w.box_volume
        );
    }
    outln!(
        "  stopped: {}; the ± is one standard error of the estimate",
        result.stop.describe()
    );
    outln!(
        "\nABC: distance sqrt(sum of squared implausibilities of the {fitted} fitted targets), \
         tolerance {:.3}{}; {} points accepted, effective sample size {:.1}",
        result.tolerance,
        if result.widened {
            " (WIDENED to accept 10 points: the targets are hard to meet together)"
        } else {
            " (sqrt of chi-square 95%)"
        },
        result.posterior().count(),
        result.effective_size
    );
    let (low, high) = (INTERVAL.0 * 100.0, INTERVAL.1 * 100.0);
    outln!(
        "\nparameters: prior and posterior {low:.0}-{high:.0}% ranges (uncertainty of the \
         parameter given the targets)"
    );
    for (path, r) in paths.iter().zip(ranges) {
        match r.posterior {
            Some((mean, lo, hi)) => outln!(
                "  {path:<40} prior [{:.4}, {:.4}]  posterior {mean:.4} [{lo:.4}, {hi:.4}]",
                r.prior.0,
                r.prior.1
            ),
            None => outln!(
                "  {path:<40} prior [{:.4}, {:.4}]  posterior: none accepted",
                r.prior.0,
                r.prior.1
            ),
        }
    }
    outln!(
        "\ntargets: observed vs predictive mean [{low:.0}-{high:.0}% interval]; intervals cover \
         parameter uncertainty and simulation noise, not observation error or discrepancy"
    );
    for (t, fit) in scenario.targets.iter().zip(fits) {
        let posterior = match (fit.posterior, fit.implausibility) {
            (Some(p), Some(i)) => format!(
                "posterior {:.4} [{:.4}, {:.4}], implausibility {i:.2}",
                p.mean, p.low, p.high
            ),
            _ => "posterior: none".to_owned(),
        };
        outln!(
            "  {:<28} {:<9} observed {:<8.4} prior {:.4} [{:.4}, {:.4}]  {posterior}",
            t.name,
            t.use_.name(),
            t.value,
            fit.prior.mean,
            fit.prior.low,
            fit.prior.high
        );
    }
}

/// The `[[targets]]` as `check` lists them: what each observes, where and when, its value and
/// uncertainties, its use and its source.
pub fn print_targets(scenario: &Scenario) {
    if scenario.targets.is_empty() {
        return;
    }
    let fitted = scenario
        .targets
        .iter()
        .filter(|t| t.use_ == blockade::spec::TargetUse::Calibrate)
        .count();
    outln!(
        "\ntargets ({}: {fitted} to calibrate, {} held out to validate)",
        scenario.targets.len(),
        scenario.targets.len() - fitted
    );
    for t in &scenario.targets {
        outln!(
            "  {:<24} {} = {} (observation sd {}, discrepancy sd {}), {}",
            t.name,
            t.describe(),
            t.value,
            t.observation_sd,
            t.discrepancy_sd,
            t.use_
        );
        outln!(
            "  {:24} share of {} in {} at step {} ({})",
            "",
            t.measure,
            t.segment
                .map_or("all", |s| scenario.segments[s].name.as_str()),
            t.step,
            scenario.calendar.date(t.step)
        );
        if let Some(source) = &t.source {
            outln!("  {:24} source: {source}", "");
        }
    }
}

/// `check --predict`: the baseline run at the file's own values (its replicates, after the
/// flags; a sweep's points are not run), and each target's observed value against the
/// simulated mean, its replicate interval and the implausibility. The interval is simulation
/// noise alone: the parameters' uncertainty is what `calibrate` adds, over `[uncertainty]`.
pub fn print_predictions(scenario: &Scenario, interrupted: &Arc<AtomicBool>) -> Result<()> {
    if scenario.targets.is_empty() {
        return Err(InputError::new("the file has no [[targets]] to predict")
            .in_origin("--predict")
            .into());
    }
    let mut at_values = scenario.clone();
    at_values.sweep = None;
    let arms = at_values.arms(&["baseline".to_owned()])?;
    let tasks: Vec<usize> = (0..runner::shape(&at_values, &arms).tasks()).collect();
    resources::check_memory(&resources::estimate(
        &at_values,
        &arms,
        &tasks,
        rayon::current_num_threads(),
    ))?;
    let results = runner::run(&at_values, &arms, interrupted, &|_| {})?;
    outln!(
        "\ntargets against the baseline at the file's values ({} replicates of {} agents{}): \
         simulated mean [95% interval of the mean over replicates: simulation noise only]",
        at_values.replicates,
        at_values.baseline.population,
        if scenario.sweep.is_some() {
            "; the sweep's points are not run"
        } else {
            ""
        }
    );
    outln!(
        "  {:<28} {:<9} {:>18}  {:>26}  {:>14}",
        "target",
        "use",
        "observed ± sd",
        "simulated [95%]",
        "implausibility"
    );
    for t in &scenario.targets {
        let values = calibration::simulated(t, &results, 0);
        let (low, high) = blockade::stats::t_interval(&values);
        let implausibility = calibration::implausibility(t, &values);
        outln!(
            "  {:<28} {:<9} {:>9.4} ± {:<6.4}  {:>8.4} [{:.4}, {:.4}]  {:>14.2}{}",
            t.name,
            t.use_.name(),
            t.value,
            t.tolerated_variance().sqrt(),
            blockade::stats::mean(&values),
            low,
            high,
            implausibility,
            if implausibility > calibration::CUTOFF {
                "  > 3"
            } else {
                ""
            }
        );
    }
    outln!(
        "  ± sd: the observation and discrepancy sds combined; implausibility: |observed - \
         mean| / sqrt(observation var + discrepancy var + simulation var / replicates), which \
         calibration rules out above {}; `blockade calibrate` gives the prior and posterior \
         predictive intervals over [uncertainty].",
        calibration::CUTOFF
    );
    Ok(())
}
