//! `[[targets]]`: each observation resolved to the states, segment and step it reads, its
//! value and uncertainties range-checked (docs/FORMAT.md, [[targets]]).

use super::checker::Checker;
use super::horizon::date_of;
use crate::calendar::Calendar;
use crate::scenario::path;
use crate::scenario::raw::RawScenario;
use crate::scenario::targets::RawTarget;
use crate::spec::{
    Bound, FIRST_PROVIDER, FIXED_STATES, Observed, Quantity, Relation, Target, TargetMeasure,
    TargetUse,
};

/// The largest standard deviation a target may state: shares and ratios of shares are far
/// below it, and it keeps every implausibility finite.
const MAX_SD: f64 = 1e6;

/// Every `[[targets]]` entry of `raw`, resolved; problems go to `ck`.
pub(super) fn check_targets(
    raw: &RawScenario,
    calendar: &Calendar,
    ck: &mut Checker,
) -> Vec<Target> {
    ck.unique(
        |name| format!("targets.{name}.name"),
        raw.targets.iter().map(|t| t.name.as_str()),
    );
    let usage = raw.segments.iter().any(|s| s.usage.is_some());
    raw.targets
        .iter()
        .filter_map(|t| check_target(raw, t, calendar, usage, ck))
        .collect()
}

fn check_target(
    raw: &RawScenario,
    t: &RawTarget,
    calendar: &Calendar,
    usage: bool,
    ck: &mut Checker,
) -> Option<Target> {
    let key = format!("targets.{}", t.name);
    let before = ck.problems.len();
    ck.identifier(&format!("{key}.name"), &t.name, false);
    let first = quantity(raw, &t.of, &format!("{key}.of"), ck);
    let relation = match (&t.relation, &t.to) {
        (None, None) => None,
        (Some(r), Some(to)) => match Relation::parse(r) {
            Some(relation) => Some((relation, quantity(raw, to, &format!("{key}.to"), ck))),
            None => {
                ck.report(
                    format!("{key}.relation"),
                    format!("'{r}' is not a relation ({})", Relation::names()),
                );
                None
            }
        },
        (Some(_), None) => {
            ck.report(
                format!("{key}.relation"),
                "a relation needs `to`, the second quantity",
            );
            None
        }
        (None, Some(_)) => {
            ck.report(
                format!("{key}.to"),
                format!("`to` needs a relation ({})", Relation::names()),
            );
            None
        }
    };
    let measure = match t.measure.as_deref() {
        None => Some(TargetMeasure::Agents),
        Some(text) => {
            let measure = TargetMeasure::parse(text);
            match measure {
                None => ck.report(
                    format!("{key}.measure"),
                    format!("'{text}' is not a measure ({})", TargetMeasure::names()),
                ),
                Some(TargetMeasure::Usage) if !usage => ck.report(
                    format!("{key}.measure"),
                    "a usage share needs a segment that declares `usage`",
                ),
                Some(_) => {}
            }
            measure
        }
    };
    let segment = match t.segment.as_deref() {
        None | Some("all") => Some(None),
        Some(name) => match raw.segments.iter().position(|s| s.name == name) {
            Some(i) => Some(Some(i)),
            None => {
                ck.report(
                    format!("{key}.segment"),
                    format!("unknown segment '{name}' (or all)"),
                );
                None
            }
        },
    };
    let step = step_of(&t.at, calendar)
        .map_err(|message| ck.report(format!("{key}.at"), message))
        .ok();
    let use_ = TargetUse::parse(&t.use_);
    if use_.is_none() {
        ck.report(
            format!("{key}.use"),
            format!("'{}' is not a use ({})", t.use_, TargetUse::names()),
        );
    }
    ck.check(&format!("{key}.value"), t.value, Bound::Finite);
    for (name, sd) in [
        ("observation_sd", t.observation_sd),
        ("discrepancy_sd", t.discrepancy_sd),
    ] {
        if !(0.0..=MAX_SD).contains(&sd) {
            ck.report(
                format!("{key}.{name}"),
                format!("must be a number in [0, {MAX_SD:e}], not {sd}"),
            );
        }
    }
    if t.observation_sd == 0.0 && t.discrepancy_sd == 0.0 {
        ck.report(
            format!("{key}.observation_sd"),
            "observation_sd and discrepancy_sd cannot both be 0: no simulation would match \
             the value exactly",
        );
    }
    if let Some((Relation::Order, _)) = relation
        && !(0.0..=1.0).contains(&t.value)
    {
        ck.report(
            format!("{key}.value"),
            format!(
                "an order is observed as 1 (`of` above `to`) or 0, not {}",
                t.value
            ),
        );
    }
    if ck.problems.len() > before {
        return None;
    }
    let observed = match relation {
        None => Observed::Share(first?),
        Some((relation, second)) => Observed::Pair {
            first: first?,
            second: second?,
            relation,
        },
    };
    Some(Target {
        name: t.name.clone(),
        observed,
        measure: measure?,
        segment: segment?,
        step: step?,
        value: t.value,
        observation_sd: t.observation_sd,
        discrepancy_sd: t.discrepancy_sd,
        source: t.source.clone(),
        use_: use_?,
    })
}

