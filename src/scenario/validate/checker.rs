//! Collecting problems: each with its key, the line the key is on and the file (or the flag
//! that changed it), reported first in file order with a count of the rest.

use crate::error::InputError;
use crate::scenario::spans::SpanIndex;
use crate::scenario::{MISSING_WORDS, RESERVED};
use crate::spec::Bound;
use crate::spec::short;
use indexmap::IndexMap;

/// Sums of shares must be within this of 1 (docs/FORMAT.md, [[segments]]).
pub(super) const SUM_TOLERANCE: f64 = 1e-6;
/// Collects problems, each with its key, the line the key is on and the file (or the flag
/// that changed the key).
pub(super) struct Checker<'a> {
    pub(super) file: &'a str,
    pub(super) spans: &'a SpanIndex,
    /// (path, flag) for each key a command-line flag changed: its problems name the flag.
    pub(super) overridden: Vec<(String, String)>,
    pub(super) problems: Vec<InputError>,
}

impl Checker<'_> {
    pub(super) fn report(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.report_nth(key, 0, message);
    }

    /// Reports a problem at the `n`-th (0-based) occurrence of `key` in the file: a repeated
    /// name is reported where it repeats, not where it first appears.
    pub(super) fn report_nth(
        &mut self,
        key: impl Into<String>,
        n: usize,
        message: impl Into<String>,
    ) {
        let key = key.into();
        let flag = self
            .overridden
            .iter()
            .rev()
            // A flag that changed the key, or a key within it (a share within a sum).
            .find(|(path, _)| *path == key || path.starts_with(&format!("{key}.")))
            .map(|(_, flag)| flag.clone());
        let error = match flag {
            Some(flag) => InputError::at_key(key, message).in_origin(flag),
            None => InputError {
                line: self.spans.line_of_nth_key(&key, n),
                ..InputError::at_key(key, message).in_origin(self.file)
            },
        };
        self.problems.push(error);
    }

    /// Reports a failed range check at `key`; returns the value either way.
    pub(super) fn check(&mut self, key: &str, x: f64, bound: Bound) -> f64 {
        if let Err(message) = bound.check(x) {
            self.report(key, message);
        }
        x
    }

    /// An integer in `min..=max`, or `None` after reporting.
    pub(super) fn in_range(&mut self, key: &str, x: i64, min: i64, max: i64) -> Option<i64> {
        if (min..=max).contains(&x) {
            Some(x)
        } else {
            self.report(key, format!("must be an integer in {min}..={max}, not {x}"));
            None
        }
    }

    /// An integer in `min..=max`, or `min` after reporting.
    pub(super) fn integer(&mut self, key: &str, x: i64, min: i64, max: i64) -> i64 {
        self.in_range(key, x, min, max).unwrap_or(min)
    }

    /// An identifier: a lower-case letter, then `[a-z0-9_-]*`; never a word that pandas,
    /// polars or R read as missing or as a number (`nan`, `null`, `na`, ...), which would
    /// turn a name in the CSV files into a missing value; and not a reserved word where
    /// `reserved_too`.
    pub(super) fn identifier(&mut self, key: &str, name: &str, reserved_too: bool) {
        let well_formed = name.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !well_formed {
            self.report(
                key,
                format!("'{name}' is not an identifier ([a-z0-9_-]+, starting with a letter)"),
            );
        } else if MISSING_WORDS.contains(&name) {
            self.report(
                key,
                format!(
                    "'{name}' reads as a missing value or a number in pandas, polars or R ({}): \
                     choose another name",
                    MISSING_WORDS.join(", ")
                ),
            );
        } else if reserved_too && RESERVED.contains(&name) {
            self.report(
                key,
                format!("'{name}' is a reserved word ({})", RESERVED.join(", ")),
            );
        }
    }

    pub(super) fn unique<'n>(
        &mut self,
        key: impl Fn(&str) -> String,
        names: impl Iterator<Item = &'n str>,
    ) {
        let mut seen: Vec<&str> = Vec::new();
        for name in names {
            let earlier = seen.iter().filter(|&&s| s == name).count();
            if earlier > 0 {
                self.report_nth(key(name), earlier, format!("duplicate name '{name}'"));
            }
            seen.push(name);
        }
    }

    /// A map of fractions that must each be probabilities and sum to 1; returned per known
    /// name, normalised by their sum (docs/MODEL.md, 5. Initialisation).
    pub(super) fn fractions(
        &mut self,
        key: &str,
        map: &IndexMap<String, f64>,
        known: &[String],
    ) -> Vec<f64> {
        if map.is_empty() {
            self.report(key, "must name at least one entry");
            return vec![0.0; known.len()];
        }
        for (name, &x) in map {
            self.check(&format!("{key}.{name}"), x, Bound::Probability);
        }
        let sum: f64 = map.values().sum();
        if (sum - 1.0).abs() > SUM_TOLERANCE || !sum.is_finite() {
            self.report(key, format!("fractions sum to {}, not 1", short(sum)));
        }
        let sum = if sum > 0.0 { sum } else { 1.0 };
        known
            .iter()
            .map(|name| map.get(name).copied().unwrap_or(0.0) / sum)
            .collect()
    }

    /// The error to report: the first problem in file order (problems without a line come
    /// last), saying how many more there are.
    pub(super) fn failure(mut self) -> InputError {
        if self.problems.is_empty() {
            return InputError::new("invalid scenario").in_origin(self.file);
        }
        let more = self.problems.len() - 1;
        let file = self.file;
        self.problems.sort_by_key(|p| {
            (
                p.origin.as_deref() != Some(file),
                p.line.unwrap_or(usize::MAX),
            )
        });
        let mut first = self.problems.swap_remove(0);
        if more > 0 {
            let plural = if more == 1 { "" } else { "s" };
            first.message += &format!(" (and {more} more problem{plural})");
        }
        first
    }
}

