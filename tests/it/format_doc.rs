//! docs/FORMAT.md documents every key the scenario parser accepts. The keys are not listed
//! here: they are taken from the parser itself, by giving `blockade check` a valid file with
//! one unknown key (or an unknown choice, or an unknown `--set` path) and reading the accepted
//! ones from its error message. A key added to the parser without a line in FORMAT.md fails
//! this test.

use crate::common::blockade;
use std::path::Path;

const UNKNOWN: &str = "zz_not_a_key";

fn format_doc() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/FORMAT.md");
    std::fs::read_to_string(path).expect("docs/FORMAT.md")
}

/// The text of the section under `heading` (a whole heading line), up to the next heading of
/// the same or a higher level.
fn section<'a>(doc: &'a str, heading: &str) -> &'a str {
    let level = heading.chars().take_while(|&c| c == '#').count();
    let start = doc
        .lines()
        .position(|line| line == heading)
        .unwrap_or_else(|| panic!("docs/FORMAT.md has no heading '{heading}'"));
    let lines: Vec<&str> = doc.lines().collect();
    let end = lines[start + 1..]
        .iter()
        .position(|line| {
            let hashes = line.chars().take_while(|&c| c == '#').count();
            hashes > 0 && hashes <= level && line[hashes..].starts_with(' ')
        })
        .map_or(lines.len(), |i| start + 1 + i);
    let from = lines[..start].iter().map(|l| l.len() + 1).sum::<usize>();
    let to = lines[..end].iter().map(|l| l.len() + 1).sum::<usize>();
    &doc[from..to.min(doc.len())]
}

/// The valid file every probe starts from: it has every table, a variant with its own event,
/// and a sweep.
fn base() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/tiny-sweep.toml");
    let mut text = std::fs::read_to_string(path).expect("tiny-sweep.toml");
    text.push_str(
        "\n[[variants.events]]\nname = \"late-cut\"\nat = 3\n\
         set = { \"providers.qwen.price\" = 0.5 }\n",
    );
    text
}

/// `text` with `line` inserted after the first line equal to `after`.
fn insert_after(text: &str, after: &str, line: &str) -> String {
    let at = text
        .lines()
        .position(|l| l == after)
        .unwrap_or_else(|| panic!("no line '{after}' in the base scenario"));
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(at + 1, line);
    lines.join("\n") + "\n"
}

/// `text` with the first occurrence of `from` replaced by `to`.
fn replace_first(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "no '{from}' in the base scenario");
    text.replacen(from, to, 1)
}

/// The one line `blockade check` prints on stderr for `file` (refused) with `args`.
fn refusal(file: &str, args: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("probe.toml");
    std::fs::write(&path, file).expect("written");
    let output = blockade()
        .arg("check")
        .arg(&path)
        .args(args)
        .output()
        .expect("blockade runs");
    assert_eq!(output.status.code(), Some(2), "refused: {output:?}");
    String::from_utf8_lossy(&output.stderr).trim().to_owned()
}

