//! `blockade report`: the HTML report of an output folder, written by way of a temporary file.

use super::ReportArgs;
use blockade::report::{self, Options};
use blockade::{Result, output};

pub fn report(args: &ReportArgs) -> Result<()> {
    let folder = report::read(&args.dir)?;
    let page = report::html(&folder, &options(&args.metrics, &args.segment))?;
    let target = args
        .output
        .clone()
        .unwrap_or_else(|| args.dir.join(report::REPORT_FILE));
    output::write_file_atomically(&target, page.as_bytes())?;
    eprintln!("wrote {}", target.display());
    Ok(())
}

/// The headline's options from the flags; the defaults when no metric is named.
pub fn options(metrics: &[String], segment: &Option<String>) -> Options {
    let mut options = Options::default();
    if !metrics.is_empty() {
        options.metrics = metrics
            .iter()
            .flat_map(|m| m.split(','))
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(String::from)
            .collect();
    }
    options.segment = segment.clone();
    options
}
