//! Events: where each falls on the calendar, and its `set` resolved to patches.

use super::checker::Checker;
use super::horizon::date_of;
use crate::calendar::Calendar;
use crate::scenario::path::{self, Known, ParamPath, ProviderKey, Scope, SegmentKey};
use crate::scenario::raw::{RawEvent, RawScenario};
use crate::scenario::{EventInfo, EventTime};
use crate::spec::{Bound, Patch, TimedPatches, Timeline};

/// The names paths resolve against.
pub(super) struct Names<'a> {
    segments: Vec<&'a str>,
    providers: Vec<&'a str>,
    known: &'a Known,
}

impl<'a> Names<'a> {
    pub(super) fn of(raw: &'a RawScenario, known: &'a Known) -> Names<'a> {
        Names {
            segments: raw.segments.iter().map(|s| s.name.as_str()).collect(),
            providers: raw.providers.iter().map(|p| p.id.as_str()).collect(),
            known,
        }
    }

    fn index(names: &[&str], kind: &str, name: &str) -> Result<usize, String> {
        names
            .iter()
            .position(|n| *n == name)
            .ok_or_else(|| format!("unknown {kind} '{name}'"))
    }

    fn known(names: &[String], kind: &str, name: &str) -> Result<usize, String> {
        Known::check(kind, name, names)?;
        Ok(names.iter().position(|n| n == name).unwrap_or(0))
    }

    /// Resolves an event's (path, value) to a patch, checking the value's type and range.
    fn patch(&self, path: &ParamPath, value: &toml::Value) -> Result<Patch, String> {
        let ranged = |bound: Bound| -> Result<f64, String> {
            let x = path::number(value)?;
            bound.check(x).map(|()| x)
        };
        use super::path::AdoptionKey as A;
        Ok(match path {
            ParamPath::Adoption(key) => match key {
                A::Innovation => Patch::Innovation(ranged(Bound::Probability)?),
                A::Imitation => Patch::Imitation(ranged(Bound::Probability)?),
                A::Reconsider => Patch::Reconsider(ranged(Bound::Probability)?),
                A::OutsideUtility => Patch::OutsideUtility(ranged(Bound::Finite)?),
                A::PriceReference => Patch::PriceReference(ranged(Bound::Positive)?),
            },
            ParamPath::Segment(name, key) => {
                let segment = Self::index(&self.segments, "segment", name)?;
                match key {
                    SegmentKey::Capability(c) => Patch::Capability {
                        segment,
                        capability: Self::known(&self.known.capabilities, "capability", c)?,
                        value: ranged(Bound::Probability)?,
                    },
                    SegmentKey::Weight(weight) => Patch::Weight {
                        segment,
                        weight: *weight,
                        value: ranged(Bound::Finite)?,
                    },
                    SegmentKey::Heterogeneity => Patch::Heterogeneity {
                        segment,
                        value: ranged(Bound::Heterogeneity)?,
                    },
                    SegmentKey::Potential => Patch::Potential {
                        segment,
                        value: ranged(Bound::Probability)?,
                    },
                    _ => return Err(path.check_scope(Scope::Event).err().unwrap_or_default()),
                }
            }
            ParamPath::Provider(id, key) => {
                let provider = Self::index(&self.providers, "provider", id)?;
                match key {
                    ProviderKey::Available => Patch::Available {
                        provider,
                        value: path::boolean(value)?,
                    },
                    ProviderKey::AcceptsNew => Patch::AcceptsNew {
                        provider,
                        value: path::boolean(value)?,
                    },
                    ProviderKey::Cost(cost) => Patch::Cost {
                        provider,
                        cost: *cost,
                        value: ranged(cost.bound())?,
                    },
                    ProviderKey::Quality(task) => Patch::Quality {
                        provider,
                        task: Self::known(&self.known.tasks, "task", task)?,
                        value: ranged(Bound::Finite)?,
                    },
                    ProviderKey::Language(language) => Patch::Fit {
                        provider,
                        language: Self::known(&self.known.languages, "language", language)?,
                        value: ranged(Bound::Finite)?,
                    },
                }
            }
            _ => return Err(path.check_scope(Scope::Event).err().unwrap_or_default()),
        })
    }
}

