//! `blockade check`: validate a scenario and print what it holds, as a reviewer would want to
//! read it: the horizon, the segments, the providers with their evidence, the events in date
//! order with the step each applies at, what each variant changes, and a sweep's design, its
//! points and the number of tasks.

use super::CheckArgs;
use blockade::Result;
use blockade::scenario::{EventInfo, EventTime, Scenario, Sweep};
use blockade::spec::{Cost, NetworkSpec, Setup, UncertainParameter, Weight};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

pub fn check(args: &CheckArgs, interrupted: &Arc<AtomicBool>) -> Result<()> {
    let scenario = Scenario::load(&args.scenario.file, &args.scenario.overrides()?)?;
    let arms = scenario.arms(&args.scenario.variants)?;
    let c = &scenario.calendar;
    let base = &scenario.baseline;

    outln!("{}: ok", scenario.file);
    outln!("scenario   {}", scenario.name);
    if let Some(description) = &scenario.description {
        outln!("           {description}");
    }
    outln!(
        "horizon    {} to {}: step 0 and {} {}ly steps",
        c.start(),
        c.end(),
        c.steps(),
        c.unit()
    );
    // Arms are listed point by point; those of point 0 are the arms of every point.
    let per_point = arms.iter().filter(|a| a.point == 0).count();
    let points = scenario.sweep.as_ref().map_or(1, |s| s.points.len());
    let tasks = points * per_point * scenario.replicates as usize;
    outln!(
        "runs       {} agents x {} replicates x {} arm{}{} = {tasks} task{} (seed {})",
        base.population,
        scenario.replicates,
        per_point,
        if per_point == 1 { "" } else { "s" },
        match points {
            _ if scenario.sweep.is_none() => String::new(),
            1 => " x 1 sweep point".to_owned(),
            n => format!(" x {n} sweep points"),
        },
        if tasks == 1 { "" } else { "s" },
        scenario.seed
    );
    outln!("network    {}", network(base.network));
    let p = &base.params;
    outln!(
        "adoption   innovation {}, imitation {}, reconsider {}, {}, price reference {}",
        p.innovation,
        p.imitation,
        p.reconsider,
        match p.outside_utility {
            Some(u) => format!("outside option at utility {u}"),
            None => "no outside option".into(),
        },
        p.price_reference
    );

    outln!("\nsegments ({})", scenario.segments.len());
    for (s, info) in scenario.segments.iter().enumerate() {
        let setup = &base.segments[s];
        let params = &p.segments[s];
        outln!(
            "  {:<14} share {:<6} {:>9} agents, {}% adopted at start, potential {}%, \
             heterogeneity {}",
            info.name,
            setup.share,
            setup.agents,
            100.0 * setup.initial_adoption,
            100.0 * params.potential,
            params.heterogeneity
        );
        outln!(
            "  {:14} tasks: {}",
            "",
            listing(&scenario.tasks, &setup.tasks)
        );
        outln!(
            "  {:14} languages: {}",
            "",
            listing(&scenario.languages, &setup.languages)
        );
        if !scenario.capabilities.is_empty() {
            outln!(
                "  {:14} capabilities: {}",
                "",
                listing(&scenario.capabilities, &params.capabilities)
            );
        }
        let weights = Weight::ALL.map(|w| format!("{w} {}", params.weights[w]));
        outln!("  {:14} weights: {}", "", weights.join(", "));
        match setup.usage {
            Some(u) => outln!(
                "  {:14} usage: median {} x exp({} z), z standard normal",
                "",
                u.median,
                u.sigma
            ),
            None => outln!("  {:14} usage: not declared (a weight of 1 each)", ""),
        }
        if let Some(source) = &info.source {
            outln!("  {:14} source: {source}", "");
        }
    }

    outln!("\nproviders ({})", scenario.providers.len());
    for (info, pp) in scenario.providers.iter().zip(&p.providers) {
        let mut flags = Vec::new();
        if !pp.available {
            flags.push("not available".to_owned());
        }
        if !pp.accepts_new {
            flags.push("closed to new users".to_owned());
        }
        if !info.requires.is_empty() {
            flags.push(format!("requires {}", info.requires.join(" + ")));
        }
        let costs = Cost::ALL.map(|c| format!("{c} {}", pp.costs[c]));
        outln!(
            "  {:<14} {} ({}): {}{}{}",
            info.id,
            info.name,
            info.origin.as_deref().unwrap_or("origin not given"),
            costs.join(", "),
            if flags.is_empty() { "" } else { "; " },
            flags.join("; ")
        );
        outln!("  {:14} vendor: {}", "", info.vendor);
        let served = |names: &[String], values: &[Option<f64>]| {
            names
                .iter()
                .zip(values)
                .filter_map(|(n, v)| v.map(|v| format!("{n} {v}")))
                .collect::<Vec<_>>()
                .join(", ")
        };
        outln!(
            "  {:14} quality: {}",
            "",
            served(&scenario.tasks, &pp.quality)
        );
        outln!(
            "  {:14} languages: {}",
            "",
            served(&scenario.languages, &pp.fit)
        );
        if let Some(source) = &info.source {
            outln!("  {:14} source: {source}", "");
        }
    }

    outln!("\nevents, by date ({})", scenario.events.len());
    print_events(&scenario, scenario.events.iter().collect());

    outln!("\nvariants ({})", scenario.variants.len());
    for v in &scenario.variants {
        let runs = arms.iter().any(|a| a.name == v.name);
        outln!(
            "  {}{}{}",
            v.name,
            v.description
                .as_deref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default(),
            if runs {
                ""
            } else {
                " (not selected by --variant)"
            }
        );
        if !v.remove_events.is_empty() {
            outln!("      removes events: {}", v.remove_events.join(", "));
        }
        for (path, value) in &v.set {
            outln!("      sets {path} = {value} before step 0");
        }
        describe_setup_changes(base, &v.setup);
        if !v.events.is_empty() {
            outln!("      adds events:");
            print_events(&scenario, v.events.iter().collect());
        }
        if let Some(source) = &v.source {
            outln!("      source: {source}");
        }
    }

    if !scenario.uncertainty.is_empty() {
        print_uncertainty(&scenario.uncertainty);
    }
    if let Some(sweep) = &scenario.sweep {
        print_sweep(sweep, tasks);
    }
    super::calibrate::print_targets(&scenario);
    if args.predict {
        super::calibrate::print_predictions(&scenario, interrupted)?;
    }

    if !scenario.warnings.is_empty() {
        outln!("\nwarnings ({})", scenario.warnings.len());
        for warning in &scenario.warnings {
            outln!("  {warning}");
        }
    }
    Ok(())
}

