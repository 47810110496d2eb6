//! `blockade compare`: policy metrics of an output folder, written to its `metrics.csv` and
//! printed as a table (or CSV, JSON, Markdown).

use super::{CompareArgs, MetricsFormat};
use blockade::output::{self, Layout};
use blockade::{InputError, Result};
use std::io::Write;

pub fn compare(args: &CompareArgs) -> Result<()> {
    let data = output::read::load(&args.dir)?;
    // Every flag is checked before metrics.csv is replaced, so that a refusal changes nothing.
    let at = output::at_step(&data, args.at)?;
    let segment = match &args.segment {
        None => None,
        Some(name) => Some(
            data.segments_and_all()
                .find(|&s| data.segment_name(s) == name)
                .ok_or_else(|| {
                    InputError::new(format!(
                        "unknown segment '{name}' (the run has: {}, all)",
                        data.segments.join(", ")
                    ))
                    .in_origin("--segment")
                })?,
        ),
    };
    let rows = output::write_metrics(&args.dir, &data, at)?;
    // The printed tables show one segment (all by default); CSV and JSON every segment
    // unless one is asked for, as metrics.csv has them.
    let selected: Vec<_> = rows
        .iter()
        .filter(|r| segment.is_none_or(|s| r.segment == s))
        .cloned()
        .collect();
    let text = match args.format {
        MetricsFormat::Table | MetricsFormat::Markdown => {
            let layout = if args.format == MetricsFormat::Table {
                Layout::Text
            } else {
                Layout::Markdown
            };
            let segment = segment.unwrap_or(data.segments.len());
            output::metrics_table(&data, &rows, segment, layout).into_bytes()
        }
        MetricsFormat::Csv => output::metrics_csv(&data, &selected)?,
        MetricsFormat::Json => output::metrics_json(&data, &selected),
    };
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = std::io::stdout().lock().write_all(&text);
    Ok(())
}
