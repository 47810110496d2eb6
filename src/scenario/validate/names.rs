//! Names: identifiers, reserved words, duplicates, names that must refer to known ones, and
//! the limits of what a byte or a bit mask can index.

use super::checker::Checker;
use crate::scenario::path::Known;
use crate::scenario::raw::RawScenario;

/// States are stored in a byte: `not_adopted`, `unserved` and the providers.
pub(super) const MAX_PROVIDERS: usize = 254;
/// Capabilities held are a bit mask per agent.
pub(super) const MAX_CAPABILITIES: usize = 32;
/// Tasks and languages are stored in a byte per agent.
pub(super) const MAX_CATEGORIES: usize = 256;

/// The ISO 3166-1 alpha-2 country codes, lower case: what a provider's `origin` may be.
const COUNTRIES: [&str; 249] = [
    "ad", "ae", "af", "ag", "ai", "al", "am", "ao", "aq", "ar", "as", "at", "au", "aw", "ax", "az",
    "ba", "bb", "bd", "be", "bf", "bg", "bh", "bi", "bj", "bl", "bm", "bn", "bo", "bq", "br", "bs",
    "bt", "bv", "bw", "by", "bz", "ca", "cc", "cd", "cf", "cg", "ch", "ci", "ck", "cl", "cm", "cn",
    "co", "cr", "cu", "cv", "cw", "cx", "cy", "cz", "de", "dj", "dk", "dm", "do", "dz", "ec", "ee",
    "eg", "eh", "er", "es", "et", "fi", "fj", "fk", "fm", "fo", "fr", "ga", "gb", "gd", "ge", "gf",
    "gg", "gh", "gi", "gl", "gm", "gn", "gp", "gq", "gr", "gs", "gt", "gu", "gw", "gy", "hk", "hm",
    "hn", "hr", "ht", "hu", "id", "ie", "il", "im", "in", "io", "iq", "ir", "is", "it", "je", "jm",
    "jo", "jp", "ke", "kg", "kh", "ki", "km", "kn", "kp", "kr", "kw", "ky", "kz", "la", "lb", "lc",
    "li", "lk", "lr", "ls", "lt", "lu", "lv", "ly", "ma", "mc", "md", "me", "mf", "mg", "mh", "mk",
    "ml", "mm", "mn", "mo", "mp", "mq", "mr", "ms", "mt", "mu", "mv", "mw", "mx", "my", "mz", "na",
    "nc", "ne", "nf", "ng", "ni", "nl", "no", "np", "nr", "nu", "nz", "om", "pa", "pe", "pf", "pg",
    "ph", "pk", "pl", "pm", "pn", "pr", "ps", "pt", "pw", "py", "qa", "re", "ro", "rs", "ru", "rw",
    "sa", "sb", "sc", "sd", "se", "sg", "sh", "si", "sj", "sk", "sl", "sm", "sn", "so", "sr", "ss",
    "st", "sv", "sx", "sy", "sz", "tc", "td", "tf", "tg", "th", "tj", "tk", "tl", "tm", "tn", "to",
    "tr", "tt", "tv", "tw", "tz", "ua", "ug", "um", "us", "uy", "uz", "va", "vc", "ve", "vg", "vi",
    "vn", "vu", "wf", "ws", "ye", "yt", "za", "zm", "zw",
];

