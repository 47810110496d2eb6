//! Variants: a `set` written over the file and validated as a whole, and the variant's events.

use super::checker::Checker;
use super::events::{Names, check_events, timeline_of};
use super::setup::build_setup;
use crate::calendar::Calendar;
use crate::scenario::path::{self, Known, ParamPath, Scope};
use crate::scenario::raw::{RawScenario, RawVariant};
use crate::scenario::{EventInfo, Variant};

/// A variant: its `set` written over the file and validated as a whole, its events resolved.
pub(super) fn check_variant(
    raw: &RawScenario,
    rv: &RawVariant,
    known: &Known,
    names: &Names,
    baseline_events: &[EventInfo],
    calendar: &Calendar,
    ck: &mut Checker,
) -> Variant {
    let key = format!("variants.{}", rv.name);
    let remove_events = rv.remove_events.clone().unwrap_or_default();
    for name in &remove_events {
        if !raw.events.iter().any(|e| &e.name == name) {
            ck.report(
                format!("{key}.remove_events"),
                format!("unknown event '{name}': [[events]] has no event of that name"),
            );
        }
    }
    let set = rv.set.as_ref().map(path::flatten).unwrap_or_default();
    if let Some(twice) = path::repeated(&set) {
        ck.report(
            format!("{key}.set.{twice}"),
            "names this path twice (quoted and dotted): keep one",
        );
    }
    let mut changed = raw.clone();
    for (text, value) in &set {
        let applied = ParamPath::parse(text)
            .and_then(|p| p.check_scope(Scope::Variant).map(|()| p))
            .and_then(|p| path::apply(&mut changed, known, &p, value));
        if let Err(message) = applied {
            ck.report(format!("{key}.set.{text}"), message);
        }
    }
    // The variant's values are checked as a whole file and reported at its `set`.
    let mut inner = Checker {
        file: ck.file,
        spans: ck.spans,
        overridden: Vec::new(),
        problems: Vec::new(),
    };
    let mut setup = build_setup(&changed, known, &mut inner);
    for problem in inner.problems {
        // A problem the file (or a flag) already has is reported once, at its own key, not
        // again at every variant's `set`.
        let repeated = ck
            .problems
            .iter()
            .any(|p| p.key == problem.key && p.message == problem.message);
        if repeated {
            continue;
        }
        let message = match &problem.key {
            Some(k) => format!("{k}: {}", problem.message),
            None => problem.message,
        };
        ck.report(format!("{key}.set"), message);
    }
    let events = check_events(
        &format!("{key}.events"),
        rv.events.as_deref().unwrap_or(&[]),
        names,
        calendar,
        ck,
    );
    let kept = baseline_events
        .iter()
        .filter(|e| !remove_events.contains(&e.name));
    setup.timeline = timeline_of(kept, &events);
    Variant {
        name: rv.name.clone(),
        description: rv.description.clone(),
        source: rv.source.clone(),
        remove_events,
        set,
        events,
        setup,
    }
}

#[cfg(test)]
mod tests {
    use super::super::checker::fixture::{SMALL, small_with};
    use crate::scenario::{Overrides, Scenario};
    use crate::spec::Cost;

    fn load(text: &str) -> Result<Scenario, crate::error::InputError> {
        Scenario::from_bytes("t.toml", text.as_bytes(), &Overrides::default())
    }

    #[test]
    fn a_variant_without_the_event_keeps_the_baseline_terms() {
        let scenario = load(SMALL).expect("valid");
        let variant = &scenario.variants[0];
        assert_eq!(variant.remove_events, ["block"]);
        assert_eq!(scenario.baseline.timeline.at(5).count(), 2);
        assert_eq!(variant.setup.timeline.at(5).count(), 0);
        assert_eq!(variant.setup.params, scenario.baseline.params);
    }

    #[test]
    fn a_variant_set_is_written_over_the_file_and_checked_as_a_whole() {
        let text = small_with(
            "remove_events = [\"block\"]",
            "set = { \"providers.home.price\" = 20.0, \"scenario.population\" = 50 }",
        );
        let variant = &load(&text).expect("valid").variants[0];
        assert_eq!(variant.setup.params.providers[1].costs[Cost::Price], 20.0);
        assert_eq!(variant.setup.population, 50);
        let bad = small_with(
            "remove_events = [\"block\"]",
            "set = { \"segments.a.share\" = 0.9 }",
        );
        let error = load(&bad).expect_err("shares no longer sum to 1");
        assert_eq!(error.key.as_deref(), Some("variants.no-block.set"));
        assert!(
            error
                .message
                .starts_with("segments: segment shares sum to 1.3"),
            "{error}"
        );
    }

    #[test]
    fn a_variant_may_remove_only_baseline_events() {
        let error = load(&small_with(
            "remove_events = [\"block\"]",
            "remove_events = [\"blok\"]",
        ))
        .expect_err("unknown event");
        assert_eq!(
            error.key.as_deref(),
            Some("variants.no-block.remove_events")
        );
    }
}
