//! Flags (clap's derive API), the dispatch to each command, and the mapping from errors to
//! exit statuses (docs/FORMAT.md, Exit status): 0 success, 2 refused before simulating, 1
//! failed after work began, 130 on SIGINT, 143 on SIGTERM. Errors are one line on stderr.

/// `println!` for the commands' reports, which does not panic when the standard output
/// fails: see [`write_stdout`].
macro_rules! outln {
    () => {
        $crate::cli::write_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` for the commands' reports: see [`outln`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format_args!($($arg)*))
    };
}

mod calibrate;
mod check;
mod compare;
mod completions;
mod merge;
mod new;
mod plot;
mod report;
mod run;
mod sensitivity;

use blockade::Error;
use blockade::scenario::Overrides;
use blockade::shard::Shard;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Scenarios of Chinese developers choosing AI model providers under access blocks.
#[derive(Debug, Parser)]
#[command(name = "blockade", version, propagate_version = true)]
#[command(after_help = "Examples:\n  \
    blockade check scenarios/openai-api-block-2024.toml\n  \
    blockade run scenarios/openai-api-block-2024.toml --replicates 10")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a scenario and write its adoption curves as CSV
    #[command(after_help = "Examples:\n  \
        blockade run scenarios/openai-api-block-2024.toml\n  \
        blockade run scenarios/openai-api-block-2024.toml --variant no-block --replicates 50 \\\n      \
        --set adoption.imitation=0.3 --out output/imitation-0.3\n  \
        blockade run sweep.toml --shard 2/8 --out shards/2\n\n\
        Writes adoption.csv, summary.csv, comparison.csv, flows.csv, metrics.csv and run.json\n\
        (points.csv and robustness.csv with a [sweep]; adoption.svg and comparison.svg with\n\
        --plot, of sweep point 0 when swept; report.html with --report) into output/<scenario name>/ (or --out),\n\
        replacing an earlier run there only when complete.\n\
        With --shard, writes a shard folder for `blockade merge`.")]
    Run(RunArgs),
    /// Which uncertain parameter drives each result (Sobol or Morris)
    #[command(after_help = "Examples:\n  \
        blockade sensitivity my.toml --method morris --replicates 5\n  \
        blockade sensitivity my.toml --method sobol --variant block --out output/my-sobol\n\n\
        Runs the design of the file's [sensitivity] table (or its defaults; --method chooses\n\
        sobol or morris) over the parameters of its [uncertainty] table, as a sweep whose\n\
        points are the design's: it shards (--shard, then blockade merge) like any sweep, and\n\
        `blockade run FILE` on a file with [sensitivity] runs the same design. Writes the files\n\
        of a sweep and sensitivity.csv (each index of each parameter for each analysed metric:\n\
        the baseline's value and each variant's paired effect), and prints the parameters\n\
        ranked, with 95% bootstrap intervals and the replicates' noise.")]
    Sensitivity(RunArgs),
    /// Validate a scenario and print what it contains
    #[command(after_help = "Example:\n  \
        blockade check scenarios/openai-api-block-2024.toml --set adoption.imitation=0.3")]
    Check(CheckArgs),
    /// Policy metrics of an output folder: each variant against the baseline
    #[command(after_help = "Examples:\n  \
        blockade compare output/openai-api-block-2024\n  \
        blockade compare output/openai-api-block-2024 --at 2024-12-31 --segment startup\n  \
        blockade compare output/openai-api-block-2024 --format markdown > metrics.md\n  \
        blockade compare output/openai-api-block-2024 --variant no-block --metric share \\\n      \
        --state qwen\n\n\
        Reads adoption.csv, flows.csv and run.json and prints the metrics of one segment (one\n\
        row per variant, metric and state); it writes nothing unless --write-metrics asks it to\n\
        rewrite metrics.csv (every segment) in the folder it read. Intervals are 95%: over\n\
        replicates, paired by replicate against the baseline, and unpaired (Welch).\n\n\
        On a swept run, metrics.csv has each point's rows (paired within the point) and\n\
        robustness.csv, which compare prints, summarises each variant's difference from the\n\
        baseline across the points: mean, worst, 10th percentile from the worst end, and the\n\
        fraction of points where the variant beats the baseline, is above it, is below it.")]
    Compare(CompareArgs),
    /// Charts of an output folder: adoption curves, differences, stacked shares (SVG or PNG)
    #[command(after_help = "Examples:\n  \
        blockade plot output/openai-api-block-2024\n  \
        blockade plot output/openai-api-block-2024 --kind comparison --variant no-block \\\n      \
        --states openai_vpn,qwen,deepseek -o no-block.png\n  \
        blockade plot output/openai-api-block-2024 --kind stacked --variant vpn-crackdown\n  \
        blockade plot output/my-sweep --point 12 --kind comparison\n  \
        blockade plot output/my-sweep --kind effects --metric share --states qwen\n\n\
        Writes <DIR>/<kind>.svg unless -o names another .svg or .png file. A swept run is drawn\n\
        one point at a time (--point, default 0), or its effects over every point (--kind\n\
        effects).")]
    Plot(PlotArgs),
    /// Put the shard folders of one run back together into the run's output folder
    #[command(after_help = "Example:\n  \
        for i in 1 2 3; do blockade run sweep.toml --shard $i/3 --out shards/$i; done\n  \
        blockade merge shards/1 shards/2 shards/3 --out output/sweep\n\n\
        Checks that the shards are one run's (scenario, flags, seed) and hold every task once,\n\
        verifies each file's size and SHA-256, and writes the files an unsharded run writes,\n\
        byte for byte, replacing --out only when complete.")]
    Merge(MergeArgs),
    /// Write an output folder's report: one self-contained HTML page to read, share or print
    #[command(after_help = "Examples:\n  \
        blockade report output/openai-api-block-2024\n  \
        blockade report output/my-sweep -o brief.html --metric foreign_share,qwen --segment indie\n\n\
        Writes <DIR>/report.html unless -o names another file: the question (the scenario's\n\
        description), when and how the run ran, each variant's effect on the metrics in words\n\
        and numbers with its 95% interval (on a swept run, its spread across the points), the\n\
        charts, the scenario's segments, providers and events with their sources, and what the\n\
        intervals cover. No script, no network access: it opens anywhere and prints to PDF.\n\
        `blockade run --report` writes it with the run.")]
    Report(ReportArgs),
    /// Write a commented starter scenario, NAME.toml, into the current folder
    #[command(after_help = "Example:\n  \
        blockade new my-block && blockade check my-block.toml && blockade run my-block.toml\n\n\
        The file is the smallest complete scenario (one segment, two providers, a block and a\n\
        variant without it), every line explained. An existing file is never overwritten.")]
    New(NewArgs),
    /// Print a shell completion script (bash, zsh, fish or powershell)
    #[command(after_help = "Examples:\n  \
        source <(blockade completions bash)                    # this bash session\n  \
        blockade completions bash > ~/.local/share/bash-completion/completions/blockade\n  \
        blockade completions zsh > ~/.zfunc/_blockade           # with fpath+=(~/.zfunc)\n  \
        blockade completions fish > ~/.config/fish/completions/blockade.fish")]
    Completions(CompletionsArgs),
    /// Print the manual page (roff) of blockade, or of one of its commands
    #[command(after_help = "Examples:\n  \
        blockade man | man -l -\n  \
        blockade man run | man -l -\n  \
        for c in '' run check compare plot merge report new completions; do\n      \
        blockade man $c > ~/.local/share/man/man1/blockade${c:+-$c}.1; done")]
    Man(ManArgs),
    /// Fit the [uncertainty] parameters to the [[targets]]: history matching, then ABC
    #[command(after_help = "Examples:\n  \
        blockade calibrate scenarios/openai-api-block-2024.toml --population 20000\n  \
        blockade calibrate my.toml --wave-points 200 --waves 5 --abc-points 400 --out cal\n  \
        blockade run my.toml --posterior cal\n\n\
        Runs the baseline at points of the [uncertainty] prior, in waves that rule out the\n\
        points whose simulated targets are implausible (|observed - simulated mean| over the\n\
        root of observation, discrepancy and simulation variances above 3), then accepts by ABC\n\
        a weighted posterior sample. Writes wave_points.csv, implausibility.csv, waves.csv,\n\
        posterior.csv, targets.csv, parameters.csv and run.json into\n\
        output/<scenario name>.calibration/ (or --out); `run --posterior DIR` runs every variant\n\
        over the posterior sample.")]
    Calibrate(CalibrateArgs),
}

/// The flags `run` and `check` share: which file, and what to change in it.
#[derive(Debug, Args)]
struct ScenarioArgs {
    /// The scenario file (TOML)
    file: PathBuf,
    /// Change a parameter before anything runs, e.g. adoption.imitation=0.3 (repeatable)
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Number of agents (overrides scenario.population)
    #[arg(long, value_name = "N")]
    population: Option<u64>,
    /// Replicates per variant (overrides scenario.replicates)
    #[arg(long, value_name = "N")]
    replicates: Option<u64>,
    /// Seed of every random stream (overrides scenario.seed)
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Run only these variants besides the baseline (repeatable; "baseline" runs it alone)
    #[arg(long = "variant", value_name = "NAME")]
    variants: Vec<String>,
    /// Sweep these points instead of the file's [sweep]: a CSV file whose header names set
    /// paths (and optionally weight), one row per point
    #[arg(long, value_name = "POINTS.csv")]
    points: Option<PathBuf>,
    /// Sweep a calibration's posterior sample instead of the file's [sweep]: the weighted
    /// points of DIR/posterior.csv, written by `blockade calibrate`
    #[arg(long, value_name = "DIR", conflicts_with = "points")]
    posterior: Option<PathBuf>,
    /// Run the file's sensitivity analysis with this method: sobol or morris (over the file's
    /// [sensitivity], or its defaults when it has none; the parameters are its [uncertainty])
    #[arg(long, value_name = "METHOD", value_parser = parse_method)]
    method: Option<blockade::sensitivity::Method>,
}

fn parse_method(text: &str) -> Result<blockade::sensitivity::Method, String> {
    blockade::sensitivity::Method::parse(text).ok_or_else(|| {
        format!(
            "'{text}' is not a method ({})",
            blockade::sensitivity::Method::names()
        )
    })
}

impl ScenarioArgs {
    fn overrides(&self) -> blockade::Result<Overrides> {
        Ok(Overrides {
            sets: self.sets.clone(),
            population: self.population,
            replicates: self.replicates,
            seed: self.seed,
            points: match (&self.points, &self.posterior) {
                (Some(points), _) => Some(blockade::output::read_given_points(points)?),
                (None, Some(dir)) => Some(blockade::output::read_posterior(dir)?),
                (None, None) => None,
            },
            method: self.method,
            prior: None,
        })
    }
}

#[derive(Debug, Args)]
struct RunArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    /// Output folder [default: output/<scenario name>]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Worker threads; 0 uses every core
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads: usize,
    /// Print neither progress, warnings nor the final table
    #[arg(long)]
    quiet: bool,
    /// Also draw adoption.svg and comparison.svg into the output folder
    #[arg(long, conflicts_with = "shard")]
    plot: bool,
    /// Also write report.html, the run's report (see `blockade report`), into the output folder
    #[arg(long, conflicts_with = "shard")]
    report: bool,
    /// Run only shard I of N of the tasks (task k when k mod N = I - 1; with a sweep, the
    /// points p with p mod N = I - 1) and write a shard folder for `blockade merge`
    /// [default --out: output/<scenario name>.shard-I-of-N]
    #[arg(long, value_name = "I/N")]
    shard: Option<Shard>,
    /// The tables' file format [default: the scenario's [output] format, else csv]; a
    /// shard folder is CSV whatever it says, and its merge writes this format
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Add replicates to the output folder's run of the same scenario, seed and flags:
    /// simulate only the replicates it lacks up to --replicates
    #[arg(long, conflicts_with = "shard")]
    extend: bool,
    /// The tables to write, comma-separated, or all: adoption, flows, usage, summary,
    /// comparison, metrics (points.csv, robustness.csv and run.json are always written)
    /// [default: [output] tables, else all without a sweep and metrics with one]
    #[arg(long, value_name = "LIST")]
    tables: Option<String>,
    /// Go on with the sweep an earlier run left unfinished in DIR.partial (interrupted, killed,
    /// out of disk), computing only the points it had not completed; the files are the same
    /// bytes as an uninterrupted run's
    #[arg(long)]
    resume: bool,
}

#[derive(Debug, Args)]
struct MergeArgs {
    /// The shard folders, one per shard of the run (1/N to N/N, any order)
    #[arg(value_name = "SHARD_DIR", required = true)]
    shards: Vec<PathBuf>,
    /// Output folder [default: output/<scenario name>]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print nothing but errors
    #[arg(long)]
    quiet: bool,
    /// The tables' file format [default: the format the shards were run with]
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
}

/// The file format of a run's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    /// CSV: adoption.csv, ...
    Csv,
    /// Apache Parquet: adoption.parquet, ... (typed, compressed columns)
    Parquet,
}

impl FormatArg {
    fn table_format(self) -> blockade::output::TableFormat {
        match self {
            FormatArg::Csv => blockade::output::TableFormat::Csv,
            FormatArg::Parquet => blockade::output::TableFormat::Parquet,
        }
    }
}

#[derive(Debug, Args)]
struct ReportArgs {
    /// An output folder written by `blockade run`
    dir: PathBuf,
    /// The file to write [default: <DIR>/report.html]
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// A headline metric: foreign_share, domestic_share, peak_unserved, unserved_exposure or a
    /// state's name for its share (repeatable or comma-separated)
    /// [default: foreign_share,domestic_share,peak_unserved]
    #[arg(long = "metric", value_name = "NAME")]
    metrics: Vec<String>,
    /// The segment of the headline and charts [default: all]
    #[arg(long, value_name = "NAME")]
    segment: Option<String>,
}

#[derive(Debug, Args)]
struct NewArgs {
    /// The scenario's name, also the file's: lowercase letters, digits, _ and -
    name: String,
}

#[derive(Debug, Args)]
struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum)]
    shell: Shell,
}

#[derive(Debug, Args)]
struct ManArgs {
    /// The command whose page to print (the page of blockade itself if none), e.g. run
    command: Option<String>,
}

/// The shells `completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Shell {
    /// Bash
    Bash,
    /// Zsh
    Zsh,
    /// Fish
    Fish,
    /// PowerShell
    Powershell,
}

#[derive(Debug, Args)]
struct CalibrateArgs {
    /// The scenario file (TOML), with [uncertainty] and [[targets]]
    file: PathBuf,
    /// Change a parameter before anything runs, e.g. adoption.reconsider=0.03 (repeatable)
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Number of agents (overrides scenario.population)
    #[arg(long, value_name = "N")]
    population: Option<u64>,
    /// Replicates at each point (overrides scenario.replicates)
    #[arg(long, value_name = "N")]
    replicates: Option<u64>,
    /// Seed of the model's streams and of the choice of points (overrides scenario.seed)
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Output folder [default: output/<scenario name>.calibration]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Worker threads; 0 uses every core
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads: usize,
    /// Print neither progress, warnings nor the tables
    #[arg(long)]
    quiet: bool,
    /// Points run in each history-matching wave
    #[arg(long, value_name = "N", default_value_t = 100)]
    wave_points: usize,
    /// The most history-matching waves
    #[arg(long, value_name = "N", default_value_t = 4)]
    waves: u32,
    /// Points run in the ABC step
    #[arg(long, value_name = "N", default_value_t = 200)]
    abc_points: usize,
    /// A file holding only an [uncertainty] table: the parameters to fit, replacing the
    /// scenario's table
    #[arg(long, value_name = "FILE")]
    prior: Option<PathBuf>,
    /// Go on from the points an interrupted calibration recorded in DIR.partial
    #[arg(long)]
    resume: bool,
    /// Compute only shard I of N of the next batch's points not recorded in DIR.partial,
    /// add them there as a shard file, and stop
    #[arg(long, value_name = "I/N", conflicts_with_all = ["resume", "merge"])]
    shard: Option<Shard>,
    /// Add every shard's points to the record in DIR.partial and go on, stopping at the
    /// next batch the shards have not computed (or writing DIR once every point is computed)
    #[arg(long)]
    merge: bool,
}

#[derive(Debug, Args)]
struct CheckArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    /// Also run the baseline at the file's values and set each target against it
    #[arg(long)]
    predict: bool,
}

#[derive(Debug, Args)]
struct CompareArgs {
    /// An output folder written by `blockade run`
    dir: PathBuf,
    /// Also report the shares at the first step on or after this date (YYYY-MM-DD)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    at: Option<chrono::NaiveDate>,
    /// What to print
    #[arg(long, value_enum, default_value_t = MetricsFormat::Table)]
    format: MetricsFormat,
    /// The segment to print [default: all for table and markdown, every segment for csv and json]
    #[arg(long, value_name = "NAME")]
    segment: Option<String>,
    /// Print only this variant's rows (repeatable) [default: every variant]
    #[arg(long = "variant", value_name = "NAME")]
    variants: Vec<String>,
    /// Print only the rows of this state (repeatable) [default: every row]
    #[arg(long = "state", value_name = "NAME")]
    states: Vec<String>,
    /// Print only this metric's rows, e.g. share or switches_away (repeatable)
    #[arg(long = "metric", value_name = "NAME")]
    metrics: Vec<String>,
    /// Also rewrite metrics.csv (and robustness.csv) in DIR, every row, from what was read;
    /// refused if DIR was replaced meanwhile
    #[arg(long)]
    write_metrics: bool,
    /// Print the shares of each vendor (its providers together) instead of each provider
    #[arg(long, value_enum, default_value_t = GroupBy::Provider)]
    by: GroupBy,
    /// Print shares of the agents, or of their usage (a run whose segments declare usage)
    #[arg(long, value_enum, default_value_t = MeasureArg::Agents)]
    measure: MeasureArg,
    /// On a swept run, print each variant's effect on every metric with its two intervals
    /// (over replicates, over the points) instead of the robustness summary: as rows with
    /// --format csv or json, as the effects' tables otherwise
    #[arg(long)]
    intervals: bool,
}

#[derive(Debug, Args)]
struct PlotArgs {
    /// An output folder written by `blockade run` (calibration: by `blockade calibrate`)
    dir: PathBuf,
    /// The image to write, .svg or .png [default: <DIR>/<kind>.svg]
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// What to draw
    #[arg(long, value_enum, default_value_t = ChartKind::Adoption)]
    kind: ChartKind,
    /// The segment, or all
    #[arg(long, value_name = "NAME", default_value = "all")]
    segment: String,
    /// A variant to draw (repeatable) [default: every one; stacked: baseline]
    #[arg(long = "variant", value_name = "NAME")]
    variants: Vec<String>,
    /// The states to draw, comma-separated, e.g. openai_vpn,qwen,unserved [default: every one;
    /// sensitivity and effects: one state, default the metric's first]
    #[arg(long, value_name = "LIST")]
    states: Option<String>,
    /// The metric of a sensitivity chart, as in sensitivity.csv [default: the first analysed];
    /// of an effects chart, as in metrics.csv [default: foreign_share]
    #[arg(long, value_name = "NAME")]
    metric: Option<String>,
    /// The sweep point to draw, of a swept run (points.csv numbers them from 0) [default: 0]
    #[arg(long, value_name = "N")]
    point: Option<usize>,
    /// Draw each vendor (its providers together) instead of each provider
    #[arg(long, value_enum, default_value_t = GroupBy::Provider)]
    by: GroupBy,
    /// Draw shares of the agents, or of their usage (a run whose segments declare usage)
    #[arg(long, value_enum, default_value_t = MeasureArg::Agents)]
    measure: MeasureArg,
}

/// What `compare` and `plot` show a state of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum GroupBy {
    /// Each provider
    Provider,
    /// Each vendor: the sum of its providers
    Vendor,
}