/// Events: when each applies and what it changes.
pub(super) fn check_events(
    prefix: &str,
    raw_events: &[RawEvent],
    names: &Names,
    calendar: &Calendar,
    ck: &mut Checker,
) -> Vec<EventInfo> {
    let mut events = Vec::new();
    for e in raw_events {
        let key = format!("{prefix}.{}", e.name);
        let placed = match &e.at {
            toml::Value::Integer(step) => match u32::try_from(*step) {
                Ok(step) if step <= calendar.steps() => Ok((EventTime::Step(step), step)),
                _ => Err(format!(
                    "step {step} is outside the horizon 0..={}",
                    calendar.steps()
                )),
            },
            toml::Value::Datetime(_) | toml::Value::String(_) => date_of(&e.at).and_then(|date| {
                if date < calendar.start() {
                    return Err(format!("{date} is before the start ({})", calendar.start()));
                }
                calendar
                    .step_on_or_after(date)
                    .map(|step| (EventTime::Date(date), step))
                    .ok_or_else(|| {
                        format!(
                            "{date} is after the horizon's last step ({}, step {})",
                            calendar.end(),
                            calendar.steps()
                        )
                    })
            }),
            other => Err(format!(
                "expected a date such as 2024-07-09 or a step number, found {}",
                path::describe(other)
            )),
        };
        let (at, step) = match placed {
            Ok(placed) => placed,
            Err(message) => {
                ck.report(format!("{key}.at"), message);
                continue;
            }
        };
        let set = path::flatten(&e.set);
        if let Some(twice) = path::repeated(&set) {
            ck.report(
                format!("{key}.set.{twice}"),
                "names this path twice (quoted and dotted): keep one",
            );
        }
        let mut patches = Vec::new();
        for (text, value) in &set {
            let resolved = ParamPath::parse(text)
                .and_then(|p| p.check_scope(Scope::Event).map(|()| p))
                .and_then(|p| names.patch(&p, value));
            match resolved {
                Ok(patch) => patches.push(patch),
                Err(message) => ck.report(format!("{key}.set.{text}"), message),
            }
        }
        events.push(EventInfo {
            name: e.name.clone(),
            at,
            step,
            set,
            patches,
            source: e.source.clone(),
        });
    }
    events
}

pub(super) fn timeline_of<'a>(
    baseline: impl Iterator<Item = &'a EventInfo>,
    own: &'a [EventInfo],
) -> Timeline {
    Timeline::new(
        baseline
            .chain(own)
            .map(|e| TimedPatches {
                step: e.step,
                patches: e.patches.clone(),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::checker::fixture::{SMALL, checker, parse, problems, small_with};
    use super::super::horizon::check_meta;
    use super::*;
    use crate::spec::Cost;

    fn events_of(text: &str) -> (Vec<EventInfo>, Vec<(String, String)>) {
        let (raw, spans) = parse(text);
        let mut ck = checker(&spans);
        let (calendar, ..) = check_meta(&raw, &mut ck).expect("calendar");
        let known = Known::of(&raw.segments);
        let names = Names::of(&raw, &known);
        let events = check_events("events", &raw.events, &names, &calendar, &mut ck);
        (events, problems(&ck))
    }

    #[test]
    fn an_event_falls_on_the_first_step_on_or_after_its_date() {
        let (events, found) = events_of(SMALL);
        assert_eq!(found, []);
        // 2024-02-05 is five weeks after 2024-01-01.
        assert_eq!(events[0].step, 5);
        assert_eq!(
            events[0].patches,
            [
                Patch::Cost {
                    provider: 0,
                    cost: Cost::Friction,
                    value: 2.0
                },
                Patch::Cost {
                    provider: 0,
                    cost: Cost::Risk,
                    value: 0.05
                }
            ]
        );
        let (events, _) = events_of(&small_with("at = 2024-02-05", "at = 2024-02-06"));
        assert_eq!(events[0].step, 6);
    }

    #[test]
    fn an_event_may_change_only_what_can_change_during_a_run() {
        let text = small_with(
            "\"providers.abroad.risk\" = 0.05",
            "\"segments.a.share\" = 0.5",
        );
        let (_, found) = events_of(&text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "events.block.set.segments.a.share");
        assert!(
            found[0].1.contains("only a variant's set or --set can"),
            "{found:?}"
        );
    }

    #[test]
    fn an_event_outside_the_horizon_or_out_of_range_is_refused() {
        let (_, found) = events_of(&small_with("at = 2024-02-05", "at = 11"));
        assert_eq!(found[0].0, "events.block.at");
        assert!(found[0].1.contains("outside the horizon 0..=10"));
        let (_, found) = events_of(&small_with(
            "\"providers.abroad.risk\" = 0.05",
            "\"providers.abroad.risk\" = 2",
        ));
        assert_eq!(found[0].0, "events.block.set.providers.abroad.risk");
    }

    #[test]
    fn a_timeline_orders_by_step_keeping_the_baseline_first() {
        let (mut events, _) = events_of(SMALL);
        let mut own = events.clone();
        own[0].patches = vec![Patch::Imitation(0.5)];
        events[0].patches.truncate(1);
        let timeline = timeline_of(events.iter(), &own);
        let at5: Vec<Patch> = timeline.at(5).copied().collect();
        assert_eq!(at5.len(), 2);
        assert_eq!(at5[1], Patch::Imitation(0.5));
    }
}
