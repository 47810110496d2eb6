//! Fuzzing the scenario path: arbitrary and mutated scenario files go through parse, validation
//! and a tiny run. Nothing may panic or hang; every rejection is an input error (exit status 2)
//! with a one-line message.
//!
//! The seeds are the bundled scenarios and `fuzz/corpus/*.toml`. CI runs a few thousand cases;
//! a nightly-sized run sets `BLOCKADE_FUZZ_CASES=100000` (see docs/RELIABILITY.md). Every crash
//! found becomes a named regression test at the end of this file.

use crate::common::HANG_GUARD;

use blockade::Error;
use blockade::runner;
use blockade::scenario::{Overrides, Scenario};
use proptest::prelude::*;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Tiny runs only: the harness looks for panics, not for results.
const MAX_AGENT_STEPS: u64 = 2_000_000;

fn seeds() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut texts = Vec::new();
    for dir in [root.join("scenarios"), root.join("fuzz/corpus")] {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .expect("seed folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        texts.extend(
            paths
                .iter()
                .map(|p| std::fs::read_to_string(p).expect("seed")),
        );
    }
    texts
}

/// One edit of a scenario file.
#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    /// Replace the n-th number in the file.
    Number(usize, String),
    /// Replace the n-th quoted string.
    Text(usize, String),
    InsertLine(usize, String),
    Truncate(usize),
    /// Overwrite a byte with another (may break UTF-8).
    Byte(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let numbers = prop_oneof![
        Just("0".to_owned()),
        Just("-1".to_owned()),
        Just("1.5".to_owned()),
        Just("nan".to_owned()),
        Just("inf".to_owned()),
        Just("-inf".to_owned()),
        Just("1e300".to_owned()),
        Just("4294967295".to_owned()),
        Just("9223372036854775807".to_owned()),
        Just("2024-02-30".to_owned()),
        Just("\"x\"".to_owned()),
        Just("true".to_owned()),
        (0u32..200).prop_map(|n| n.to_string()),
        (0.0f64..2.0).prop_map(|x| format!("{x}")),
    ];
    let texts = prop_oneof![
        Just(String::new()),
        Just("all".to_owned()),
        Just("unserved".to_owned()),
        Just("not an id".to_owned()),
        Just("2099-01-01".to_owned()),
        Just("complete".to_owned()),
        Just("month".to_owned()),
        Just("providers.qwen.price".to_owned()),
        "[a-z_.]{0,12}",
    ];
    let lines = prop_oneof![
        Just("[[events]]".to_owned()),
        Just("[[variants]]".to_owned()),
        Just("[[segments]]".to_owned()),
        Just("[[providers]]".to_owned()),
        Just("name = \"dup\"".to_owned()),
        Just("at = 3".to_owned()),
        Just("set = { \"adoption.imitation\" = 0.9 }".to_owned()),
        Just("set = { \"segments.indie.share\" = 0.9 }".to_owned()),
        Just("unknown_key = 1".to_owned()),
        Just("[network]".to_owned()),
        "[ -~]{0,30}",
    ];
    prop_oneof![
        (0usize..400).prop_map(Mutation::DeleteLine),
        (0usize..400).prop_map(Mutation::DuplicateLine),
        (0usize..400, 0usize..400).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (0usize..300, numbers).prop_map(|(n, v)| Mutation::Number(n, v)),
        (0usize..200, texts).prop_map(|(n, v)| Mutation::Text(n, v)),
        (0usize..400, lines).prop_map(|(n, l)| Mutation::InsertLine(n, l)),
        (0usize..20_000).prop_map(Mutation::Truncate),
        (0usize..20_000, any::<u8>()).prop_map(|(n, b)| Mutation::Byte(n, b)),
    ]
}

/// The byte ranges of numbers (and dates) in `text`, outside comments.
fn number_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let code = line.split('#').next().unwrap_or("");
        let bytes = code.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let starts = (bytes[i].is_ascii_digit() || bytes[i] == b'-')
                && (i == 0 || matches!(bytes[i - 1], b' ' | b'=' | b'[' | b','));
            if starts {
                let end = (i + 1..bytes.len())
                    .find(|&j| !matches!(bytes[j], b'0'..=b'9' | b'.' | b'-' | b'e' | b'_'))
                    .unwrap_or(bytes.len());
                spans.push((offset + i, offset + end));
                i = end;
            } else {
                i += 1;
            }
        }
        offset += line.len();
    }
    spans
}

fn quoted_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut open = None;
    for (i, c) in text.char_indices() {
        match (c, open) {
            ('"', None) => open = Some(i + 1),
            ('"', Some(start)) => {
                spans.push((start, i));
                open = None;
            }
            ('\n', _) => open = None,
            _ => {}
        }
    }
    spans
}