/// What `compare` and `plot` take a share of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MeasureArg {
    /// The agents
    Agents,
    /// The agents' usage weights
    Usage,
}

impl MeasureArg {
    fn measure(self) -> blockade::results::Measure {
        match self {
            MeasureArg::Agents => blockade::results::Measure::Agents,
            MeasureArg::Usage => blockade::results::Measure::Usage,
        }
    }
}

/// The charts `plot` draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ChartKind {
    /// Share per state over time with 95% bands, one panel per variant
    Adoption,
    /// Each variant minus the baseline over time, paired, with 95% bands
    Comparison,
    /// One variant's mean shares, stacked
    Stacked,
    /// A sensitivity run's parameters ranked by their index (sensitivity.csv): Sobol total
    /// and first-order, or Morris mu* and sigma, with intervals and the noise floor
    Sensitivity,
    /// A calibration folder's targets against the prior and posterior predictive intervals,
    /// and the parameters' posterior intervals against their priors
    Calibration,
    /// A swept run's effects, one row per variant: the effect, its 95% interval over
    /// replicates and its 5th-95th percentile over the points (compare --intervals' numbers)
    Effects,
}

/// How `compare` prints the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MetricsFormat {
    /// Aligned columns for a terminal
    Table,
    /// The rows of metrics.csv
    Csv,
    /// The rows of metrics.csv as a JSON array
    Json,
    /// Tables to paste into a report
    Markdown,
}

