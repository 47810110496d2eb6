//! `blockade run`: the pipeline from a scenario file to an output folder, top to bottom; with
//! `--shard I/N`, to a shard folder holding that shard's share of the tasks.

use super::RunArgs;
use blockade::output::{self, Launch, PointWriter, Staging};
use blockade::plot::{self, Chart, Kind};
use blockade::results::{Results, TaskCounts};
use blockade::scenario::{Scenario, Table, TableFormat, Tables};
use blockade::stats::Summary;
use blockade::{Error, InputError, Result, compare, report, resources, runner};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// The widest the final table may be before it is split.
const TABLE_WIDTH: usize = 100;

/// How many worker threads a run may ask for, per core: more only adds switching, and a
/// million threads would take minutes to start, deaf to signals.
const THREADS_PER_CORE: usize = 4;

pub fn run(args: &RunArgs, interrupted: &Arc<AtomicBool>) -> Result<()> {
    execute(args, interrupted, false)
}

/// The run; with `sensitivity`, as `blockade sensitivity`, which refuses a file that asks for
/// no sensitivity analysis.
pub(super) fn execute(
    args: &RunArgs,
    interrupted: &Arc<AtomicBool>,
    sensitivity: bool,
) -> Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let most = THREADS_PER_CORE * cores;
    if args.threads > most {
        return Err(InputError::new(format!(
            "at most {most} ({THREADS_PER_CORE} per core, {cores} cores), not {}; 0 uses \
             every core",
            args.threads
        ))
        .in_origin("--threads")
        .into());
    }
    let scenario = Scenario::load(&args.scenario.file, &args.scenario.overrides()?)?;
    if sensitivity && scenario.sensitivity.is_none() {
        return Err(InputError::new(
            "has no [sensitivity] table: add one, or give --method sobol or --method morris",
        )
        .in_origin(args.scenario.file.display().to_string())
        .into());
    }
    let arms = scenario.arms(&args.scenario.variants)?;
    if !args.quiet {
        for warning in &scenario.warnings {
            eprintln!("warning: {warning}");
        }
    }
    let swept = scenario.sweep.is_some();
    let requested = match &args.tables {
        Some(list) => {
            Tables::parse_list(list).map_err(|m| InputError::new(m).in_origin("--tables"))?
        }
        None => scenario.tables.unwrap_or(Tables::default_for(swept)),
    };
    let has_usage = arms.iter().any(|a| a.setup.has_usage());
    let written = output::written_tables(requested, has_usage);
    refuse_charts_without_counts(args, written, has_usage)?;
    let target = args.out.clone().unwrap_or_else(|| {
        let name = match args.shard {
            Some(shard) => shard.folder_name(&scenario.name),
            None => scenario.name.clone(),
        };
        PathBuf::from("output").join(name)
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()
        .map_err(|e| Error::Resources(format!("cannot start {} threads: {e}", args.threads)))?;
    let shape = runner::shape(&scenario, &arms);
    refuse_bookkeeping_that_cannot_fit(shape.tasks())?;
    let per_point = shape.one_point().tasks();
    let (mut tasks, mut file_tables): (Vec<usize>, Tables) = match args.shard {
        Some(shard) => (
            shard.tasks_of(swept, shape.points(), per_point),
            output::written_tables(output::shard_tables(requested, swept), has_usage),
        ),
        None => ((0..shape.tasks()).collect(), written),
    };
    let format = args
        .format
        .map(|f| f.table_format())
        .or(scenario.format)
        .unwrap_or_default();
    // A sweep writes into DIR.partial, kept when the run does not end, so that --resume goes
    // on from its complete points: CSV files, which a killed run leaves complete up to the
    // last point it recorded (a shard's are CSV whatever the format).
    let partial = swept && (args.shard.is_some() || format.is_csv());
    if partial {
        // Kept in the partial folder whatever the tables: a resumed run reads its complete
        // points' metric values back from it.
        file_tables = Tables::of(&[file_tables.list(), vec![Table::Metrics]].concat());
    } else if args.resume {
        let why = match swept {
            true => {
                "a Parquet file is complete only once written whole: resume a sweep written as CSV"
            }
            false => {
                "only a sweep is resumed: a run without a [sweep] is one point, computed whole"
            }
        };
        return Err(InputError::new(why).in_origin("--resume").into());
    }
    let overrides = json!({
        "set": args.scenario.sets,
        "population": args.scenario.population,
        "replicates": args.scenario.replicates,
        "seed": args.scenario.seed,
        "variant": args.scenario.variants,
        "out": args.out,
    });
    let launch = Launch {
        command_line: std::env::args().collect(),
        threads: pool.current_num_threads(),
        started_at: chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        overrides: overrides.clone(),
    };
    let labels = output::Labels::of(&scenario, &arms);
    let written_names: Vec<String> = written.list().iter().map(|t| t.name().to_owned()).collect();
    let manifest_after = |wall_time_s: f64, agent_steps: u64| {
        let mut manifest =
            output::manifest(&scenario, &labels.arms, &launch, wall_time_s, agent_steps);
        manifest.tables = Some(written_names.clone());
        manifest.format = format;
        manifest
    };
    let partial_run = output::PartialRun {
        version: env!("CARGO_PKG_VERSION").into(),
        resolved_sha256: manifest_after(0.0, 0).resolved_sha256,
        seed: scenario.seed,
        variants: labels.arms.clone(),
        tables: written_names.clone(),
        shard: args.shard.map(|s| s.to_string()),
    };
    let (mut staging, resume) = if partial {
        let (staging, taken_over) = Staging::begin_kept(&target, args.resume)?;
        let resume = match taken_over {
            true => output::resume_point(&staging, &partial_run)?,
            false => None,
        };
        if args.resume && resume.is_none() && !args.quiet {
            eprintln!(
                "nothing to resume in {}: computing every point",
                output::partial_folder(staging.target()).display()
            );
        }
        (staging, resume)
    } else {
        (Staging::begin(&target)?, None)
    };
    if args.shard.is_none() {
        staging.write_tables_as(format);
    }
    if let Some(resume) = &resume {
        tasks.retain(|&k| k / per_point >= resume.next_point);
    }
    // A run that cannot fit in memory is refused before anything is allocated; the estimate
    // counts the tasks this process runs (a shard's own), under the pool's parallelism.
    let estimate = resources::estimate(&scenario, &arms, &tasks, pool.current_num_threads());
    resources::check_memory(&estimate)?;
    staging.refuse_inside(&args.scenario.file, "the scenario file")?;
    staging.stop_on(interrupted.clone());
    // --extend: the replicates the folder holds are read back, not simulated again.
    let mut earlier = match args.extend {
        true => Some(output::read_earlier(
            staging.target(),
            &scenario,
            &labels,
            &overrides,
        )?),
        false => None,
    };
    let tasks: Vec<usize> = match &earlier {
        Some(earlier) => tasks
            .into_iter()
            .filter(|&k| shape.task(k).replicate >= earlier.replicates())
            .collect(),
        None => tasks,
    };

    let agent_steps: u64 = tasks
        .iter()
        .map(|&k| {
            let task = shape.task(k);
            u64::from(arms[shape.slot(task.point, task.arm)].setup.population)
        })
        .sum::<u64>()
        * u64::from(scenario.calendar.steps());
    // A run whose files certainly cannot fit is refused now, not after simulating.
    let floor_format = if args.shard.is_some() {
        TableFormat::Csv
    } else {
        format
    };
    let floor = resources::output_floor(
        &scenario,
        &arms,
        tasks.len() as u64,
        file_tables,
        floor_format,
    );
    resources::check_disk(floor, staging.folder())?;
    let bar = progress_bar(agent_steps, args.quiet);
    // Each point's rows are written as soon as its tasks end, and its counts dropped; a whole
    // swept run keeps every point's metric values for robustness.csv.
    let keep_values = swept && args.shard.is_none();
    let manifest = manifest_after(0.0, agent_steps);
    let mut writer = match &resume {
        Some(resume) => PointWriter::resume(
            &staging,
            &labels,
            file_tables,
            &manifest,
            keep_values,
            resume,
        )?,
        None => PointWriter::create(&staging, &labels, file_tables, &manifest, keep_values)?,
    };
    if partial {
        if resume.is_none() {
            output::record_progress(&staging, &partial_run, 0, writer.checkpoint()?)?;
        }
        staging.keep();
    }
    let mut shares = None;
    let clock = Instant::now();
    let mut on_point = |point: usize, mut results: Results| -> Result<()> {
        if let Some(earlier) = &mut earlier {
            earlier.fill_point(point, &mut results);
        }
        if !swept && args.shard.is_none() {
            shares = Some((output::final_shares(&results), results.shape().replicates()));
        }
        writer.write_point(point, results)?;
        if partial {
            output::record_progress(&staging, &partial_run, point + 1, writer.checkpoint()?)?;
        }
        Ok(())
    };
    runner::run_points(
        &pool,
        &scenario,
        &arms,
        &tasks,
        interrupted,
        &|n| bar.inc(n),
        &mut on_point,
    )?;
    if tasks.is_empty() && args.extend {
        // The folder already holds every replicate asked for: its points are written from
        // its counts alone.
        for point in 0..shape.points() {
            let slots = shape.arms();
            let segment_agents = arms[point * slots..(point + 1) * slots]
                .iter()
                .map(|a| a.setup.segments.iter().map(|s| s.agents).collect())
                .collect();
            on_point(point, Results::empty(shape.one_point(), segment_agents))?;
        }
    }
    let wall_time_s = clock.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let names = writer.names().clone();
    let values = writer.finish()?;
    let manifest = manifest_after(wall_time_s, agent_steps);
    if partial {
        output::remove_record(&staging)?;
        if args.shard.is_none() && !written.contains(Table::Metrics) {
            let path = staging.path(output::METRICS_FILE);
            std::fs::remove_file(&path)
                .map_err(|e| Error::io(format!("removing {}", path.display()), e))?;
        }
    }

    let mut ranked = None;
    match args.shard {
        Some(shard) => {
            let contents = output::ShardContents {
                shape,
                segment_agents: runner::empty(&scenario, &arms)
                    .all_segment_agents()
                    .to_vec(),
                shard,
                tasks: &tasks,
                labels: &labels,
                tables: written,
                files: file_tables
                    .list()
                    .into_iter()
                    .map(output::table_file)
                    .collect(),
            };
            output::write_shard(&staging, &scenario, contents, manifest)?;
        }
        None => {
            if let Some(sweep) = &scenario.sweep {
                output::write_points(&staging, sweep)?;
                output::write_robustness(&staging, &names, &values)?;
            }
            output::write_manifest(&staging, &manifest)?;
            if interrupted.load(Ordering::SeqCst) {
                return Err(Error::Interrupted);
            }
            if let Some((run, settings, rows)) = output::analyse_folder(staging.folder())? {
                ranked = Some(output::sensitivity_table(
                    &run,
                    &settings,
                    &rows,
                    output::Layout::Text,
                ));
            }
            if args.plot || args.report {
                // Read back from the staged files, exactly as `plot` and `report` would read
                // the committed folder.
                let run = output::read::load_run(staging.folder())?;
                let compared = compare::compare(&run, None);
                if args.plot {
                    plot_run(&run, staging.folder())?;
                }
                if args.report {
                    let folder = report::Folder {
                        run,
                        compared,
                        manifest,
                        // --report is refused without the counts.
                        has_counts: true,
                    };
                    let page = report::html(&folder, &report::Options::default())?;
                    output::write_file_atomically(
                        &staging.path(report::REPORT_FILE),
                        page.as_bytes(),
                    )?;
                }
            }
        }
    }
    if interrupted.load(Ordering::SeqCst) {
        return Err(Error::Interrupted);
    }
    staging.commit()?;

    if !args.quiet {
        let what = match args.shard {
            Some(shard) => format!(
                "shard {shard} ({} of {} tasks) to {}",
                tasks.len(),
                shape.tasks(),
                target.display()
            ),
            None => target.display().to_string(),
        };
        eprintln!(
            "wrote {what}: simulated {} agent-steps in {wall_time_s:.1} s, {} agent-steps/s",
            human(agent_steps as f64),
            human(agent_steps as f64 / wall_time_s.max(1e-9)),
        );
        let skipped = output::written_tables(Tables::ALL, has_usage).list();
        let skipped: Vec<&str> = skipped
            .into_iter()
            .filter(|&t| !written.contains(t))
            .map(|t| t.name())
            .collect();
        if !skipped.is_empty() {
            let why = if swept && args.tables.is_none() && scenario.tables.is_none() {
                "a sweep writes only its metrics unless told otherwise; --tables \
                 metrics,summary,comparison adds each point's curves, --tables all every \
                 table (or [output] tables in the file)"
            } else {
                "not among the tables asked for; --tables all (or [output] tables in the \
                 file) writes them"
            };
            eprintln!("skipped {}: {why}", skipped.join(", "));
        }
        match (&scenario.sweep, args.shard, shares) {
            (Some(_), None, _) if ranked.is_some() => {
                outln!("{}", ranked.as_deref().unwrap_or_default().trim_end())
            }
            (None, None, Some((shares, replicates))) => {
                print_final_table(&scenario, &labels.arms, &shares, replicates);
            }
            (Some(sweep), None, _) => outln!(
                "{} sweep points: {}; {} summarises each variant across the points. No \
                 interval is shown here: blockade compare {} prints each effect with its \
                 interval over replicates (simulation noise) and its spread over the points \
                 (the parameters' declared uncertainty){}",
                sweep.points.len(),
                where_the_points_are(written, format),
                format.file(output::ROBUSTNESS_FILE),
                target.display(),
                if written.contains(Table::Metrics)
                    || (written.contains(Table::Adoption) && written.contains(Table::Flows))
                {
                    ""
                } else {
                    ", from the metrics or the counts of a run with --tables all"
                }
            ),
            _ => {}
        }
    }
    Ok(())
}

/// Which files of a swept run's folder, in `format`, hold what of each point, among the
/// `written` tables.
fn where_the_points_are(written: Tables, format: TableFormat) -> String {
    let file = |table| format.file(output::table_file(table));
    let curves: Vec<String> = [Table::Summary, Table::Comparison]
        .into_iter()
        .filter(|&t| written.contains(t))
        .map(file)
        .collect();
    let mut parts = Vec::new();
    if !curves.is_empty() {
        parts.push(format!(
            "each point's curves are in {}",
            curves.join(" and ")
        ));
    }
    parts.push(format!("its values in {}", format.file(output::POINTS)));
    if written.contains(Table::Metrics) {
        parts.push(format!("its metrics in {}", file(Table::Metrics)));
    }
    parts.join(", ")
}

/// `--plot` and `--report` read the folder back as `plot` and `report` do, from its counts:
/// refused (exit status 2) when those tables are not written.
fn refuse_charts_without_counts(args: &RunArgs, written: Tables, has_usage: bool) -> Result<()> {
    let mut needed = vec![Table::Adoption, Table::Flows];
    if has_usage {
        needed.push(Table::Usage);
    }
    let missing: Vec<&str> = needed
        .into_iter()
        .filter(|&t| !written.contains(t))
        .map(|t| t.name())
        .collect();
    let flag = match (args.plot, args.report) {
        (true, _) => "--plot",
        (false, true) => "--report",
        (false, false) => return Ok(()),
    };
    if missing.is_empty() {
        return Ok(());
    }
    Err(InputError::new(format!(
        "{flag} draws from the counts, but the tables written leave out {}: add them to \
         --tables",
        missing.join(", ")
    ))
    .in_origin("--tables")
    .into())
}

/// Refuses a number of tasks whose bookkeeping alone (an empty entry of the results and an
/// index each, allocated before the run's memory estimate can be made) would not fit in the
/// memory available: `--replicates 4294967295` is refused, not aborted on.
fn refuse_bookkeeping_that_cannot_fit(tasks: usize) -> Result<()> {
    let per_task = (std::mem::size_of::<TaskCounts>() + std::mem::size_of::<usize>()) as u64;
    let needed = (tasks as u64)
        .saturating_mul(per_task)
        .saturating_add(resources::BASE_BYTES);
    match resources::available_memory() {
        Some(available) if needed > available => Err(Error::Resources(format!(
            "not enough memory: {tasks} tasks need about {:.1} GiB before the first runs, \
             and the machine has {:.1} GiB available; lower --replicates or the variants",
            needed as f64 / f64::from(1 << 30),
            available as f64 / f64::from(1 << 30)
        ))),
        _ => Ok(()),
    }
}

/// `--plot`: adoption.svg, and comparison.svg when a variant ran; of point 0 when swept, as
/// `blockade plot` draws by default.
fn plot_run(run: &blockade::compare::RunPoints, folder: &std::path::Path) -> Result<()> {
    let data = &run.points[0];
    let kinds: &[Kind] = if data.arms.len() > 1 {
        &[Kind::Adoption, Kind::Comparison]
    } else {
        &[Kind::Adoption]
    };
    for &kind in kinds {
        let mut chart = Chart::resolve(data, kind, None, &[], None)?;
        if let Some(sweep) = &run.sweep {
            chart = chart.at_point(0, sweep);
        }
        plot::plot(data, &chart, &folder.join(format!("{}.svg", kind.name())))?;
    }
    Ok(())
}

fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    // indicatif draws nothing when stderr is not a terminal.
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {percent:>3}% {human_pos}/{human_len} \
         agent-steps ({per_sec}, ETA {eta})",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// 1234567 as "1.23 M".
fn human(x: f64) -> String {
    let (value, unit) = match x {
        x if x >= 1e9 => (x / 1e9, " G"),
        x if x >= 1e6 => (x / 1e6, " M"),
        x if x >= 1e3 => (x / 1e3, " k"),
        x => (x, ""),
    };
    format!("{value:.3}{unit}").replace(".000", "")
}

/// A share as "12.3 [12.1–12.5]" in percent.
fn cell(s: &Summary) -> String {
    format!(
        "{} [{}–{}]",
        percent(s.mean),
        percent(s.ci95_low),
        percent(s.ci95_high)
    )
}

/// A share in percent to one decimal; a value that rounds to zero is "0.0", never "-0.0".
fn percent(share: f64) -> String {
    let text = format!("{:.1}", 100.0 * share);
    match text.strip_prefix('-') {
        Some(magnitude) if magnitude.bytes().all(|b| b == b'0' || b == b'.') => {
            magnitude.to_owned()
        }
        _ => text,
    }
}

/// Each arm's share per state at the last step, all segments, with its 95% interval; split
/// into several tables when the arms do not fit in [`TABLE_WIDTH`] columns.
fn print_final_table(
    scenario: &Scenario,
    arms: &[String],
    shares: &[Vec<Summary>],
    replicates: u32,
) {
    let states = scenario.states();
    let label_width = states.iter().map(|s| s.len()).max().unwrap_or(5).max(5) + 2;
    let cells: Vec<Vec<String>> = shares
        .iter()
        .map(|arm| arm.iter().map(cell).collect())
        .collect();
    let column_width = |arm: usize| {
        cells[arm]
            .iter()
            .map(|c| c.chars().count())
            .chain([arms[arm].len()])
            .max()
            .unwrap_or(0)
            + 2
    };
    let steps = scenario.calendar.steps();
    outln!(
        "Share of all agents (%) at {} (step {steps}): mean [95% interval] over {} replicate{}",
        scenario.calendar.end(),
        replicates,
        if replicates == 1 { "" } else { "s" }
    );
    // The interval is the replicates' spread; the scenario's parameters are assumptions whose
    // uncertainty it does not hold, and a reader must not take it for that.
    outln!(
        "The interval is simulation noise only: it leaves out the uncertainty of the scenario's\n\
         assumed parameters (a [sweep] drawing from [uncertainty] shows it, and compare then\n\
         prints both intervals)."
    );
    let mut first = 0;
    while first < arms.len() {
        let mut last = first + 1;
        let mut width = label_width + column_width(first);
        while last < arms.len() && width + column_width(last) <= TABLE_WIDTH {
            width += column_width(last);
            last += 1;
        }
        outln!();
        out!("{:label_width$}", "state");
        for (arm, name) in arms.iter().enumerate().take(last).skip(first) {
            out!("{name:>w$}", w = column_width(arm));
        }
        outln!();
        for (state, name) in states.iter().enumerate() {
            out!("{name:label_width$}");
            for (arm, row) in cells.iter().enumerate().take(last).skip(first) {
                out!("{:>w$}", row[state], w = column_width(arm));
            }
            outln!();
        }
        first = last;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_that_rounds_to_zero_has_no_sign() {
        assert_eq!(percent(-1e-17), "0.0");
        assert_eq!(percent(-0.0004), "0.0");
        assert_eq!(percent(-0.0006), "-0.1");
        assert_eq!(percent(0.1234), "12.3");
    }
}