fn apply(text: &str, mutations: &[Mutation]) -> Vec<u8> {
    let mut text = text.to_owned();
    let mut bytes: Option<Vec<u8>> = None;
    for m in mutations {
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let n = lines.len().max(1);
        match m {
            Mutation::DeleteLine(i) if !lines.is_empty() => {
                lines.remove(i % n);
            }
            Mutation::DuplicateLine(i) if !lines.is_empty() => {
                let line = lines[i % n].clone();
                lines.insert(i % n, line);
            }
            Mutation::SwapLines(a, b) if !lines.is_empty() => lines.swap(a % n, b % n),
            Mutation::InsertLine(i, line) => lines.insert(i % (lines.len() + 1), line.clone()),
            Mutation::Number(i, value) => {
                let spans = number_spans(&text);
                if let Some(&(start, end)) = spans.get(i % spans.len().max(1)) {
                    text.replace_range(start..end, value);
                }
                continue;
            }
            Mutation::Text(i, value) => {
                let spans = quoted_spans(&text);
                if let Some(&(start, end)) = spans.get(i % spans.len().max(1)) {
                    text.replace_range(start..end, value);
                }
                continue;
            }
            Mutation::Truncate(at) => {
                let mut at = at % (text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                text.truncate(at);
                continue;
            }
            Mutation::Byte(at, byte) => {
                let mut raw = bytes.take().unwrap_or_else(|| text.clone().into_bytes());
                if !raw.is_empty() {
                    let at = at % raw.len();
                    raw[at] = *byte;
                }
                text = String::from_utf8_lossy(&raw).into_owned();
                bytes = Some(raw);
                continue;
            }
            _ => continue,
        }
        text = lines.join("\n");
        bytes = None;
    }
    bytes.unwrap_or_else(|| text.into_bytes())
}

/// Parse, validate and, when valid and small enough, run: the outcome must be a success or an
/// input error with a one-line message, never a panic.
fn exercise(bytes: &[u8]) -> Result<(), TestCaseError> {
    let outcome = std::panic::catch_unwind(|| -> Result<Outcome, Error> {
        Scenario::from_bytes("fuzzed.toml", bytes, &Overrides::default())?;
        // Valid as written: run it small, whatever size it asks for.
        let tiny = Overrides {
            population: Some(200),
            replicates: Some(1),
            ..Overrides::default()
        };
        let scenario = Scenario::from_bytes("fuzzed.toml", bytes, &tiny)?;
        let arms = scenario.arms(&[])?;
        let agent_steps: u64 = arms
            .iter()
            .map(|a| u64::from(a.setup.population))
            .sum::<u64>()
            * u64::from(scenario.calendar.steps());
        if agent_steps > MAX_AGENT_STEPS {
            return Ok(Outcome::Valid);
        }
        runner::run(&scenario, &arms, &AtomicBool::new(false), &|_| {})?;
        Ok(Outcome::Ran)
    });
    match outcome {
        Err(_) => Err(TestCaseError::fail("panicked")),
        Ok(Ok(outcome)) => {
            COUNTS[outcome as usize].fetch_add(1, Ordering::Relaxed);
            Ok(())
        }
        Ok(Err(Error::Input(e))) => {
            COUNTS[Outcome::Rejected as usize].fetch_add(1, Ordering::Relaxed);
            let message = e.to_string();
            prop_assert!(!message.contains('\n'), "multi-line error: {message}");
            prop_assert!(
                message.starts_with("fuzzed.toml") || e.origin.is_some(),
                "{message}"
            );
            Ok(())
        }
        Ok(Err(other)) => Err(TestCaseError::fail(format!("not an input error: {other}"))),
    }
}

/// What became of a case, counted so that the harness can show it exercises every path.
#[derive(Clone, Copy)]
enum Outcome {
    Rejected = 0,
    Valid = 1,
    Ran = 2,
}

static COUNTS: [AtomicU64; 3] = [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)];

fn cases() -> u32 {
    std::env::var("BLOCKADE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000)
}

/// The time the current case started, in ms since the watchdog's epoch (0: idle).
static CASE_STARTED_MS: AtomicU64 = AtomicU64::new(0);

/// Aborts the whole test process if one case runs longer than [`HANG_GUARD`]: a hang fails
/// loudly instead of stalling CI. A case is a tiny run that ends in milliseconds, so the guard
/// measures no speed; a hung thread cannot be stopped, hence the abort.
fn start_watchdog() -> Instant {
    let epoch = Instant::now();
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_millis(500));
            let started = CASE_STARTED_MS.load(Ordering::SeqCst);
            if started > 0
                && epoch.elapsed().as_millis() as u64 > started + HANG_GUARD.as_millis() as u64
            {
                eprintln!("fuzz: hang guard: a case was still running after {HANG_GUARD:?}");
                std::process::abort();
            }
        }
    });
    epoch
}

#[test]
fn mutated_scenarios_never_panic_or_hang() {
    let seeds = seeds();
    assert!(seeds.len() >= 8, "the corpus is missing");
    let epoch = start_watchdog();
    let config = ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(seed in 0..seeds.len(), mutations in prop::collection::vec(mutation(), 1..6))| {
        let bytes = apply(&seeds[seed], &mutations);
        CASE_STARTED_MS.store(epoch.elapsed().as_millis() as u64 + 1, Ordering::SeqCst);
        let result = exercise(&bytes);
        CASE_STARTED_MS.store(0, Ordering::SeqCst);
        result?;
    });
    let [rejected, valid, ran] = COUNTS.each_ref().map(|c| c.load(Ordering::Relaxed));
    eprintln!("fuzz: {rejected} rejected, {valid} valid but too large to run, {ran} ran");
    // Mutations must reach validation's acceptance and the model, not only the parser.
    assert!(ran > 0 && rejected > 0, "the harness reaches only one path");
}

#[test]
fn arbitrary_bytes_never_panic() {
    let config = ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(bytes in prop::collection::vec(any::<u8>(), 0..400))| {
        exercise(&bytes)?;
    });
}

#[test]
fn the_seeds_themselves_are_valid() {
    for seed in seeds() {
        Scenario::from_bytes("seed.toml", seed.as_bytes(), &Overrides::default())
            .expect("valid seed");
    }
}
