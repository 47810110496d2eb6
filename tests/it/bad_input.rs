//! Bad input is refused before anything runs (docs/FORMAT.md: Scenario file, Command line, Exit
//! status).
//!
//! Every case breaks one valid base scenario with one small textual edit (or one bad flag) and
//! runs the real binary twice: `check`, and `run --out` into a folder holding an earlier,
//! successful run. Both must exit with status 2, print the same single line on stderr,
//! `error: FILE:LINE: KEY: message` with the parts that are known, never panic, and leave the
//! earlier run byte for byte as it was. The cases are data: one row each in [`CASES`].

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A small valid scenario: two segments, three providers (one needing a VPN), one dated event
/// and one variant that removes it and sets a parameter.
const BASE: &str = r#"[scenario]
name = "bad-input-base"
description = "A small valid scenario that the bad-input tests break one edit at a time."
start = 2024-01-01
step = "week"
steps = 10
population = 500
replicates = 2
seed = 7

[network]
kind = "small_world"
degree = 4
rewire = 0.1

[adoption]
innovation = 0.01
imitation = 0.3
reconsider = 0.05

[[segments]]
name = "startup"
share = 0.6
initial_adoption = 0.1
tasks = { text = 0.7, code = 0.3 }
languages = { mandarin = 0.9, english = 0.1 }
capabilities = { vpn = 0.5 }
weights = { quality = 3.0, price = 0.5, friction = 1.0, risk = 2.0, peer = 1.0, inertia = 1.0 }
heterogeneity = 0.2

[[segments]]
name = "enterprise"
share = 0.4
initial_adoption = 0.05
tasks = { text = 0.5, code = 0.5 }
languages = { mandarin = 1.0 }
capabilities = { vpn = 0.2 }
weights = { quality = 2.0, price = 0.2, friction = 2.0, risk = 3.0, peer = 0.5, inertia = 2.0 }

[[providers]]
id = "openai_vpn"
name = "OpenAI via VPN"
requires = ["vpn"]
quality = { text = 0.95, code = 0.95 }
languages = { mandarin = 0.85, english = 1.0 }
price = 110.0
friction = 1.0
risk = 0.005
origin = "us"

[[providers]]
id = "qwen"
quality = { text = 0.85, code = 0.8 }
languages = { mandarin = 1.0, english = 0.8 }
price = 20.0
friction = 0.2
risk = 0.0
origin = "cn"

[[providers]]
id = "ernie"
quality = { text = 0.8 }
languages = { mandarin = 1.0 }
price = 15.0
friction = 0.3
risk = 0.0
origin = "cn"

[[events]]
name = "api-block"
at = 2024-02-05
set = { "providers.openai_vpn.friction" = 2.5, "providers.openai_vpn.risk" = 0.04 }

[[variants]]
name = "no-block"
description = "OpenAI never blocks"
remove_events = ["api-block"]
set = { "adoption.imitation" = 0.35 }
"#;

/// How a case breaks [`BASE`].
#[derive(Debug, Clone, Copy)]
enum Edit {
    /// Nothing: a flag is what is wrong.
    Keep,
    /// Replaces the one occurrence of the first text by the second.
    Replace(&'static str, &'static str),
    /// Adds text at the end of the file.
    Append(&'static str),
}

/// Which line of the broken file the message must name.
#[derive(Debug, Clone, Copy)]
enum Line {
    /// The line where the edit starts.
    Edited,
    /// The line where this text first starts in the broken file.
    Of(&'static str),
    /// No line of the file: the message names a flag.
    Flag,
}

use Edit::{Append, Keep, Replace};
use Line::{Edited, Flag, Of};

/// One broken input: a name, the edit, extra flags, the line and the words the message holds.
type Case = (
    &'static str,
    Edit,
    &'static [&'static str],
    Line,
    &'static [&'static str],
);

