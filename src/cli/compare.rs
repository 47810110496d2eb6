//! `blockade compare`: policy metrics of an output folder, printed as a table (or CSV, JSON,
//! Markdown): the metrics of an unswept run, the robustness summary of a swept one. It only
//! reads, so that it works on a read-only folder and never races a run replacing the folder;
//! `--write-metrics` rewrites `metrics.csv` (and, when swept, `robustness.csv`) in the very
//! folder it read.

use super::{CompareArgs, GroupBy, MeasureArg, MetricsFormat};
use blockade::compare::{Metric, MetricRow, RobustnessRow, RunData, TwoIntervals};
use blockade::output::{self, FolderIdentity, Layout, ReadFrom};
use blockade::{InputError, Result, compare};

/// The rows `--variant`, `--state` and `--metric` keep (every row when none is given).
struct Filter {
    arms: Option<Vec<usize>>,
    /// States (or vendors) by name.
    states: Option<Vec<String>>,
    metrics: Option<Vec<String>>,
}

impl Filter {
    fn keeps(&self, arm: usize, state: Option<String>, metric: &str) -> bool {
        self.arms.as_ref().is_none_or(|a| a.contains(&arm))
            && self
                .states
                .as_ref()
                .is_none_or(|s| state.is_some_and(|state| s.contains(&state)))
            && self
                .metrics
                .as_ref()
                .is_none_or(|m| m.iter().any(|m| m == metric))
    }
}

/// Indices of `names` among `known`, or a refusal naming the flag and what the run has.
fn indices(names: &[String], known: &[String], flag: &str) -> Result<Option<Vec<usize>>> {
    if names.is_empty() {
        return Ok(None);
    }
    names
        .iter()
        .map(|name| {
            known.iter().position(|k| k == name).ok_or_else(|| {
                InputError::new(format!(
                    "unknown name '{name}' (the run has: {})",
                    known.join(", ")
                ))
                .in_origin(flag)
                .into()
            })
        })
        .collect::<Result<Vec<usize>>>()
        .map(Some)
}

fn filter_of(args: &CompareArgs, data: &RunData, metric_names: &[String]) -> Result<Filter> {
    let metrics = match args.metrics.is_empty() {
        true => None,
        false => {
            indices(&args.metrics, metric_names, "--metric")?;
            Some(args.metrics.clone())
        }
    };
    Ok(Filter {
        arms: indices(&args.variants, &data.arms, "--variant")?,
        states: match args.states.is_empty() {
            true => None,
            false => {
                // A state, or a vendor (the state of the vendor rows).
                let vendors = data.vendors.iter().filter(|v| !data.states.contains(v));
                let known: Vec<String> = data.states.iter().chain(vendors).cloned().collect();
                indices(&args.states, &known, "--state")?;
                Some(args.states.clone())
            }
        },
        metrics,
    })
}