fn parse_date(text: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("'{text}' is not a date (YYYY-MM-DD)"))
}

/// The first failure to write the standard output. Later writes are skipped, and [`main`]
/// reports it once the command is done.
static STDOUT_FAILURE: Mutex<Option<std::io::Error>> = Mutex::new(None);

/// Writes to the standard output, keeping the first failure instead of panicking as
/// `println!` does: a reader that closed the pipe (`| head -1`) ends the report quietly, and
/// any other failure (a full disk) makes the command fail with exit status 1.
fn write_stdout(text: std::fmt::Arguments<'_>) {
    let mut failure = STDOUT_FAILURE.lock().unwrap_or_else(|e| e.into_inner());
    if failure.is_none() {
        if let Err(e) = std::io::stdout().lock().write_fmt(text) {
            *failure = Some(e);
        }
    }
}

/// Writes bytes to the standard output, as [`write_stdout`] does.
fn write_stdout_bytes(bytes: &[u8]) {
    let mut failure = STDOUT_FAILURE.lock().unwrap_or_else(|e| e.into_inner());
    if failure.is_none() {
        if let Err(e) = std::io::stdout().lock().write_all(bytes) {
            *failure = Some(e);
        }
    }
}

/// Flushes the standard output and returns its first failure, other than a closed pipe.
fn stdout_failure() -> Option<std::io::Error> {
    let mut failure = STDOUT_FAILURE.lock().unwrap_or_else(|e| e.into_inner());
    if failure.is_none() {
        if let Err(e) = std::io::stdout().lock().flush() {
            *failure = Some(e);
        }
    }
    failure
        .take()
        .filter(|e| e.kind() != std::io::ErrorKind::BrokenPipe)
}

