//! `blockade check`: validate a scenario and print what it holds, as a reviewer would want to
//! read it: the horizon, the segments, the providers with their evidence, the events in date
//! order with the step each applies at, and what each variant changes.

use super::CheckArgs;
use blockade::Result;
use blockade::scenario::{EventInfo, EventTime, NetworkSpec, Scenario, Setup};

pub fn check(args: &CheckArgs) -> Result<()> {
    let scenario = Scenario::load(&args.scenario.file, &args.scenario.overrides())?;
    let arms = scenario.arms(&args.scenario.variants)?;
    let c = &scenario.calendar;
    let base = &scenario.baseline;

    println!("{}: ok", scenario.file);
    println!("scenario   {}", scenario.name);
    if let Some(description) = &scenario.description {
        println!("           {description}");
    }
    println!(
        "horizon    {} to {}: step 0 and {} {}ly steps",
        c.start(),
        c.end(),
        c.steps(),
        c.unit()
    );
    println!(
        "runs       {} agents x {} replicates x {} arm{} (seed {})",
        base.population,
        scenario.replicates,
        arms.len(),
        if arms.len() == 1 { "" } else { "s" },
        scenario.seed
    );
    println!("network    {}", network(base.network));
    let p = &base.params;
    println!(
        "adoption   innovation {}, imitation {}, reconsider {}, {}",
        p.innovation,
        p.imitation,
        p.reconsider,
        match p.outside_utility {
            Some(u) => format!("outside option at utility {u}"),
            None => "no outside option".into(),
        }
    );

    println!("\nsegments ({})", scenario.segments.len());
    for (s, info) in scenario.segments.iter().enumerate() {
        let setup = &base.segments[s];
        let params = &p.segments[s];
        println!(
            "  {:<14} share {:<6} {:>9} agents, {}% adopted at start, heterogeneity {}",
            info.name,
            setup.share,
            setup.agents,
            100.0 * setup.initial_adoption,
            params.heterogeneity
        );
        println!(
            "  {:14} tasks: {}",
            "",
            listing(&scenario.tasks, &setup.tasks)
        );
        println!(
            "  {:14} languages: {}",
            "",
            listing(&scenario.languages, &setup.languages)
        );
        if !scenario.capabilities.is_empty() {
            println!(
                "  {:14} capabilities: {}",
                "",
                listing(&scenario.capabilities, &params.capabilities)
            );
        }
        let w = params.weights;
        println!(
            "  {:14} weights: quality {}, price {}, friction {}, risk {}, peer {}, inertia {}",
            "", w[0], w[1], w[2], w[3], w[4], w[5]
        );
        if let Some(source) = &info.source {
            println!("  {:14} source: {source}", "");
        }
    }

    println!("\nproviders ({})", scenario.providers.len());
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
        println!(
            "  {:<14} {} ({}): price {}, friction {}, risk {}{}{}",
            info.id,
            info.name,
            info.origin.as_deref().unwrap_or("origin not given"),
            pp.price,
            pp.friction,
            pp.risk,
            if flags.is_empty() { "" } else { "; " },
            flags.join("; ")
        );
        let served = |names: &[String], values: &[Option<f64>]| {
            names
                .iter()
                .zip(values)
                .filter_map(|(n, v)| v.map(|v| format!("{n} {v}")))
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!(
            "  {:14} quality: {}",
            "",
            served(&scenario.tasks, &pp.quality)
        );
        println!(
            "  {:14} languages: {}",
            "",
            served(&scenario.languages, &pp.fit)
        );
        if let Some(source) = &info.source {
            println!("  {:14} source: {source}", "");
        }
    }

    println!("\nevents, by date ({})", scenario.events.len());
    print_events(&scenario, scenario.events.iter().collect());

    println!("\nvariants ({})", scenario.variants.len());
    for v in &scenario.variants {
        let runs = arms.iter().any(|a| a.name == v.name);
        println!(
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
            println!("      removes events: {}", v.remove_events.join(", "));
        }
        for (path, value) in &v.set {
            println!("      sets {path} = {value} before step 0");
        }
        describe_setup_changes(base, &v.setup);
        if !v.events.is_empty() {
            println!("      adds events:");
            print_events(&scenario, v.events.iter().collect());
        }
        if let Some(source) = &v.source {
            println!("      source: {source}");
        }
    }

    if !scenario.warnings.is_empty() {
        println!("\nwarnings ({})", scenario.warnings.len());
        for warning in &scenario.warnings {
            println!("  {warning}");
        }
    }
    Ok(())
}

fn network(spec: NetworkSpec) -> String {
    match spec {
        NetworkSpec::Complete => "complete (everyone knows everyone)".into(),
        NetworkSpec::SmallWorld { degree, rewire } => {
            format!("small_world, degree {degree}, rewire {rewire}")
        }
        NetworkSpec::ScaleFree { degree } => {
            format!("scale_free, degree {degree} (m = {})", degree / 2)
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
        println!(
            "  {written:<10}  applies at step {} ({})  {}",
            e.step,
            scenario.calendar.date(e.step),
            e.name
        );
        for (path, value) in &e.set {
            println!("  {:12}  {path} = {value}", "");
        }
        if let Some(source) = &e.source {
            println!("  {:12}  source: {source}", "");
        }
    }
}

/// Says when a variant's population or network differs from the baseline's.
fn describe_setup_changes(base: &Setup, setup: &Setup) {
    if setup.population != base.population {
        println!(
            "      population {} (baseline {})",
            setup.population, base.population
        );
    }
    if setup.network != base.network {
        println!("      network {}", network(setup.network));
    }
}
