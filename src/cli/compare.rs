//! `blockade compare`: policy metrics of an output folder, written to its `metrics.csv` (and,
//! for a swept run, the robustness of each difference across points to `robustness.csv`) and
//! printed as a table (or CSV, JSON, Markdown): the metrics of an unswept run, the robustness
//! summary of a swept one.

use super::{CompareArgs, MetricsFormat};
use blockade::output::{self, Layout};
use blockade::{Result, compare};

pub fn compare(args: &CompareArgs) -> Result<()> {
    let run = output::read::load_run(&args.dir)?;
    // Points share their names and dates, so the flags are checked against the first.
    let data = &run.points[0];
    // Every flag is checked before metrics.csv is replaced, so that a refusal changes nothing.
    let at = output::at_step(data, args.at)?;
    let segment = match &args.segment {
        None => None,
        Some(name) => Some(data.segment_named(name)?),
    };
    let compared = compare::compare(&run, at);
    output::write_compared(&args.dir, &run, &compared)?;
    let layout = match args.format {
        MetricsFormat::Markdown => Layout::Markdown,
        MetricsFormat::Table | MetricsFormat::Csv | MetricsFormat::Json => Layout::Text,
    };
    // The printed tables show one segment (all by default); CSV and JSON every segment
    // unless one is asked for, as the files have them.
    let table_segment = segment.unwrap_or(data.segments.len());
    let text = match &compared.robustness {
        None => {
            let selected: Vec<Vec<_>> = compared
                .metrics
                .iter()
                .map(|rows| {
                    rows.iter()
                        .filter(|r| segment.is_none_or(|s| r.segment == s))
                        .cloned()
                        .collect()
                })
                .collect();
            match args.format {
                MetricsFormat::Table | MetricsFormat::Markdown => {
                    output::metrics_table(data, &compared.metrics[0], table_segment, layout)
                        .into_bytes()
                }
                MetricsFormat::Csv => output::metrics_csv(&run, &selected)?,
                MetricsFormat::Json => output::metrics_json(&run, &selected),
            }
        }
        // A swept run: the summary across points; each point's metrics are in metrics.csv.
        Some(rows) => {
            let selected: Vec<_> = rows
                .iter()
                .filter(|r| segment.is_none_or(|s| r.segment == s))
                .cloned()
                .collect();
            match args.format {
                MetricsFormat::Table | MetricsFormat::Markdown => {
                    output::robustness_table(&run, rows, table_segment, layout).into_bytes()
                }
                MetricsFormat::Csv => output::robustness_csv(&run, &selected)?,
                MetricsFormat::Json => output::robustness_json(&run, &selected),
            }
        }
    };
    super::write_stdout_bytes(&text);
    Ok(())
}