/// A small valid file and the means to check parts of it, for the unit tests of each part.
#[cfg(test)]
pub(super) mod fixture {
    use super::Checker;
    use crate::scenario::raw::RawScenario;
    use crate::scenario::spans::SpanIndex;
    use serde::Deserialize;

    /// Two segments, two providers, one event, one variant.
    pub(crate) const SMALL: &str = r#"
[scenario]
name = "small"
start = 2024-01-01
step = "week"
steps = 10
population = 100
replicates = 2
seed = 1

[network]
kind = "small_world"
degree = 4
rewire = 0.1

[adoption]
innovation = 0.01
imitation = 0.2
reconsider = 0.02

[[segments]]
name = "a"
share = 0.6
initial_adoption = 0.1
tasks = { text = 1.0 }
languages = { mandarin = 1.0 }
capabilities = { vpn = 0.5 }
weights = { quality = 10.0, price = 0.5, friction = 1.0, risk = 5.0, peer = 1.0, inertia = 1.0 }

[[segments]]
name = "b"
share = 0.4
initial_adoption = 0.0
tasks = { text = 0.5, code = 0.5 }
languages = { mandarin = 1.0 }
weights = { quality = 8.0, price = 1.0, friction = 1.0, risk = 5.0, peer = 0.0, inertia = 2.0 }

[[providers]]
id = "abroad"
requires = ["vpn"]
quality = { text = 0.9, code = 0.9 }
languages = { mandarin = 0.9 }
price = 70.0
friction = 0.5
risk = 0.005

[[providers]]
id = "home"
quality = { text = 0.7 }
languages = { mandarin = 1.0 }
price = 10.0
friction = 0.2
risk = 0.0

[[events]]
name = "block"
at = 2024-02-05
set = { "providers.abroad.friction" = 2.0, "providers.abroad.risk" = 0.05 }

[[variants]]
name = "no-block"
remove_events = ["block"]
"#;

    /// The raw file and its key index.
    pub(crate) fn parse(text: &str) -> (RawScenario, SpanIndex) {
        let document = toml::de::DeTable::parse(text).expect("TOML");
        let spans = SpanIndex::new(text, &document);
        let raw = RawScenario::deserialize(toml::de::Deserializer::from(document)).expect("raw");
        (raw, spans)
    }

    /// [`SMALL`] with `old` replaced by `new` (once).
    pub(crate) fn small_with(old: &str, new: &str) -> String {
        assert!(SMALL.contains(old), "{old}");
        SMALL.replacen(old, new, 1)
    }

    /// A checker with no problems yet, for a file named `t.toml`.
    pub(crate) fn checker(spans: &SpanIndex) -> Checker<'_> {
        Checker {
            file: "t.toml",
            spans,
            overridden: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// The (key, message) of every problem found.
    pub(crate) fn problems(ck: &Checker) -> Vec<(String, String)> {
        ck.problems
            .iter()
            .map(|p| (p.key.clone().unwrap_or_default(), p.message.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::{SMALL, checker, parse};
    use super::*;

    #[test]
    fn the_first_problem_in_the_file_is_reported_with_a_count_of_the_rest() {
        let (_, spans) = parse(SMALL);
        let mut ck = checker(&spans);
        ck.report("adoption.imitation", "late");
        ck.report("scenario.seed", "early");
        ck.report("segments", "no line");
        let error = ck.failure();
        assert_eq!(error.key.as_deref(), Some("scenario.seed"));
        assert_eq!(error.line, Some(9));
        assert_eq!(error.message, "early (and 2 more problems)");
    }

    #[test]
    fn a_key_a_flag_changed_is_reported_at_the_flag() {
        let (_, spans) = parse(SMALL);
        let mut ck = checker(&spans);
        ck.overridden
            .push(("scenario.population".into(), "--population".into()));
        ck.report("scenario.population", "too many");
        assert_eq!(ck.problems[0].origin.as_deref(), Some("--population"));
        assert_eq!(ck.problems[0].line, None);
    }

    #[test]
    fn fractions_must_each_be_probabilities_and_sum_to_one() {
        let (_, spans) = parse(SMALL);
        let mut ck = checker(&spans);
        let known = ["x".to_owned(), "y".to_owned(), "z".to_owned()];
        let map: IndexMap<String, f64> = [("y".to_owned(), 0.25), ("x".to_owned(), 0.75)].into();
        assert_eq!(ck.fractions("t", &map, &known), [0.75, 0.25, 0.0]);
        assert!(ck.problems.is_empty());
        let bad: IndexMap<String, f64> = [("x".to_owned(), 0.5), ("y".to_owned(), 0.6)].into();
        ck.fractions("t", &bad, &known);
        assert_eq!(ck.problems[0].message, "fractions sum to 1.1, not 1");
    }

    #[test]
    fn identifiers_are_lowercase_words_and_not_reserved() {
        let (_, spans) = parse(SMALL);
        let mut ck = checker(&spans);
        ck.identifier("k", "qwen-2_5", true);
        assert!(ck.problems.is_empty());
        ck.identifier("k", "Qwen", true);
        ck.identifier("k", "unserved", true);
        ck.identifier("k", "unserved", false);
        assert_eq!(ck.problems.len(), 2);
        assert!(ck.problems[1].message.contains("reserved"));
    }
}