pub fn compare(args: &CompareArgs) -> Result<()> {
    // Taken before reading, so that metrics written back go only into the folder read.
    let identity = match args.write_metrics {
        true => Some(FolderIdentity::of(&args.dir)?),
        false => None,
    };
    let (run, compared, read_from) = output::read_compared(&args.dir, args.at)?;
    // Points share their names and dates, so the flags are checked against the first.
    let data = &run.points[0];
    let segment = match &args.segment {
        None => None,
        Some(name) => Some(data.segment_named(name)?),
    };
    let has_usage = match read_from {
        ReadFrom::Counts => data.has_usage(),
        ReadFrom::MetricsFile => compared.metrics[0].iter().any(|r| r.metric.of_usage()),
    };
    if args.measure == MeasureArg::Usage && !has_usage {
        return Err(InputError::new(
            "the run has no usage (no segment declares usage, so there is no usage.csv)",
        )
        .in_origin("--measure")
        .into());
    }
    if args.by == GroupBy::Vendor && read_from == ReadFrom::MetricsFile {
        return Err(InputError::new(format!(
            "{} holds no adoption.csv or flows.csv, whose counts are grouped by vendor (its \
             metrics have each vendor's share): run it again with --tables all",
            args.dir.display()
        ))
        .in_origin("--by")
        .into());
    }
    // What is printed may group the providers by vendor and keep the shares of one measure;
    // metrics.csv always has every row.
    let grouped = match args.by {
        GroupBy::Provider => None,
        GroupBy::Vendor => {
            let run = compare::RunPoints {
                points: run.points.iter().map(RunData::by_vendor).collect(),
                sweep: run.sweep.clone(),
            };
            let compared = compare::compare(&run, output::at_step(data, args.at)?);
            Some((run, compared))
        }
    };
    let (shown_run, shown_compared) = match &grouped {
        None => (&run, &compared),
        Some((run, compared)) => (run, compared),
    };
    let data = &shown_run.points[0];
    let mut metric_names: Vec<String> = Vec::new();
    for row in shown_compared.metrics.iter().flatten() {
        let name = row.metric.name().to_owned();
        if !metric_names.contains(&name) {
            metric_names.push(name);
        }
    }
    let filter = filter_of(args, data, &metric_names)?;
    if let Some(identity) = &identity {
        output::rewrite_compared(identity, &run, &compared)?;
    }
    let (run, compared) = (shown_run, shown_compared);
    // The shares of the other measure are not printed; the metrics over the horizon are.
    let usage = args.measure == MeasureArg::Usage;
    let shown = |metric: Metric| !metric.at_step() || metric.of_usage() == usage;
    let layout = match args.format {
        MetricsFormat::Markdown => Layout::Markdown,
        MetricsFormat::Table | MetricsFormat::Csv | MetricsFormat::Json => Layout::Text,
    };
    // The printed tables show one segment (all by default); CSV and JSON every segment
    // unless one is asked for, as the files have them.
    let table_segment = segment.unwrap_or(data.segments.len());
    let state_name =
        |metric: Metric, state: Option<usize>| state.map(|k| data.state_name(metric, k).to_owned());
    let kept_metric = |r: &MetricRow| {
        segment.is_none_or(|s| r.segment == s)
            && shown(r.metric)
            && filter.keeps(r.arm, state_name(r.metric, r.state), r.metric.name())
    };
    let kept_robust = |r: &RobustnessRow| {
        segment.is_none_or(|s| r.segment == s)
            && shown(r.metric)
            && filter.keeps(r.arm, state_name(r.metric, r.state), r.metric.name())
    };
    if args.intervals && compared.robustness.is_none() {
        return Err(InputError::new(
            "the run has no [sweep]: its only interval is over replicates (compare without \
             --intervals prints it)",
        )
        .in_origin("--intervals")
        .into());
    }
    // A sensitivity run names the top parameters of the series it analysed by their index.
    // (A design replaced by --points is not analysed: it has no sensitivity.csv.)
    let analysed = output::sensitivity_settings(&args.dir)?.is_some()
        && args.dir.join(output::SENSITIVITY_FILE).is_file();
    let indices = match analysed {
        true => Some(output::read_sensitivity(&args.dir)?),
        false => None,
    };
    let effects = || -> Vec<TwoIntervals> {
        run.sweep.as_ref().map_or(Vec::new(), |sweep| {
            compare::two_intervals(&compared.metrics, sweep)
                .into_iter()
                .filter(|r| kept_metric(&r.key))
                .collect()
        })
    };
    let text = match &compared.robustness {
        Some(_) if args.intervals => match args.format {
            MetricsFormat::Table | MetricsFormat::Markdown => {
                let shares: Vec<TwoIntervals> = effects()
                    .into_iter()
                    .filter(|r| r.key.metric.at_step())
                    .collect();
                output::two_intervals_table(run, &shares, table_segment, layout, indices.as_deref())
                    .into_bytes()
            }
            MetricsFormat::Csv => output::two_intervals_csv(run, &effects())?,
            MetricsFormat::Json => output::two_intervals_json(run, &effects()),
        },
        None => {
            let selected: Vec<Vec<MetricRow>> = compared
                .metrics
                .iter()
                .map(|rows| rows.iter().filter(|r| kept_metric(r)).cloned().collect())
                .collect();
            match args.format {
                MetricsFormat::Table | MetricsFormat::Markdown => {
                    output::metrics_table(data, &selected[0], table_segment, layout).into_bytes()
                }
                MetricsFormat::Csv => output::metrics_csv(run, &selected)?,
                MetricsFormat::Json => output::metrics_json(run, &selected),
            }
        }
        // A swept run: the summary across points; each point's metrics are in metrics.csv.
        Some(rows) => {
            let selected: Vec<RobustnessRow> =
                rows.iter().filter(|r| kept_robust(r)).cloned().collect();
            match args.format {
                MetricsFormat::Table | MetricsFormat::Markdown => {
                    let format = output::read::folder_format(&args.dir)?;
                    let mut text =
                        output::robustness_table(run, &selected, table_segment, layout, format);
                    // With the baseline alone there is no effect to show.
                    let effects: Vec<TwoIntervals> = effects()
                        .into_iter()
                        .filter(|r| r.key.metric.at_step())
                        .collect();
                    if !effects.is_empty() {
                        text.push('\n');
                        text += &output::two_intervals_table(
                            run,
                            &effects,
                            table_segment,
                            layout,
                            indices.as_deref(),
                        );
                    }
                    text.into_bytes()
                }
                MetricsFormat::Csv => output::robustness_csv(run, &selected)?,
                MetricsFormat::Json => output::robustness_json(run, &selected),
            }
        }
    };
    super::write_stdout_bytes(&text);
    Ok(())
}
