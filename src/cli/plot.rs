//! `blockade plot`: a chart of an output folder, as SVG or PNG; of one sweep point
//! (`--point`, default 0) when the run is swept.

use super::{ChartKind, GroupBy, PlotArgs};
use blockade::Result;
use blockade::output::read;
use blockade::plot::{self, Chart, Kind};

pub fn plot(args: &PlotArgs) -> Result<()> {
    let kind = match args.kind {
        ChartKind::Adoption => Kind::Adoption,
        ChartKind::Comparison => Kind::Comparison,
        ChartKind::Stacked => Kind::Stacked,
    };
    let target = args
        .output
        .clone()
        .unwrap_or_else(|| args.dir.join(format!("{}.svg", kind.name())));
    // Refuse a bad file name before reading a large folder.
    plot::Format::of(&target)?;
    // Only the point drawn is read; --point on an unswept run, or past the last point, is
    // refused.
    let (data, sweep) = read::load_point(&args.dir, args.point)?;
    let data = match args.by {
        GroupBy::Provider => data,
        GroupBy::Vendor => data.by_vendor(),
    };
    let data = data.measured_by(args.measure.measure())?;
    let mut chart = Chart::resolve(
        &data,
        kind,
        Some(&args.segment),
        &args.variants,
        args.states.as_deref(),
    )?;
    if let Some(sweep) = &sweep {
        chart = chart.at_point(args.point.unwrap_or(0), sweep);
    }
    plot::plot(&data, &chart, &target)?;
    eprintln!("wrote {}", target.display());
    Ok(())
}