/// How long a command has, after SIGINT or SIGTERM, to stop by itself (the runner polls
/// between steps, staged files refuse writes) before the process ends anyway: set-up work,
/// reading a large folder, or an open() blocked on a FIFO cannot poll.
const GRACE: Duration = Duration::from_millis(500);

/// Which signal asked the run to stop, so that the exit status can say it.
struct Interrupt {
    requested: Arc<AtomicBool>,
    signal: Arc<AtomicUsize>,
}

/// The exit status for a signal: 143 for SIGTERM, 130 for SIGINT.
fn signal_status(signal: usize) -> u8 {
    if signal == signal_hook::consts::SIGTERM as usize {
        143
    } else {
        130
    }
}

impl Interrupt {
    /// Turns SIGINT and SIGTERM into a request the runner polls between steps, and starts
    /// the watch that ends the process [`GRACE`] after the signal if the command has not
    /// stopped by then, removing its temporary files and folders first.
    fn install() -> Interrupt {
        let interrupt = Interrupt {
            requested: Arc::new(AtomicBool::new(false)),
            signal: Arc::new(AtomicUsize::new(0)),
        };
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            // Registration fails only for forbidden signals, which these are not; without it
            // a signal would end the process with its default action, which is still safe for
            // the results (they are swapped in only when complete).
            let _ = signal_hook::flag::register_usize(
                signal,
                interrupt.signal.clone(),
                signal as usize,
            );
            let _ = signal_hook::flag::register(signal, interrupt.requested.clone());
        }
        let watched = [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM];
        // Without the watch, a command that cannot poll would only stop when done; the
        // flags above still stop every one that can.
        if let Ok(mut signals) = signal_hook::iterator::Signals::new(watched) {
            std::thread::spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    std::thread::sleep(GRACE);
                    blockade::output::abandon_temporaries();
                    eprintln!("interrupted");
                    std::process::exit(i32::from(signal_status(signal as usize)));
                }
            });
        }
        interrupt
    }

    fn received(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }

    fn exit_code(&self) -> ExitCode {
        ExitCode::from(signal_status(self.signal.load(Ordering::SeqCst)))
    }
}