fn network(spec: NetworkSpec) -> String {
    let kind = spec.kind();
    match spec {
        NetworkSpec::Complete => format!("{kind} (everyone knows everyone)"),
        NetworkSpec::SmallWorld { degree, rewire } => {
            format!("{kind}, degree {degree}, rewire {rewire}")
        }
        NetworkSpec::ScaleFree { degree } => {
            format!("{kind}, degree {degree} (m = {})", degree / 2)
        }
    }
}

fn listing(names: &[String], values: &[f64]) -> String {
    let shown: Vec<String> = names
        .iter()
        .zip(values)
        .filter(|&(_, &v)| v > 0.0)
        .map(|(n, v)| format!("{n} {}", (v * 1e6).round() / 1e6))
        .collect();
    if shown.is_empty() {
        "none".into()
    } else {
        shown.join(", ")
    }
}

fn print_events(scenario: &Scenario, mut events: Vec<&EventInfo>) {
    events.sort_by_key(|e| e.step);
    for e in events {
        let written = match e.at {
            EventTime::Date(d) => d.to_string(),
            EventTime::Step(s) => format!("step {s}"),
        };
        outln!(
            "  {written:<10}  applies at step {} ({})  {}",
            e.step,
            scenario.calendar.date(e.step),
            e.name
        );
        for (path, value) in &e.set {
            outln!("  {:12}  {path} = {value}", "");
        }
        if let Some(source) = &e.source {
            outln!("  {:12}  source: {source}", "");
        }
    }
}