const CASES: &[Case] = &[
    // The file as TOML.
    (
        "toml syntax error",
        Replace("steps = 10\n", "steps = = 10\n"),
        &[],
        Edited,
        &["syntax error"],
    ),
    (
        "unknown key in [scenario]",
        Replace("seed = 7\n", "seed = 7\ncolour = \"red\"\n"),
        &[],
        Of("colour"),
        &["scenario.colour", "unknown field `colour`"],
    ),
    (
        "unknown key in a provider",
        Replace("id = \"qwen\"\n", "id = \"qwen\"\ncolour = \"blue\"\n"),
        &[],
        Of("colour"),
        &["providers.qwen.colour", "unknown field `colour`"],
    ),
    (
        "missing required key",
        Replace("reconsider = 0.05\n", ""),
        &[],
        Of("[adoption]"),
        &["adoption", "missing field `reconsider`"],
    ),
    (
        "missing weight",
        Replace(", inertia = 2.0 }", " }"),
        &[],
        Edited,
        &["segments.enterprise.weights", "missing field `inertia`"],
    ),
    (
        "float where an integer is expected",
        Replace("steps = 10\n", "steps = 10.5\n"),
        &[],
        Edited,
        &["scenario.steps", "10.5"],
    ),
    (
        "string where a float is expected",
        Replace("price = 110.0", "price = \"110\""),
        &[],
        Edited,
        &["providers.openai_vpn.price", "string \"110\""],
    ),
    // Sums and ranges.
    (
        "segment shares off by 0.1",
        Replace("share = 0.6", "share = 0.7"),
        &[],
        Of("[[segments]]"),
        &["segments", "shares sum to 1.1", "not 1"],
    ),
    (
        "task fractions not summing to 1",
        Replace(
            "tasks = { text = 0.7, code = 0.3 }",
            "tasks = { text = 0.7, code = 0.2 }",
        ),
        &[],
        Edited,
        &["segments.startup.tasks", "fractions sum to", "not 1"],
    ),
    (
        "negative price",
        Replace("price = 20.0", "price = -20.0"),
        &[],
        Edited,
        &["providers.qwen.price", ">= 0", "-20"],
    ),
    (
        "risk of 1.5",
        Replace("risk = 0.005", "risk = 1.5"),
        &[],
        Edited,
        &["providers.openai_vpn.risk", "probability", "1.5"],
    ),
    (
        "innovation of 1.5",
        Replace("innovation = 0.01", "innovation = 1.5"),
        &[],
        Edited,
        &["adoption.innovation", "probability", "1.5"],
    ),
    (
        "nan probability",
        Replace("imitation = 0.3\n", "imitation = nan\n"),
        &[],
        Edited,
        &["adoption.imitation", "NaN"],
    ),
    (
        "nan price",
        Replace("price = 15.0", "price = nan"),
        &[],
        Edited,
        &["providers.ernie.price", "finite", "NaN"],
    ),
    (
        "infinite friction",
        Replace("friction = 1.0\n", "friction = inf\n"),
        &[],
        Edited,
        &["providers.openai_vpn.friction", "finite", "inf"],
    ),
    (
        "heterogeneity above 3",
        Replace("heterogeneity = 0.2", "heterogeneity = 3.5"),
        &[],
        Edited,
        &["segments.startup.heterogeneity", "3.5"],
    ),
    (
        "vendor not an identifier",
        Replace("id = \"qwen\"\n", "id = \"qwen\"\nvendor = \"Ali Baba\"\n"),
        &[],
        Of("vendor ="),
        &["providers.qwen.vendor", "Ali Baba"],
    ),
    (
        "usage median 0",
        Replace(
            "heterogeneity = 0.2",
            "heterogeneity = 0.2\nusage = { median = 0.0, sigma = 0.8 }",
        ),
        &[],
        Of("usage ="),
        &["segments.startup.usage.median", "> 0", "not 0"],
    ),
    (
        "usage median negative",
        Replace(
            "heterogeneity = 0.2",
            "heterogeneity = 0.2\nusage = { median = -1.0, sigma = 0.8 }",
        ),
        &[],
        Of("usage ="),
        &["segments.startup.usage.median", "not -1"],
    ),
    (
        "usage sigma negative",
        Replace(
            "heterogeneity = 0.2",
            "heterogeneity = 0.2\nusage = { median = 1.0, sigma = -0.1 }",
        ),
        &[],
        Of("usage ="),
        &["segments.startup.usage.sigma", "not -0.1"],
    ),
    (
        "unknown key in usage",
        Replace(
            "heterogeneity = 0.2",
            "heterogeneity = 0.2\nusage = { median = 1.0, sigma = 0.8, mean = 2.0 }",
        ),
        &[],
        Of("usage ="),
        &["usage", "unknown field `mean`"],
    ),
    (
        "potential above 1",
        Replace(
            "initial_adoption = 0.1\n",
            "initial_adoption = 0.1\npotential = 1.5\n",
        ),
        &[],
        Of("potential"),
        &["segments.startup.potential", "probability", "1.5"],
    ),
    (
        "initial_adoption above the potential",
        Replace(
            "initial_adoption = 0.05\n",
            "initial_adoption = 0.05\npotential = 0.04\n",
        ),
        &[],
        Of("initial_adoption = 0.05"),
        &[
            "segments.enterprise.initial_adoption",
            "potential (0.04)",
            "not 0.05",
        ],
    ),
    (
        "price_reference of 0",
        Replace(
            "reconsider = 0.05\n",
            "reconsider = 0.05\nprice_reference = 0.0\n",
        ),
        &[],
        Of("price_reference"),
        &["adoption.price_reference", "> 0", "not 0"],
    ),
    (
        "population 0 in the file",
        Replace("population = 500", "population = 0"),
        &[],
        Edited,
        &["scenario.population", "not 0"],
    ),
    (
        "negative seed",
        Replace("seed = 7", "seed = -1"),
        &[],
        Edited,
        &["scenario.seed", "not -1"],
    ),
    // Networks.
    (
        "odd network degree",
        Replace("degree = 4", "degree = 3"),
        &[],
        Edited,
        &["network.degree", "even", "not 3"],
    ),
    (
        "degree not below the population",
        Replace("degree = 4", "degree = 500"),
        &[],
        Edited,
        &["network.degree", "population (500)", "not 500"],
    ),
    (
        "unknown network kind",
        Replace("kind = \"small_world\"", "kind = \"ring\""),
        &[],
        Edited,
        &["network.kind", "'ring'", "small_world"],
    ),
    // Names.
    (
        "identifier with capitals and a space",
        Replace("name = \"bad-input-base\"", "name = \"Bad Input\""),
        &[],
        Edited,
        &["scenario.name", "'Bad Input'", "[a-z0-9_-]+"],
    ),
    (
        "duplicate segment names",
        Replace("name = \"enterprise\"", "name = \"startup\""),
        &[],
        Edited,
        &["segments.startup.name", "duplicate name 'startup'"],
    ),
    (
        "duplicate provider ids",
        Replace("id = \"ernie\"", "id = \"qwen\""),
        &[],
        Edited,
        &["providers.qwen.id", "duplicate name 'qwen'"],
    ),
    (
        "duplicate event names within [[events]]",
        Append(
            "\n[[events]]\nname = \"api-block\"\nat = 4\nset = { \"providers.qwen.price\" = 10.0 }\n",
        ),
        &[],
        Of("name = \"api-block\"\nat = 4"),
        &["events.api-block.name", "duplicate event name 'api-block'"],
    ),
    (
        "duplicate event names across [[events]] and [[variants.events]]",
        Append(
            "\n[[variants.events]]\nname = \"api-block\"\nat = 3\nset = { \"providers.qwen.price\" = 10.0 }\n",
        ),
        &[],
        Of("name = \"api-block\"\nat = 3"),
        &[
            "variants.no-block.events.api-block.name",
            "duplicate event name 'api-block'",
        ],
    ),
    (
        "provider called unserved",
        Replace("id = \"ernie\"", "id = \"unserved\""),
        &[],
        Edited,
        &["providers.unserved.id", "reserved"],
    ),
    (
        "segment called all",
        Replace("name = \"enterprise\"", "name = \"all\""),
        &[],
        Edited,
        &["segments.all.name", "reserved"],
    ),
    (
        "unknown capability in requires",
        Replace("requires = [\"vpn\"]", "requires = [\"vnp\"]"),
        &[],
        Edited,
        &["providers.openai_vpn.requires", "unknown capability 'vnp'"],
    ),
    (
        "unknown task in a provider's quality",
        Replace(
            "quality = { text = 0.8 }",
            "quality = { text = 0.8, video = 0.5 }",
        ),
        &[],
        Edited,
        &["providers.ernie.quality.video", "unknown task 'video'"],
    ),
    (
        "remove_events naming an unknown event",
        Replace(
            "remove_events = [\"api-block\"]",
            "remove_events = [\"api-blok\"]",
        ),
        &[],
        Edited,
        &[
            "variants.no-block.remove_events",
            "unknown event 'api-blok'",
        ],
    ),
    // Dates and steps.
    (
        "unknown step unit",
        Replace("step = \"week\"", "step = \"year\""),
        &[],
        Edited,
        &["scenario.step", "'year'"],
    ),
    (
        "start with a time and offset",
        Replace("start = 2024-01-01", "start = 2024-01-01T00:00:00Z"),
        &[],
        Edited,
        &["scenario.start", "no time or offset"],
    ),
    (
        "event date after the horizon",
        Replace("at = 2024-02-05", "at = 2024-03-12"),
        &[],
        Edited,
        &["events.api-block.at", "2024-03-12", "after the horizon"],
    ),
    (
        "event date before the start",
        Replace("at = 2024-02-05", "at = 2023-12-31"),
        &[],
        Edited,
        &["events.api-block.at", "2023-12-31", "before the start"],
    ),
    (
        "event step number past the last step",
        Replace("at = 2024-02-05", "at = 11"),
        &[],
        Edited,
        &["events.api-block.at", "step 11", "0..=10"],
    ),
    (
        "negative event step number",
        Replace("at = 2024-02-05", "at = -1"),
        &[],
        Edited,
        &["events.api-block.at", "step -1"],
    ),
    (
        "event date with a time",
        Replace("at = 2024-02-05", "at = 2024-07-09T10:00:00"),
        &[],
        Edited,
        &["events.api-block.at", "no time or offset"],
    ),
    (
        "event date string with a time",
        Replace("at = 2024-02-05", "at = \"2024-02-05T10:00:00\""),
        &[],
        Edited,
        &["events.api-block.at", "expected a date"],
    ),
    (
        "event date that does not exist",
        Replace("at = 2024-02-05", "at = \"2024-02-30\""),
        &[],
        Edited,
        &["events.api-block.at", "2024-02-30"],
    ),
    // `set` tables.
    (
        "unknown provider in an event's set",
        Replace(
            "\"providers.openai_vpn.friction\"",
            "\"providers.gpt.friction\"",
        ),
        &[],
        Edited,
        &[
            "events.api-block.set.providers.gpt.friction",
            "unknown provider 'gpt'",
        ],
    ),
    (
        "unknown path in an event's set",
        Replace(
            "\"providers.openai_vpn.friction\"",
            "\"providers.openai_vpn.colour\"",
        ),
        &[],
        Edited,
        &[
            "events.api-block.set.providers.openai_vpn.colour",
            "unknown path",
        ],
    ),
    (
        "event setting a segment's share",
        Replace(
            "\"providers.openai_vpn.risk\" = 0.04",
            "\"segments.startup.share\" = 0.5",
        ),
        &[],
        Edited,
        &[
            "events.api-block.set.segments.startup.share",
            "an event cannot set",
        ],
    ),
    (
        "event setting a value of the wrong type",
        Replace(
            "\"providers.openai_vpn.risk\" = 0.04",
            "\"providers.openai_vpn.risk\" = \"high\"",
        ),
        &[],
        Edited,
        &[
            "events.api-block.set.providers.openai_vpn.risk",
            "expected a number",
        ],
    ),
    (
        "variant set breaking the share sum",
        Replace(
            "\"adoption.imitation\" = 0.35",
            "\"segments.startup.share\" = 0.5",
        ),
        &[],
        Edited,
        &["variants.no-block.set", "shares sum to 0.9"],
    ),
    (
        "variant setting the horizon",
        Replace("\"adoption.imitation\" = 0.35", "\"scenario.steps\" = 5"),
        &[],
        Edited,
        &["variants.no-block.set.scenario.steps", "only --set"],
    ),
    (
        "variant set lowering a potential below initial_adoption",
        Replace(
            "\"adoption.imitation\" = 0.35",
            "\"segments.startup.potential\" = 0.05",
        ),
        &[],
        Edited,
        &["segments.startup.initial_adoption", "potential (0.05)"],
    ),
    (
        "event setting a negative price_reference",
        Replace(
            "\"providers.openai_vpn.risk\" = 0.04",
            "\"adoption.price_reference\" = -7.1",
        ),
        &[],
        Edited,
        &[
            "events.api-block.set.adoption.price_reference",
            "> 0",
            "-7.1",
        ],
    ),
    (
        "event setting a potential above 1",
        Replace(
            "\"providers.openai_vpn.risk\" = 0.04",
            "\"segments.startup.potential\" = 1.2",
        ),
        &[],
        Edited,
        &[
            "events.api-block.set.segments.startup.potential",
            "probability",
        ],
    ),
    // Flags.
    (
        "--population 0",
        Keep,
        &["--population", "0"],
        Flag,
        &["error: --population: scenario.population", "not 0"],
    ),
    (
        "--replicates 0",
        Keep,
        &["--replicates", "0"],
        Flag,
        &["error: --replicates: scenario.replicates", "not 0"],
    ),
    (
        "--seed above 2^63 - 1",
        Keep,
        &["--seed", "9223372036854775808"],
        Flag,
        &["error: --seed: ", "too large"],
    ),
    (
        "unknown --variant",
        Keep,
        &["--variant", "no-block", "--variant", "nope"],
        Flag,
        &["error: --variant: ", "unknown variant 'nope'", "no-block"],
    ),
    (
        "malformed --set without =",
        Keep,
        &["--set", "adoption.imitation"],
        Flag,
        &["error: --set 'adoption.imitation': ", "PATH=VALUE"],
    ),
    (
        "--set with an unknown path",
        Keep,
        &["--set", "adoption.imitaton=0.3"],
        Flag,
        &[
            "error: --set 'adoption.imitaton=0.3': unknown path",
            "imitation",
        ],
    ),
    (
        "--set NaN",
        Keep,
        &["--set", "adoption.imitation=nan"],
        Flag,
        &[
            "error: --set 'adoption.imitation=nan': adoption.imitation",
            "NaN",
        ],
    ),
    (
        "--set infinity",
        Keep,
        &["--set", "providers.qwen.quality.text=inf"],
        Flag,
        &[
            "error: --set 'providers.qwen.quality.text=inf'",
            "finite",
            "inf",
        ],
    ),
    (
        "--set negative infinity for a price",
        Keep,
        &["--set", "providers.qwen.price=-inf"],
        Flag,
        &["error: --set 'providers.qwen.price=-inf'", "-inf"],
    ),
    (
        "--set with a string for a number",
        Keep,
        &["--set", "adoption.imitation=high"],
        Flag,
        &[
            "error: --set 'adoption.imitation=high': ",
            "expected a number",
        ],
    ),
    (
        "--set with a float for an integer",
        Keep,
        &["--set", "scenario.population=1.5"],
        Flag,
        &[
            "error: --set 'scenario.population=1.5': ",
            "expected an integer",
        ],
    ),
    (
        "--set with an out-of-range probability",
        Keep,
        &["--set", "adoption.imitation=1.5"],
        Flag,
        &[
            "error: --set 'adoption.imitation=1.5': adoption.imitation",
            "probability",
        ],
    ),
    (
        "--set of steps to 0",
        Keep,
        &["--set", "scenario.steps=0"],
        Flag,
        &["error: --set 'scenario.steps=0': scenario.steps", "not 0"],
    ),
    (
        "--set of an unknown network kind",
        Keep,
        &["--set", "network.kind=ring"],
        Flag,
        &["error: --set 'network.kind=ring': network.kind", "'ring'"],
    ),
    (
        "--set of an unknown segment",
        Keep,
        &["--set", "segments.nobody.share=0.5"],
        Flag,
        &[
            "error: --set 'segments.nobody.share=0.5': ",
            "unknown segment 'nobody'",
        ],
    ),
    (
        "--set with a date and time",
        Keep,
        &["--set", "scenario.start=2024-01-01T10:00:00"],
        Flag,
        &[
            "error: --set 'scenario.start=2024-01-01T10:00:00': scenario.start",
            "no time or offset",
        ],
    ),
    // [[targets]].
    (
        "target of an unknown state",
        Append(
            "\n[[targets]]\nname = \"t\"\nof = \"state:nobody\"\nat = 2024-01-08\nvalue = 0.1\n\
             observation_sd = 0.1\ndiscrepancy_sd = 0.1\nuse = \"calibrate\"\n",
        ),
        &[],
        Of("of = \"state:nobody\""),
        &["targets.t.of", "unknown state 'nobody'"],
    ),
    (
        "target after the horizon",
        Append(
            "\n[[targets]]\nname = \"t\"\nof = \"adopted\"\nat = 2030-01-01\nvalue = 0.1\n\
             observation_sd = 0.1\ndiscrepancy_sd = 0.1\nuse = \"calibrate\"\n",
        ),
        &[],
        Of("at = 2030-01-01"),
        &["targets.t.at", "after the horizon"],
    ),
    (
        "target with no uncertainty",
        Append(
            "\n[[targets]]\nname = \"t\"\nof = \"domestic\"\nat = 3\nvalue = 0.1\n\
             observation_sd = 0\ndiscrepancy_sd = 0\nuse = \"calibrate\"\n",
        ),
        &[],
        Of("observation_sd = 0"),
        &["targets.t.observation_sd", "cannot both be 0"],
    ),
    (
        "target with an unknown use",
        Append(
            "\n[[targets]]\nname = \"t\"\nof = \"vendor:qwen\"\nat = 3\nvalue = 0.1\n\
             observation_sd = 0.1\ndiscrepancy_sd = 0\nuse = \"fit\"\n",
        ),
        &[],
        Of("use = \"fit\""),
        &["targets.t.use", "'fit' is not a use (calibrate, validate)"],
    ),
    (
        "unknown key in a target",
        Append("\n[[targets]]\nname = \"t\"\ncolour = 1\n"),
        &[],
        Of("colour"),
        &["targets.t.colour", "unknown field `colour`"],
    ),
];