/// Parses the command line, runs the command and returns its exit status.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let rendered = e.render().to_string();
            let first = rendered
                .lines()
                .next()
                .unwrap_or("error: invalid arguments");
            eprintln!("{first} (see --help)");
            return ExitCode::from(2);
        }
    };
    let interrupt = Interrupt::install();
    let outcome = match &cli.command {
        Command::Run(args) => run::run(args, &interrupt.requested),
        Command::Sensitivity(args) => sensitivity::sensitivity(args, &interrupt.requested),
        Command::Check(args) => check::check(args, &interrupt.requested),
        Command::Compare(args) => compare::compare(args),
        Command::Plot(args) => plot::plot(args),
        Command::Merge(args) => merge::merge(args, &interrupt.requested),
        Command::Report(args) => report::report(args),
        Command::New(args) => new::new(args),
        Command::Completions(args) => completions::completions(args),
        Command::Man(args) => completions::man(args),
        Command::Calibrate(args) => calibrate::calibrate(args, &interrupt.requested),
    };
    let outcome = match (outcome, stdout_failure()) {
        (Ok(()), Some(e)) => Err(Error::io("writing the standard output", e)),
        (outcome, _) => outcome,
    };
    match outcome {
        // A signal that came as a command finished still says so in the status.
        Ok(()) if interrupt.received() => {
            eprintln!("interrupted as the command finished");
            interrupt.exit_code()
        }
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Interrupted) => {
            eprintln!("interrupted: earlier results are untouched");
            interrupt.exit_code()
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(if e.is_refusal() { 2 } else { 1 })
        }
    }
}