/// Says when a variant's population or network differs from the baseline's.
fn describe_setup_changes(base: &Setup, setup: &Setup) {
    if setup.population != base.population {
        outln!(
            "      population {} (baseline {})",
            setup.population,
            base.population
        );
    }
    if setup.network != base.network {
        outln!("      network {}", network(setup.network));
    }
}

/// `[uncertainty]`: each parameter's distribution and source, in file order.
fn print_uncertainty(parameters: &[UncertainParameter]) {
    outln!(
        "\nuncertainty: {} parameter{} (used by a [sweep] without parameters)",
        parameters.len(),
        if parameters.len() == 1 { "" } else { "s" }
    );
    for p in parameters {
        outln!("  {:<40} {}", p.path, p.distribution);
        if let Some(source) = &p.source {
            outln!("  {:<40}   source: {source}", "");
        }
    }
}

/// Points shown in full up to this many; beyond, the first and last few.
const POINTS_SHOWN: usize = 20;

/// The design, the parameters and the points (all, or the first and last few with each
/// parameter's range over all points).
fn print_sweep(sweep: &Sweep, tasks: usize) {
    let mut design = sweep.design.name().to_owned();
    if let Some(samples) = sweep.samples {
        design += &format!(", {samples} samples");
    }
    if let Some(seed) = sweep.seed {
        design += &format!(", design seed {seed}");
    }
    outln!(
        "\nsweep ({design}): {} point{}, {tasks} tasks",
        sweep.points.len(),
        if sweep.points.len() == 1 { "" } else { "s" }
    );
    for p in &sweep.parameters {
        let range = match &p.distribution {
            Some(distribution) => distribution.to_string(),
            None => "given".to_owned(),
        };
        outln!("  {:<40} {range}", p.path);
    }
    if let Some(weights) = &sweep.weights {
        let total: f64 = weights.iter().sum();
        let effective = total * total / weights.iter().map(|w| w * w).sum::<f64>();
        outln!(
            "  weighted points: effective sample size {effective:.1} of {} (Kish)",
            weights.len()
        );
    }
    let cells: Vec<Vec<String>> = sweep
        .points
        .iter()
        .map(|p| p.values.iter().map(ToString::to_string).collect())
        .collect();
    let widths: Vec<usize> = sweep
        .parameters
        .iter()
        .enumerate()
        .map(|(j, p)| {
            cells
                .iter()
                .map(|row| row[j].chars().count())
                .chain([p.path.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |label: &str, row: &[String]| {
        let values: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(v, &w)| format!("{v:>w$}"))
            .collect();
        outln!("  {label:>6}  {}", values.join("  "));
    };
    let header: Vec<String> = sweep.parameters.iter().map(|p| p.path.clone()).collect();
    line("point", &header);
    let n = cells.len();
    for (i, row) in cells.iter().enumerate() {
        if n <= POINTS_SHOWN || i < 5 || i >= n - 5 {
            line(&i.to_string(), row);
        } else if i == 5 {
            outln!("  {:>6}  ({} more points)", "...", n - 10);
        }
    }
    if n > POINTS_SHOWN {
        // The spread over all points, which the elided rows would otherwise hide.
        let spread: Vec<String> = (0..sweep.parameters.len())
            .map(|j| {
                let numbers: Vec<f64> = sweep
                    .points
                    .iter()
                    .filter_map(|p| {
                        p.values[j]
                            .as_float()
                            .or(p.values[j].as_integer().map(|i| i as f64))
                    })
                    .collect();
                let distinct = {
                    let mut all: Vec<&String> = cells.iter().map(|row| &row[j]).collect();
                    all.sort();
                    all.dedup();
                    all.len()
                };
                match numbers.len() {
                    0 => format!("{distinct} values"),
                    _ => format!(
                        "{}..{}",
                        numbers.iter().copied().fold(f64::INFINITY, f64::min),
                        numbers.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                    ),
                }
            })
            .collect();
        line("range", &spread);
    }
}