/// The names serde lists after "expected one of": `a`, `b`, ...
fn expected_fields(message: &str) -> Vec<String> {
    let (_, list) = message
        .split_once("expected one of")
        .or_else(|| message.split_once("expected"))
        .unwrap_or_else(|| panic!("no list of fields in: {message}"));
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The names listed in the last parentheses of `message`: "(a, b, c)".
fn listed_in_parentheses(message: &str) -> Vec<String> {
    let open = message.rfind('(').expect("a list in parentheses");
    let close = message[open..].find(')').expect("closed") + open;
    message[open + 1..close]
        .split(',')
        .map(|n| n.trim().to_owned())
        .collect()
}

/// The names listed after " has ": "adoption has a, b, c".
fn listed_after_has(message: &str) -> Vec<String> {
    let (_, list) = message
        .rsplit_once(" has ")
        .unwrap_or_else(|| panic!("no ' has ' in: {message}"));
    list.split(',').map(|n| n.trim().to_owned()).collect()
}

/// Asserts that every name appears in `heading`'s section as `` `name` `` (or, for a
/// string value, `` `"name"` ``, and for a table, `` `[name]` `` or `` `[[name]]` ``).
fn assert_documented(heading: &str, names: &[String], origin: &str) {
    let doc = format_doc();
    let text = section(&doc, heading);
    let missing: Vec<&String> = names
        .iter()
        .filter(|n| {
            let forms = [
                format!("`{n}`"),
                format!("`\"{n}\"`"),
                format!("`[{n}]`"),
                format!("`[[{n}]]`"),
            ];
            !forms.iter().any(|form| text.contains(form.as_str()))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "docs/FORMAT.md, section '{heading}', does not document {missing:?} \
         (the parser accepts them: {origin})"
    );
    assert!(!names.is_empty(), "no names read from: {origin}");
}

#[test]
fn every_key_of_every_table_is_in_format_md() {
    let base = base();
    let unknown = format!("{UNKNOWN} = 1");
    let probes: [(&str, String); 11] = [
        ("## Scenario file", format!("{unknown}\n{base}")),
        (
            "### [scenario]",
            insert_after(&base, "[scenario]", &unknown),
        ),
        ("### [network]", insert_after(&base, "[network]", &unknown)),
        (
            "### [adoption]",
            insert_after(&base, "[adoption]", &unknown),
        ),
        (
            "### [[segments]]",
            insert_after(&base, "[[segments]]", &unknown),
        ),
        (
            "### [[providers]]",
            insert_after(&base, "[[providers]]", &unknown),
        ),
        (
            "### [[events]]",
            insert_after(&base, "[[events]]", &unknown),
        ),
        (
            "### [[variants]]",
            insert_after(&base, "[[variants]]", &unknown),
        ),
        ("### [sweep]", insert_after(&base, "[sweep]", &unknown)),
        ("### [output]", insert_after(&base, "[output]", &unknown)),
        (
            "### [[targets]]",
            format!("{base}\n[[targets]]\n{unknown}\n"),
        ),
    ];
    for (heading, file) in probes {
        let message = refusal(&file, &[]);
        assert!(message.contains(UNKNOWN), "{heading}: {message}");
        let fields = expected_fields(&message);
        assert_documented(heading, &fields, &message);
    }
}

#[test]
fn nested_keys_and_choices_are_in_format_md() {
    let base = base();
    let cases = [
        // A variant's own events.
        (
            "### [[variants]]",
            base.clone() + &format!("{UNKNOWN} = 1\n"),
            expected_fields as fn(&str) -> Vec<String>,
        ),
        (
            "### [[segments]]",
            replace_first(
                &base,
                "weights = {",
                &format!("weights = {{ {UNKNOWN} = 1,"),
            ),
            expected_fields,
        ),
        (
            "### [[segments]]",
            replace_first(
                &base,
                "heterogeneity = 0.2",
                &format!(
                    "heterogeneity = 0.2\nusage = {{ median = 1.0, sigma = 0.5, {UNKNOWN} = 1 }}"
                ),
            ),
            expected_fields,
        ),
        (
            "### [scenario]",
            replace_first(&base, "step = \"week\"", &format!("step = \"{UNKNOWN}\"")),
            listed_in_parentheses,
        ),
        (
            "### [network]",
            replace_first(
                &base,
                "kind = \"small_world\"",
                &format!("kind = \"{UNKNOWN}\""),
            ),
            listed_in_parentheses,
        ),
        (
            "### [sweep]",
            replace_first(
                &base,
                "design = \"latin_hypercube\"",
                &format!("design = \"{UNKNOWN}\""),
            ),
            listed_in_parentheses,
        ),
    ];
    for (heading, file, names) in cases {
        let message = refusal(&file, &[]);
        assert!(message.contains(UNKNOWN), "{heading}: {message}");
        assert_documented(heading, &names(&message), &message);
    }
    // A sweep parameter's range: "a parameter takes { min = .., max = .. } or { values = [..] }".
    let file = replace_first(
        &base,
        "{ min = 0.1, max = 0.5 }",
        &format!("{{ min = 0.1, max = 0.5, {UNKNOWN} = 1 }}"),
    );
    let message = refusal(&file, &[]);
    let (_, form) = message.split_once("takes").expect("the range's form");
    let keys: Vec<String> = form
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase()) && *w != "or")
        .map(str::to_owned)
        .collect();
    assert_documented("### [sweep]", &keys, &message);
}