/// The step a target is read at: a step number, or the first step on or after a date.
fn step_of(at: &toml::Value, calendar: &Calendar) -> Result<u32, String> {
    match at {
        toml::Value::Integer(step) => u32::try_from(*step)
            .ok()
            .filter(|&s| s <= calendar.steps())
            .ok_or_else(|| {
                format!(
                    "step {step} is outside the horizon 0..={}",
                    calendar.steps()
                )
            }),
        toml::Value::Datetime(_) | toml::Value::String(_) => {
            let date = date_of(at)?;
            if date < calendar.start() {
                return Err(format!("{date} is before the start ({})", calendar.start()));
            }
            calendar.step_on_or_after(date).ok_or_else(|| {
                format!(
                    "{date} is after the horizon's last step ({}, step {})",
                    calendar.end(),
                    calendar.steps()
                )
            })
        }
        other => Err(format!(
            "expected a date such as 2024-06-30 or a step number, found {}",
            path::describe(other)
        )),
    }
}

/// The states a quantity adds up: `adopted` (every state but `not_adopted`), `domestic`
/// (providers of origin `cn`), `foreign` (every other provider), `state:<state>`,
/// `vendor:<vendor>` (its providers).
fn quantity(raw: &RawScenario, text: &str, key: &str, ck: &mut Checker) -> Option<Quantity> {
    let providers = || (0..raw.providers.len()).map(|p| FIRST_PROVIDER as usize + p);
    let states: Vec<usize> = match text.split_once(':') {
        None if text == "adopted" => (1..FIRST_PROVIDER as usize).chain(providers()).collect(),
        None if text == "domestic" || text == "foreign" => providers()
            .filter(|&s| {
                let cn = raw.providers[s - FIRST_PROVIDER as usize].origin.as_deref() == Some("cn");
                cn == (text == "domestic")
            })
            .collect(),
        Some(("state", name)) => {
            let fixed = FIXED_STATES.iter().position(|s| *s == name);
            let provider = raw.providers.iter().position(|p| p.id == name);
            match (fixed, provider) {
                (Some(s), _) => vec![s],
                (None, Some(p)) => vec![FIRST_PROVIDER as usize + p],
                (None, None) => {
                    ck.report(key, format!("unknown state '{name}'"));
                    return None;
                }
            }
        }
        Some(("vendor", name)) => {
            let states: Vec<usize> = providers()
                .filter(|&s| {
                    let p = &raw.providers[s - FIRST_PROVIDER as usize];
                    p.vendor.as_deref().unwrap_or(&p.id) == name
                })
                .collect();
            if states.is_empty() {
                ck.report(key, format!("unknown vendor '{name}'"));
                return None;
            }
            states
        }
        _ => {
            ck.report(
                key,
                format!(
                    "'{text}' is not a quantity (adopted, domestic, foreign, state:<state>, \
                     vendor:<vendor>)"
                ),
            );
            return None;
        }
    };
    Some(Quantity {
        label: text.to_owned(),
        states,
    })
}

#[cfg(test)]
mod tests {
    use super::super::checker::fixture::{SMALL, checker, parse, problems};
    use super::super::horizon::check_meta;
    use super::*;

    fn targets_of(extra: &str) -> (Vec<Target>, Vec<(String, String)>) {
        let text = format!("{SMALL}\n{extra}");
        let (raw, spans) = parse(&text);
        let mut ck = checker(&spans);
        let (calendar, _, _) = check_meta(&raw, &mut ck).expect("meta");
        let targets = check_targets(&raw, &calendar, &mut ck);
        (targets, problems(&ck))
    }

    #[test]
    fn a_target_resolves_to_states_a_segment_and_a_step() {
        let (targets, problems) = targets_of(
            r#"
[[targets]]
name = "home-ahead"
of = "state:home"
relation = "order"
to = "domestic"
segment = "b"
at = 2024-01-10
value = 1
observation_sd = 0.1
discrepancy_sd = 0.2
use = "validate"

[[targets]]
name = "adopted"
of = "adopted"
at = 3
value = 0.4
observation_sd = 0.02
discrepancy_sd = 0.0
use = "calibrate"
"#,
        );
        assert!(problems.is_empty(), "{problems:?}");
        let Observed::Pair {
            first,
            second,
            relation,
        } = &targets[0].observed
        else {
            panic!("a pair")
        };
        assert_eq!(
            (first.states.as_slice(), second.states.as_slice()),
            (&[3][..], &[][..])
        );
        assert_eq!(*relation, Relation::Order);
        assert_eq!(targets[0].segment, Some(1));
        // 2024-01-10 falls between steps 1 (01-08) and 2 (01-15): the later one.
        assert_eq!(targets[0].step, 2);
        assert_eq!(targets[0].use_, TargetUse::Validate);
        assert_eq!(
            targets[1].observed,
            Observed::Share(Quantity {
                label: "adopted".into(),
                states: vec![1, 2, 3]
            })
        );
        assert_eq!(targets[1].segment, None);
        assert!((targets[1].tolerated_variance() - 0.0004).abs() < 1e-15);
    }

    #[test]
    fn bad_targets_are_reported_at_their_key() {
        let (_, problems) = targets_of(
            r#"
[[targets]]
name = "t"
of = "vendor:nobody"
relation = "order"
segment = "c"
at = 2030-01-01
value = 2
observation_sd = -1
discrepancy_sd = 0
measure = "usage"
use = "fit"
"#,
        );
        let keys: Vec<&str> = problems.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "targets.t.of",
                "targets.t.relation",
                "targets.t.measure",
                "targets.t.segment",
                "targets.t.at",
                "targets.t.use",
                "targets.t.observation_sd",
            ]
        );
        assert!(problems[0].1.contains("unknown vendor 'nobody'"));
    }
}