/// Names: identifiers, reserved words, duplicates, and names that must refer to known ones.
pub(super) fn check_names(raw: &RawScenario, known: &Known, ck: &mut Checker) {
    ck.identifier("scenario.name", &raw.scenario.name, false);
    if raw.segments.is_empty() {
        ck.report("segments", "a scenario needs at least one [[segments]]");
    }
    if raw.providers.is_empty() {
        ck.report("providers", "a scenario needs at least one [[providers]]");
    }
    for s in &raw.segments {
        let key = format!("segments.{}", s.name);
        ck.identifier(&format!("{key}.name"), &s.name, true);
        let categories = [
            ("tasks", s.tasks.keys().collect::<Vec<_>>()),
            ("languages", s.languages.keys().collect()),
            (
                "capabilities",
                s.capabilities.iter().flat_map(|c| c.keys()).collect(),
            ),
        ];
        for (table, names) in categories {
            for name in names {
                ck.identifier(&format!("{key}.{table}.{name}"), name, true);
            }
        }
    }
    ck.unique(
        |n| format!("segments.{n}.name"),
        raw.segments.iter().map(|s| s.name.as_str()),
    );
    for p in &raw.providers {
        let key = format!("providers.{}", p.id);
        ck.identifier(&format!("{key}.id"), &p.id, true);
        if let Some(origin) = &p.origin {
            if !COUNTRIES.contains(&origin.as_str()) {
                let hint = if COUNTRIES.contains(&origin.to_ascii_lowercase().as_str()) {
                    format!(
                        " (write it in lower case: '{}')",
                        origin.to_ascii_lowercase()
                    )
                } else {
                    String::new()
                };
                ck.report(
                    format!("{key}.origin"),
                    format!(
                        "'{origin}' is not a lower-case ISO 3166 country code such as cn or \
                         us{hint}; the metrics count 'cn' as domestic"
                    ),
                );
            }
        }
        if let Some(vendor) = &p.vendor {
            ck.identifier(&format!("{key}.vendor"), vendor, true);
        }
        for cap in p.requires.iter().flatten() {
            if let Err(e) = Known::check("capability", cap, &known.capabilities) {
                ck.report(format!("{key}.requires"), e);
            }
        }
        for task in p.quality.keys() {
            if let Err(e) = Known::check("task", task, &known.tasks) {
                ck.report(format!("{key}.quality.{task}"), e);
            }
        }
        for language in p.languages.keys() {
            if let Err(e) = Known::check("language", language, &known.languages) {
                ck.report(format!("{key}.languages.{language}"), e);
            }
        }
    }
    ck.unique(
        |n| format!("providers.{n}.id"),
        raw.providers.iter().map(|p| p.id.as_str()),
    );
    let limits = [
        ("providers", raw.providers.len(), MAX_PROVIDERS),
        ("segments", known.capabilities.len(), MAX_CAPABILITIES),
        ("segments", known.tasks.len(), MAX_CATEGORIES),
        ("segments", known.languages.len(), MAX_CATEGORIES),
    ];
    for ((key, count, max), what) in
        limits
            .into_iter()
            .zip(["providers", "capabilities", "tasks", "languages"])
    {
        if count > max {
            ck.report(
                key,
                format!("{count} {what}; blockade handles at most {max}"),
            );
        }
    }
    let all_events =
        raw.events
            .iter()
            .map(|e| ("events".to_owned(), e))
            .chain(raw.variants.iter().flat_map(|v| {
                v.events
                    .iter()
                    .flatten()
                    .map(move |e| (format!("variants.{}.events", v.name), e))
            }));
    // (name, key) of each event so far; a repeat within one table shares its key.
    let mut seen: Vec<(&str, String)> = Vec::new();
    for (prefix, e) in all_events {
        let key = format!("{prefix}.{}.name", e.name);
        ck.identifier(&key, &e.name, true);
        if seen.iter().any(|(name, _)| *name == e.name) {
            let earlier = seen.iter().filter(|(_, k)| *k == key).count();
            ck.report_nth(key.clone(), earlier, format!("duplicate event name '{}': event names are unique across [[events]] and every [[variants.events]]", e.name));
        }
        seen.push((&e.name, key));
    }
    for v in &raw.variants {
        ck.identifier(&format!("variants.{}.name", v.name), &v.name, true);
    }
    ck.unique(
        |n| format!("variants.{n}.name"),
        raw.variants.iter().map(|v| v.name.as_str()),
    );
}

#[cfg(test)]
mod tests {
    use super::super::checker::fixture::{SMALL, checker, parse, problems, small_with};
    use super::*;

    fn names_problems(text: &str) -> Vec<(String, String)> {
        let (raw, spans) = parse(text);
        let mut ck = checker(&spans);
        check_names(&raw, &Known::of(&raw.segments), &mut ck);
        problems(&ck)
    }

    #[test]
    fn a_valid_file_has_no_name_problems() {
        assert_eq!(names_problems(SMALL), []);
    }

    #[test]
    fn a_repeated_segment_name_is_reported_where_it_repeats() {
        let (raw, spans) = parse(&small_with("name = \"b\"", "name = \"a\""));
        let mut ck = checker(&spans);
        check_names(&raw, &Known::of(&raw.segments), &mut ck);
        assert_eq!(ck.problems.len(), 1);
        assert_eq!(ck.problems[0].message, "duplicate name 'a'");
        // The second [[segments]] names it, on line 31 of the fixture.
        assert_eq!(ck.problems[0].line, Some(31));
    }

    #[test]
    fn a_provider_may_name_only_tasks_and_capabilities_some_segment_names() {
        let text = small_with("requires = [\"vpn\"]", "requires = [\"passport\"]").replacen(
            "quality = { text = 0.7 }",
            "quality = { video = 0.7 }",
            1,
        );
        let found = names_problems(&text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, "providers.abroad.requires");
        assert!(found[0].1.starts_with("unknown capability 'passport'"));
        assert_eq!(found[1].0, "providers.home.quality.video");
    }

    #[test]
    fn state_names_may_not_be_taken() {
        let found = names_problems(&small_with("id = \"home\"", "id = \"unserved\""));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].1.contains("reserved word"), "{found:?}");
    }
}
