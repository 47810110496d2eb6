//! Warnings: what is worth saying about a valid file without stopping the run.

use crate::calendar::Calendar;
use crate::scenario::path::ParamPath;
use crate::scenario::raw::RawScenario;
use crate::scenario::{EventInfo, Variant};
use crate::spec::{NetworkKind, Setup};

pub(super) fn warn_empty_segments(
    arm: &str,
    setup: &Setup,
    raw: &RawScenario,
    warnings: &mut Vec<String>,
) {
    for (segment, raw_segment) in setup.segments.iter().zip(&raw.segments) {
        if segment.agents == 0 {
            warnings.push(format!(
                "segment '{}' has no agents at population {} ({arm}): its shares are written as 0",
                raw_segment.name, setup.population
            ));
        }
    }
}

/// A variant's `set` applies before step 0, so a baseline event setting the same path later
/// undoes it (docs/MODEL.md, 7.8 Events and variants).
pub(super) fn warn_overridden_sets(
    variant: &Variant,
    baseline_events: &[EventInfo],
    calendar: &Calendar,
    warnings: &mut Vec<String>,
) {
    for (path, _) in &variant.set {
        let Ok(path) = ParamPath::parse(path) else {
            continue;
        };
        for e in baseline_events
            .iter()
            .filter(|e| !variant.remove_events.contains(&e.name))
        {
            let overrides = e
                .set
                .iter()
                .any(|(p, _)| ParamPath::parse(p).is_ok_and(|p| p == path));
            if overrides {
                warnings.push(format!(
                    "variant '{}' sets {path}, but baseline event '{}' sets it again at step {} ({}); \
                     timed changes of a variant belong in its [[variants.events]]",
                    variant.name,
                    e.name,
                    e.step,
                    calendar.date(e.step)
                ));
            }
        }
    }
}

pub(super) fn warn_unused_network_keys(raw: &RawScenario, warnings: &mut Vec<String>) {
    let n = &raw.network;
    // An unknown kind is reported by validation; no warning about its keys then.
    let Some(kind) = NetworkKind::parse(&n.kind) else {
        return;
    };
    let (uses_degree, uses_rewire) = (kind.uses_degree(), kind.uses_rewire());
    if n.degree.is_some() && !uses_degree {
        warnings.push(format!(
            "network.degree is not used by a {} network: ignored",
            n.kind
        ));
    }
    if n.rewire.is_some() && !uses_rewire {
        warnings.push(format!(
            "network.rewire is not used by a {} network: ignored",
            n.kind
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::checker::fixture::{SMALL, small_with};
    use crate::scenario::{Overrides, Scenario};

    fn warnings(text: &str) -> Vec<String> {
        Scenario::from_bytes("t.toml", text.as_bytes(), &Overrides::default())
            .expect("valid")
            .warnings
    }

    #[test]
    fn a_valid_file_needs_no_warning() {
        assert_eq!(warnings(SMALL), Vec::<String>::new());
    }

    #[test]
    fn keys_the_network_kind_does_not_read_are_named() {
        let found = warnings(&small_with("kind = \"small_world\"", "kind = \"complete\""));
        assert_eq!(
            found,
            [
                "network.degree is not used by a complete network: ignored",
                "network.rewire is not used by a complete network: ignored"
            ]
        );
        let found = warnings(&small_with(
            "kind = \"small_world\"",
            "kind = \"scale_free\"",
        ));
        assert_eq!(
            found,
            ["network.rewire is not used by a scale_free network: ignored"]
        );
    }

    #[test]
    fn a_segment_without_agents_is_named() {
        let text = small_with("population = 100", "population = 1")
            .replacen("degree = 4", "", 1)
            .replacen("kind = \"small_world\"", "kind = \"complete\"", 1)
            .replacen("rewire = 0.1", "", 1);
        let found = warnings(&text);
        assert!(
            found
                .iter()
                .any(|w| w.starts_with("segment 'b' has no agents at population 1 (baseline)")),
            "{found:?}"
        );
    }

    #[test]
    fn a_variant_set_that_a_baseline_event_undoes_is_named() {
        let text = small_with(
            "remove_events = [\"block\"]",
            "set = { \"providers.abroad.risk\" = 0.0 }",
        );
        let found = warnings(&text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("variant 'no-block' sets providers.abroad.risk, but baseline event 'block' sets it again at step 5"));
    }
}