#[test]
fn every_set_path_is_in_format_md() {
    let base = base();
    // (prefix of the probe path, how FORMAT.md writes the paths it leads to)
    let tables = [
        ("scenario", "scenario"),
        ("network", "network"),
        ("adoption", "adoption"),
        ("segments.startup", "segments.<name>"),
        ("providers.qwen", "providers.<id>"),
    ];
    for (probe, written) in tables {
        let flag = format!("{probe}.{UNKNOWN}=1");
        let message = refusal(&base, &["--set", &flag]);
        let paths: Vec<String> = listed_after_has(&message)
            .into_iter()
            .map(|key| format!("{written}.{key}"))
            .collect();
        assert_documented("### set paths", &paths, &message);
    }
    // The weights a path may name are the table's keys, documented with [[segments]].
    let message = refusal(
        &base,
        &["--set", &format!("segments.startup.weights.{UNKNOWN}=1")],
    );
    assert_documented("### [[segments]]", &listed_after_has(&message), &message);
}

#[test]
fn an_event_takes_a_date_or_a_step_at_at() {
    // A newcomer guessed `date`: the doc says, with an example of each, that `at` takes both.
    let doc = format_doc();
    let events = section(&doc, "### [[events]]");
    assert!(events.contains("`at`"));
    assert!(events.contains("at = 2024-07-09"), "a date example");
    assert!(events.contains("at = 27"), "a step example");
    assert!(events.contains("there is no `date` key"));
}

#[test]
fn the_section_finder_reads_what_it_should() {
    let doc = "# t\n## A\nx\n### B\n`b`\n### C\n`c`\n## D\n`d`\n";
    assert_eq!(section(doc, "### B"), "### B\n`b`\n");
    assert_eq!(section(doc, "## A"), "## A\nx\n### B\n`b`\n### C\n`c`\n");
    assert_eq!(section(doc, "## D"), "## D\n`d`\n");
    assert_eq!(
        expected_fields("unknown field `x`, expected one of `a`, `b`"),
        ["a", "b"]
    );
    assert_eq!(
        listed_in_parentheses("'x' is not a step unit (day, week, month)"),
        ["day", "week", "month"]
    );
    assert_eq!(
        listed_after_has("unknown path: adoption has innovation, imitation"),
        ["innovation", "imitation"]
    );
}

/// The long flags (`--name`) that the option lines of a `--help` text declare: indented
/// lines starting with a dash, up to the first word of the description.
fn long_flags(help: &str) -> Vec<String> {
    let mut flags: Vec<String> = help
        .lines()
        .filter(|line| line.starts_with(' ') && line.trim_start().starts_with('-'))
        .flat_map(|line| {
            line.split_whitespace()
                .take_while(|word| word.starts_with('-') || word.starts_with('<'))
                .filter(|word| word.starts_with("--"))
                .map(|word| word.trim_end_matches(',').to_owned())
                .collect::<Vec<String>>()
        })
        .collect();
    flags.dedup();
    flags
}

fn help(args: &[&str]) -> String {
    let output = blockade().args(args).output().expect("blockade runs");
    assert!(output.status.success(), "{args:?}: {output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn every_command_and_flag_is_in_format_md() {
    let doc = format_doc();
    let top = help(&["--help"]);
    let commands: Vec<&str> = top
        .lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|&command| command != "help")
        .collect();
    assert!(commands.contains(&"run"), "{top}");
    let command_line = section(&doc, "## Command line");
    for flag in long_flags(&top) {
        assert!(command_line.contains(&format!("`{flag}`")), "{flag}");
    }
    for command in commands {
        let text = section(&doc, &format!("### {command}"));
        assert!(
            text.contains(&format!("`blockade {command}")),
            "docs/FORMAT.md, '### {command}', shows no usage"
        );
        for flag in long_flags(&help(&[command, "--help"])) {
            if flag == "--help" || flag == "--version" {
                continue;
            }
            let written = [format!("`{flag}`"), format!("`{flag} ")];
            assert!(
                written.iter().any(|w| text.contains(w.as_str())),
                "docs/FORMAT.md, section '### {command}', does not document {flag}"
            );
        }
    }
}
