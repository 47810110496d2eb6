//! `blockade calibrate`: history matching and ABC against a scenario's `[[targets]]` (the
//! method is the library's `calibration` module; this file runs the model for it, writes the
//! folder and prints the tables), and the targets as `check` shows them.

use blockade::scenario::Scenario;

/// The `[[targets]]` as `check` lists them: what each observes, where and when, its value and
/// uncertainties, its use and its source.
pub fn print_targets(scenario: &Scenario) {
    if scenario.targets.is_empty() {
        return;
    }
    let fitted = scenario
        .targets
        .iter()
        .filter(|t| t.use_ == blockade::spec::TargetUse::Calibrate)
        .count();
    outln!(
        "\ntargets ({}: {fitted} to calibrate, {} held out to validate)",
        scenario.targets.len(),
        scenario.targets.len() - fitted
    );
    for t in &scenario.targets {
        outln!(
            "  {:<24} {} = {} (observation sd {}, discrepancy sd {}), {}",
            t.name,
            t.describe(),
            t.value,
            t.observation_sd,
            t.discrepancy_sd,
            t.use_
        );
        outln!(
            "  {:24} share of {} in {} at step {} ({})",
            "",
            t.measure,
            t.segment
                .map_or("all", |s| scenario.segments[s].name.as_str()),
            t.step,
            scenario.calendar.date(t.step)
        );
        if let Some(source) = &t.source {
            outln!("  {:24} source: {source}", "");
        }
    }
}
