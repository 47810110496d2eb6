//! `blockade plot`: a chart of an output folder, as SVG or PNG; of one sweep point
//! (`--point`, default 0) when the run is swept.

use super::{ChartKind, GroupBy, MeasureArg, PlotArgs};
use blockade::compare;
use blockade::output::{self, read};
use blockade::plot::{self, CalibrationChart, Chart, EffectsChart, Kind, RankedChart};
use blockade::{InputError, Result};

pub fn plot(args: &PlotArgs) -> Result<()> {
    let kind = match args.kind {
        ChartKind::Adoption => Kind::Adoption,
        ChartKind::Comparison => Kind::Comparison,
        ChartKind::Stacked => Kind::Stacked,
        ChartKind::Sensitivity => return ranked(args),
        ChartKind::Calibration => return calibration(args),
        ChartKind::Effects => return effects(args),
    };
    if args.metric.is_some() {
        return Err(InputError::new("only a sensitivity chart draws one metric")
            .in_origin("--metric")
            .into());
    }
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

/// `--kind sensitivity`: the ranked indices of one series of sensitivity.csv, which is all it
/// reads, so that it draws a sensitivity run however few tables it wrote.
fn ranked(args: &PlotArgs) -> Result<()> {
    let target = args
        .output
        .clone()
        .unwrap_or_else(|| args.dir.join("sensitivity.svg"));
    plot::Format::of(&target)?;
    let refused = |flag: &str| {
        Err(
            InputError::new("a sensitivity chart draws the indices of the whole design")
                .in_origin(flag)
                .into(),
        )
    };
    if args.point.is_some() {
        return refused("--point");
    }
    if args.by == GroupBy::Vendor {
        return refused("--by");
    }
    if args.measure == MeasureArg::Usage {
        return Err(InputError::new(
            "a sensitivity chart draws the metric --metric names (usage_foreign_share, ...)",
        )
        .in_origin("--measure")
        .into());
    }
    if args.variants.len() > 1 {
        return Err(InputError::new("a sensitivity chart draws one variant")
            .in_origin("--variant")
            .into());
    }
    let states = args.states.as_deref().map(|list| {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<&str>>()
    });
    let state = match states.as_deref() {
        None => None,
        Some([one]) => Some(*one),
        Some(_) => {
            return Err(InputError::new("a sensitivity chart draws one state")
                .in_origin("--states")
                .into());
        }
    };
    let rows = output::read_sensitivity(&args.dir)?;
    let chart = RankedChart::resolve(
        &rows,
        args.variants.first().map(String::as_str),
        args.metric.as_deref(),
        &args.segment,
        state,
    )?;
    plot::plot_ranked(&chart, &target)?;
    eprintln!("wrote {}", target.display());
    Ok(())
}

/// `--kind calibration`: a calibration folder's targets and parameters, read from its
/// targets.csv and parameters.csv. The flags that choose what a run's chart shows are refused.
fn calibration(args: &PlotArgs) -> Result<()> {
    let target = args
        .output
        .clone()
        .unwrap_or_else(|| args.dir.join("calibration.svg"));
    plot::Format::of(&target)?;
    let chosen = [
        ("--point", args.point.is_some()),
        ("--variant", !args.variants.is_empty()),
        ("--states", args.states.is_some()),
        ("--segment", args.segment != "all"),
        ("--by", args.by != GroupBy::Provider),
        ("--measure", args.measure != MeasureArg::Agents),
        ("--metric", args.metric.is_some()),
    ];
    if let Some((flag, _)) = chosen.iter().find(|(_, given)| *given) {
        return Err(InputError::new(
            "a calibration chart draws every target and parameter of the folder",
        )
        .in_origin(*flag)
        .into());
    }
    let (targets, parameters) = output::read_calibration(&args.dir)?;
    let chart = CalibrationChart {
        scenario: args.dir.display().to_string(),
        targets,
        parameters,
    };
    plot::plot_calibration(&chart, &target)?;
    eprintln!("wrote {}", target.display());
    Ok(())
}

/// `--kind effects`: a swept run's effects with both intervals, the rows `compare --intervals`
/// prints, read from its counts or, for a metrics-only folder, from metrics.csv.
fn effects(args: &PlotArgs) -> Result<()> {
    let target = args
        .output
        .clone()
        .unwrap_or_else(|| args.dir.join("effects.svg"));
    plot::Format::of(&target)?;
    let refused = |flag: &str, what: &str| {
        Err(InputError::new(format!("an effects chart {what}"))
            .in_origin(flag)
            .into())
    };
    if args.point.is_some() {
        return refused("--point", "draws the effects over every point");
    }
    if args.by == GroupBy::Vendor {
        return refused(
            "--by",
            "draws the metrics of metrics.csv, whose vendor_share rows are each vendor's",
        );
    }
    if args.measure == MeasureArg::Usage {
        return refused(
            "--measure",
            "draws the metric --metric names (usage_foreign_share, ...)",
        );
    }
    let state = match args.states.as_deref().map(|list| {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<&str>>()
    }) {
        None => None,
        Some(one) if one.len() == 1 => Some(one[0].to_owned()),
        Some(_) => return refused("--states", "draws one state"),
    };
    let (run, compared, _) = output::read_compared(&args.dir, None)?;
    let rows = run.sweep.as_ref().map_or(Vec::new(), |sweep| {
        compare::two_intervals(&compared.metrics, sweep)
    });
    let chart = EffectsChart::resolve(
        &run,
        &rows,
        &args.variants,
        args.metric.as_deref(),
        &args.segment,
        state.as_deref(),
    )?;
    plot::plot_effects(&chart, &target)?;
    eprintln!("wrote {}", target.display());
    Ok(())
}