/// Runs the binary with `args` in `dir`.
fn blockade(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("blockade")
        .expect("the blockade binary is built")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("blockade runs")
}

/// Every file under `root` (and every folder, as `None`) by its path relative to `root`.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    fn walk(root: &Path, dir: &Path, into: &mut BTreeMap<PathBuf, Option<Vec<u8>>>) {
        for entry in std::fs::read_dir(dir).expect("readable folder") {
            let path = entry.expect("folder entry").path();
            let relative = path.strip_prefix(root).expect("under root").to_owned();
            if path.is_dir() {
                into.insert(relative, None);
                walk(root, &path, into);
            } else {
                into.insert(relative, Some(std::fs::read(&path).expect("readable file")));
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(root, root, &mut files);
    files
}

/// A folder holding an earlier, successful run of [`BASE`] at `out/`, kept small.
struct Earlier {
    root: tempfile::TempDir,
    before: BTreeMap<PathBuf, Option<Vec<u8>>>,
}

impl Earlier {
    fn new(scratch: &Path) -> Earlier {
        let root = tempfile::tempdir().expect("temporary folder");
        let file = scratch.join("earlier.toml");
        std::fs::write(&file, BASE).expect("written");
        let out = root.path().join("out");
        let output = blockade(
            scratch,
            &[
                "run",
                path_str(&file),
                "--population",
                "200",
                "--replicates",
                "2",
                "--quiet",
                "--out",
                path_str(&out),
            ],
        );
        assert!(
            output.status.success(),
            "the base scenario must run: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            out.join("run.json").is_file(),
            "the earlier run wrote run.json"
        );
        let before = snapshot(root.path());
        Earlier { root, before }
    }

    fn out(&self) -> PathBuf {
        self.root.path().join("out")
    }

    /// Empty when the earlier run is byte for byte as it was, with nothing beside it.
    fn changes(&self) -> Vec<String> {
        let after = snapshot(self.root.path());
        let mut changes: Vec<String> = Vec::new();
        for (path, bytes) in &self.before {
            match after.get(path) {
                None => changes.push(format!("{} was removed", path.display())),
                Some(now) if now != bytes => changes.push(format!("{} changed", path.display())),
                Some(_) => {}
            }
        }
        for path in after.keys().filter(|p| !self.before.contains_key(*p)) {
            changes.push(format!("{} appeared", path.display()));
        }
        changes
    }
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// The 1-based line on which byte `offset` of `text` lies.
fn line_at(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// Problems with a refusal: status 2, one `error: ` line holding `expect`, no panic, no output.
fn refusal_problems(output: &Output, expect: &[&str]) -> Vec<String> {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut problems = Vec::new();
    if output.status.code() != Some(2) {
        problems.push(format!("exit status {:?}, not 2", output.status.code()));
    }
    if stderr.contains("panicked") {
        problems.push("it panicked".to_owned());
    }
    if !stderr.starts_with("error: ") || !stderr.ends_with('\n') || stderr.lines().count() != 1 {
        problems.push("stderr is not exactly one line starting with `error: `".to_owned());
    }
    for word in expect {
        if !stderr.contains(word) {
            problems.push(format!("the message lacks {word:?}"));
        }
    }
    if !output.stdout.is_empty() {
        problems.push(format!(
            "stdout is not empty: {:?}",
            String::from_utf8_lossy(&output.stdout)
        ));
    }
    problems
}

/// Runs one case through `check` and `run --out`; returns what went wrong, if anything.
fn check(case: &Case, scratch: &Path, earlier: &Earlier) -> Vec<String> {
    let &(name, edit, args, line, expect) = case;
    let (text, edited_at) = match edit {
        Keep => (BASE.to_owned(), None),
        Replace(from, to) => {
            assert_eq!(
                BASE.matches(from).count(),
                1,
                "{name}: {from:?} is not unique"
            );
            let at = BASE.find(from).expect("counted above");
            (BASE.replacen(from, to, 1), Some(at))
        }
        Append(more) => (format!("{BASE}{more}"), Some(BASE.len())),
    };
    let file = scratch.join(format!(
        "case-{}.toml",
        name.replace([' ', '/', '[', ']'], "_")
    ));
    std::fs::write(&file, &text).expect("written");
    let shown = path_str(&file);

    let place = match line {
        Edited => Some(line_at(&text, edited_at.expect("the case edits the file"))),
        Of(anchor) => Some(line_at(
            &text,
            text.find(anchor)
                .unwrap_or_else(|| panic!("{name}: {anchor:?} is not in the file")),
        )),
        Flag => None,
    };

    let mut problems = Vec::new();
    let mut check_args = vec!["check", shown];
    check_args.extend(args);
    let checked = blockade(scratch, &check_args);
    let out = earlier.out();
    let mut run_args = vec!["run", shown, "--out", path_str(&out)];
    run_args.extend(args);
    let ran = blockade(scratch, &run_args);

    for (command, output) in [("check", &checked), ("run", &ran)] {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let mut found = refusal_problems(output, expect);
        match place {
            Some(line) => {
                let prefix = format!("error: {shown}:{line}: ");
                if !stderr.starts_with(&prefix) {
                    found.push(format!("the message does not start with {prefix:?}"));
                }
            }
            None => {
                if stderr.contains(shown) {
                    found.push("a flag's problem is blamed on the file".to_owned());
                }
            }
        }
        // One mistake is one problem: the message must not count cascades or repeats.
        if stderr.contains("more problem") {
            found.push("one mistake is reported as several problems".to_owned());
        }
        for problem in found {
            problems.push(format!(
                "{name} ({command}): {problem}\n    stderr: {stderr}"
            ));
        }
    }
    if checked.stderr != ran.stderr {
        problems.push(format!(
            "{name}: check and run word the refusal differently:\n    {}    {}",
            String::from_utf8_lossy(&checked.stderr),
            String::from_utf8_lossy(&ran.stderr)
        ));
    }
    for change in earlier.changes() {
        problems.push(format!("{name}: the earlier run was touched: {change}"));
    }
    problems
}

#[test]
fn every_broken_input_is_refused_with_one_line_naming_its_key() {
    let scratch = tempfile::tempdir().expect("temporary folder");
    let earlier = Earlier::new(scratch.path());
    let names: Vec<&str> = CASES.iter().map(|c| c.0).collect();
    for (i, name) in names.iter().enumerate() {
        assert!(!names[..i].contains(name), "case {name:?} is listed twice");
    }
    let problems: Vec<String> = CASES
        .iter()
        .flat_map(|case| check(case, scratch.path(), &earlier))
        .collect();
    assert!(
        problems.is_empty(),
        "{} problem(s) in {} cases:\n{}",
        problems.len(),
        CASES.len(),
        problems.join("\n")
    );
}

#[test]
fn the_base_scenario_is_valid() {
    let scratch = tempfile::tempdir().expect("temporary folder");
    let file = scratch.path().join("base.toml");
    std::fs::write(&file, BASE).expect("written");
    let output = blockade(scratch.path(), &["check", path_str(&file)]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_missing_file_is_refused_by_name() {
    let scratch = tempfile::tempdir().expect("temporary folder");
    let earlier = Earlier::new(scratch.path());
    let missing = scratch.path().join("no-such-scenario.toml");
    let shown = path_str(&missing);
    let out = earlier.out();
    for args in [
        vec!["check", shown],
        vec!["run", shown, "--out", path_str(&out)],
    ] {
        let output = blockade(scratch.path(), &args);
        let expected = format!("error: {shown}: cannot read");
        let problems = refusal_problems(&output, &[&expected]);
        assert!(problems.is_empty(), "{args:?}: {problems:?}");
    }
    assert_eq!(earlier.changes(), Vec::<String>::new());
}

#[test]
fn a_foreign_output_folder_is_refused_and_left_alone() {
    let scratch = tempfile::tempdir().expect("temporary folder");
    let file = scratch.path().join("base.toml");
    std::fs::write(&file, BASE).expect("written");

    let root = tempfile::tempdir().expect("temporary folder");
    let foreign = root.path().join("mine");
    std::fs::create_dir(&foreign).expect("created");
    std::fs::write(foreign.join("notes.txt"), "my own notes\n").expect("written");
    // A regular file where the folder would go is not blockade's either.
    let plain = root.path().join("plain.csv");
    std::fs::write(&plain, "a,b\n1,2\n").expect("written");
    let before = snapshot(root.path());

    for target in [&foreign, &plain] {
        let output = blockade(
            scratch.path(),
            &[
                "run",
                path_str(&file),
                "--population",
                "200",
                "--replicates",
                "2",
                "--out",
                path_str(target),
            ],
        );
        let problems = refusal_problems(&output, &["refusing to replace", path_str(target)]);
        assert!(problems.is_empty(), "{}: {problems:?}", target.display());
        assert!(
            snapshot(root.path()) == before,
            "{} or its neighbours were touched",
            target.display()
        );
    }
}

/// A cheap fuzz: the base with any one line deleted is either valid or refused in one line,
/// and never panics.
#[test]
fn deleting_any_line_never_panics() {
    let scratch = tempfile::tempdir().expect("temporary folder");
    let lines: Vec<&str> = BASE.lines().collect();
    let file = scratch.path().join("deleted.toml");
    let mut problems = Vec::new();
    for skip in 0..lines.len() {
        let text: String = lines
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != skip)
            .map(|(_, line)| format!("{line}\n"))
            .collect();
        std::fs::write(&file, text).expect("written");
        let output = blockade(scratch.path(), &["check", path_str(&file)]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let fine = match output.status.code() {
            Some(0) => !stderr.contains("panicked"),
            Some(2) => refusal_problems(&output, &[]).is_empty(),
            _ => false,
        };
        if !fine {
            problems.push(format!(
                "without line {} ({:?}): status {:?}, stderr {stderr}",
                skip + 1,
                lines[skip],
                output.status.code()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
