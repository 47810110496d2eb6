//! `blockade plot`: a chart of an output folder, as SVG or PNG.

use super::{ChartKind, PlotArgs};
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
    let data = read::load(&args.dir)?;
    let chart = Chart::resolve(
        &data,
        kind,
        Some(&args.segment),
        &args.variants,
        args.states.as_deref(),
    )?;
    plot::plot(&data, &chart, &target)?;
    eprintln!("wrote {}", target.display());
    Ok(())
}
