//! What a run will need, checked against what the machine has before anything is allocated
//! (docs/FORMAT.md, Exit status: a resource estimate over what the machine has is refused with
//! exit status 2).
//!
//! The estimate follows the engine's data structures (see docs/PERFORMANCE.md for the formula):
//! per task, the larger of the network's construction peak and the arrays a running replicate
//! holds, times the tasks in flight under the runner's parallelism rule, plus the results the
//! run holds at once: the counts of the sweep points in flight (every task of the one point
//! without a sweep), whose rows are written and counts dropped as each point ends
//! ([`runner::run_points`]), and, with a sweep, each point's differences from the baseline
//! (for `robustness.csv`). The validated scenario, every sweep point's set-up included, is
//! held before the estimate is made and is not in it.
//! The machine's side is `MemAvailable` from `/proc/meminfo`; where that file does not exist
//! (not Linux) the check is skipped.
//!
//! The output folder is checked too: a run whose files would certainly not fit on the output
//! folder's file system is refused before simulating. The row counts of adoption, summary and
//! comparison are known in advance, so their smallest possible size is a floor; flows, whose
//! number of rows depends on the run, count for nothing in it. A run that passes the floor can
//! still fill the disk; it then fails cleanly (exit 1, earlier results untouched).

use crate::compare::MetricRow;
use crate::error::{Error, Result};
use crate::runner;
use crate::scenario::{Arm, Scenario, Table, TableFormat, Tables};
use crate::setup;
use crate::spec::{FIRST_PROVIDER, NetworkSpec, Setup, Weight};
use std::path::Path;

/// Bytes per agent of its weight multipliers, an f32 per weight.
const MULTIPLIER_BYTES: u64 = 4 * Weight::COUNT as u64;

/// Bytes per agent of the arrays every replicate holds: segment (2), task (1), language (1),
/// held capabilities (4), the weight multipliers, the state (1).
pub const AGENT_BYTES: u64 = 2 + 1 + 1 + 4 + MULTIPLIER_BYTES + 1;

/// Bytes per agent of its usage weight (an f32) and, in a graph, of its state gathered into
/// agent order before the usage is summed (1): held only when some segment declares usage.
pub const USAGE_BYTES: u64 = 4 + 1;

/// Bytes per agent of the buffers a step may fill at worst (every agent changing state at
/// once, as at step 0 with initial_adoption 1): its change (flow cell 8, slot 4), and the new
/// adopters' neighbour entries, capped at two per slot (4 each; beyond that the model
/// recounts).
pub const CHANGE_BYTES: u64 = 8 + 4 + 2 * 4;

/// What the process holds besides the tasks: the binary, the scenario, thread stacks.
pub const BASE_BYTES: u64 = 64 << 20;

/// A run's memory estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Estimate {
    /// The peak of the largest task, in bytes.
    pub per_task: u64,
    /// How many tasks run at once under the runner's parallelism rule.
    pub in_flight: u64,
    /// The results held at once: the counts of the points in flight and every point's
    /// metric values, in bytes.
    pub results: u64,
    /// Everything together, in bytes.
    pub total: u64,
}

/// Neighbour entries (twice the undirected edges) of a network on `population` nodes.
fn neighbour_entries(network: NetworkSpec, population: u64) -> u64 {
    match network {
        NetworkSpec::Complete => 0,
        NetworkSpec::SmallWorld { degree, .. } => population * u64::from(degree),
        NetworkSpec::ScaleFree { degree } => {
            let m = u64::from(degree / 2);
            // The star's m edges, then m per node after the first m + 1.
            2 * (m + population.saturating_sub(m + 1) * m)
        }
    }
}

/// The peak bytes of one task of `setup`: the larger of the network's construction and the
/// running replicate. `states` counts not_adopted, unserved and the providers; `segments` the
/// segments.
pub fn task_bytes(setup: &Setup, states: u64, segments: u64) -> u64 {
    let n = u64::from(setup.population);
    let entries = neighbour_entries(setup.network, n);
    let offset = if entries > u64::from(u32::MAX) { 8 } else { 4 };
    let graph = !matches!(setup.network, NetworkSpec::Complete);
    // Rows: placement (4), row starts, neighbour entries (4 each).
    let network = if graph {
        4 * n + offset * (n + 1) + 4 * entries
    } else {
        0
    };
    // Construction: the owned edges (half the entries, 4 each), the degrees (4), a bit per
    // node, the rows, and the far entries being sorted (two buffers of n/4 u64); the
    // placement comes after the owned edges are freed. The weight multipliers are drawn
    // meanwhile.
    let building = if graph {
        2 * entries
            + 4 * n
            + n.div_ceil(8)
            + offset * (n + 1)
            + 4 * entries
            + 4 * n.max(1 << 18)
            + MULTIPLIER_BYTES * n
    } else {
        0
    };
    // Running: the rows, the agents, their changes, the adopted-neighbour counts (4), and
    // the usage weights.
    let usage = if setup.has_usage() {
        USAGE_BYTES * n
    } else {
        0
    };
    let running =
        network + n * (AGENT_BYTES + CHANGE_BYTES) + if graph { 4 * n } else { 0 } + usage;
    // Per step, the tally (counts and dense flows, and usage sums) while it is recorded.
    let tally = 4 * segments * states * (states + 1)
        + if setup.has_usage() {
            8 * segments * states
        } else {
            0
        };
    building.max(running) + tally
}

/// How many tasks run at once under the runner's rule ([`runner::split_by_task`]): one per
/// thread when tasks run in parallel, otherwise one at a time.
pub fn tasks_in_flight(tasks: usize, threads: usize) -> usize {
    if runner::split_by_task(tasks, threads) {
        threads.max(1).min(tasks)
    } else {
        1.min(tasks)
    }
}

/// The memory estimate of running the tasks numbered `tasks` of `arms` (k = slot × replicates
/// + replicate, as the runner numbers them) on `threads` threads: a shard counts only its own.
pub fn estimate(
    scenario: &Scenario,
    arms: &[Arm<'_>],
    tasks: &[usize],
    threads: usize,
) -> Estimate {
    let states = FIRST_PROVIDER as u64 + scenario.providers.len() as u64;
    let segments = scenario.segments.len() as u64;
    let steps = u64::from(scenario.calendar.steps());
    let replicates = scenario.replicates as usize;
    let per_task = tasks
        .iter()
        .map(|&k| task_bytes(arms[k / replicates].setup, states, segments))
        .max()
        .unwrap_or(0);
    let in_flight = tasks_in_flight(tasks.len(), threads) as u64;
    let shape = runner::shape(scenario, arms);
    let per_point = shape.one_point().tasks();
    // Tasks of this run per point: all of a point's, or a shard's share of the one point.
    let points = tasks
        .iter()
        .map(|&k| k / per_point)
        .fold((0u64, None), |(n, last), p| {
            (n + u64::from(last != Some(p)), Some(p))
        })
        .0;
    let point_tasks = (tasks.len() as u64).div_ceil(points.max(1));
    let held_points = (runner::points_in_flight(per_point, threads) as u64).min(points);
    // Per task: counts for every step, and flows (a dozen bytes each) at most one per
    // (step, segment, from, to) but in practice a few per step: counted as one per count.
    // With usage, 8 more per count for its sum.
    let usage = if arms.iter().any(|a| a.setup.has_usage()) {
        8
    } else {
        0
    };
    let task_results = (steps + 1) * segments * states * (4 + 12 + usage);
    // Per point of a sweep, the difference from the baseline (8 bytes) of each variant's
    // metric row (`compare::MetricsByPoint`): per variant and segment (and all), at most a
    // row per state for the shares of agents and of usage and the switches, per vendor
    // (fewer than the states) for the vendors' shares of agents and of usage, and 7 of no
    // state; the first point's rows whole, as keys.
    let rows_per_arm = (segments + 1) * (5 * states + 7);
    let metric_values = if scenario.sweep.is_some() {
        points * (shape.arms() as u64 - 1) * rows_per_arm * 8
            + shape.arms() as u64 * rows_per_arm * std::mem::size_of::<MetricRow>() as u64
    } else {
        0
    };
    let results = held_points * point_tasks * task_results + metric_values;
    // Set-ups kept for tasks still to come (`setup`): at most the cache's budget, and no more
    // than one per task not in flight.
    let kept = setup::KEPT_BYTES
        .min(per_task.saturating_mul((tasks.len() as u64).saturating_sub(in_flight)));
    let total = BASE_BYTES
        .saturating_add(per_task.saturating_mul(in_flight))
        .saturating_add(kept)
        .saturating_add(results);
    Estimate {
        per_task,
        in_flight,
        results,
        total,
    }
}

/// `MemAvailable` of a `/proc/meminfo` text, in bytes.
pub fn parse_meminfo(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let mut words = line.split_whitespace().skip(1);
    let value: u64 = words.next()?.parse().ok()?;
    match words.next() {
        Some("kB") => Some(value * 1024),
        None => Some(value),
        Some(_) => None,
    }
}

/// The memory the machine can give a new process without swapping, in bytes: `MemAvailable`
/// from `/proc/meminfo`. `None` where it cannot be read (not Linux): no check is made then.
pub fn available_memory() -> Option<u64> {
    parse_meminfo(&std::fs::read_to_string("/proc/meminfo").ok()?)
}

/// Bytes as "1.23 GiB".
fn human_bytes(bytes: u64) -> String {
    const GIB: f64 = (1u64 << 30) as f64;
    const MIB: f64 = (1u64 << 20) as f64;
    let b = bytes as f64;
    if b >= GIB {
        format!("{:.2} GiB", b / GIB)
    } else {
        format!("{:.0} MiB", b / MIB)
    }
}

/// Refuses a run whose estimate exceeds `available` bytes, saying both and what to change.
pub fn check_against(estimate: &Estimate, available: u64) -> Result<()> {
    if estimate.total <= available {
        return Ok(());
    }
    let in_flight = if estimate.in_flight == 1 {
        "one task at a time".to_owned()
    } else {
        format!("{} tasks at once", estimate.in_flight)
    };
    let results = if estimate.results >= 1 << 20 {
        format!(", plus {} of results", human_bytes(estimate.results))
    } else {
        String::new()
    };
    Err(Error::Resources(format!(
        "not enough memory: the run needs about {} ({} per task, {in_flight}{results}) and \
         the machine has {} available; lower --population{}",
        human_bytes(estimate.total),
        human_bytes(estimate.per_task),
        human_bytes(available),
        if estimate.in_flight > 1 {
            " or --threads"
        } else {
            ""
        },
    )))
}

/// Refuses a run whose estimate exceeds the memory the machine has available; does nothing
/// where that cannot be read. The caller, who knows which tasks it will run, calls it before
/// anything is allocated.
pub fn check_memory(estimate: &Estimate) -> Result<()> {
    match available_memory() {
        Some(available) => check_against(estimate, available),
        None => Ok(()),
    }
}

/// The fewest bytes a thousand rows of `table` take in `format`. CSV: a row of adoption.csv
/// or usage.csv ("v,0,0,2024-01-01,s,x,0,0.0" and a newline) takes at least 30 bytes, of
/// summary.csv, comparison.csv or metrics.csv (a date, names and several numbers of at least
/// three characters) at least 40. Parquet compresses by the values: the fewest bytes a row
/// measured on the flagship scenario (3 replicates of 4 sweep points at 200 and 5 000 agents)
/// were 0.74 (adoption), 3.7 (comparison), 7.3 (summary) and 22 (metrics); the floor is a
/// third of that, as smaller runs repeat their values more.
fn kilo_row_floor(table: Table, format: TableFormat) -> u64 {
    match (format, table) {
        (TableFormat::Csv, Table::Adoption | Table::Usage) => 30_000,
        (TableFormat::Csv, _) => 40_000,
        (TableFormat::Parquet, Table::Adoption | Table::Usage) => 250,
        (TableFormat::Parquet, Table::Summary | Table::Comparison) => 1_200,
        (TableFormat::Parquet, _) => 7_000,
    }
}

/// The smallest size the files of a run can have in `format`, in bytes: `tasks` replicates
/// of arm slots (points × arms) write adoption rows (and as many usage rows with usage) when
/// `tables` holds them; summary, comparison and metrics, when `tables` holds them, have rows
/// for every arm slot (variant slot for comparison) of the points those tasks complete.
/// Flows, whose number of rows depends on the run, count for nothing.
pub fn output_floor(
    scenario: &Scenario,
    arms: &[Arm<'_>],
    tasks: u64,
    tables: Tables,
    format: TableFormat,
) -> u64 {
    let steps = u64::from(scenario.calendar.steps()) + 1;
    let segments = scenario.segments.len() as u64;
    let states = FIRST_PROVIDER as u64 + scenario.providers.len() as u64;
    let slots = tasks / u64::from(scenario.replicates.max(1));
    let arms_per_point = runner::shape(scenario, arms).arms() as u64;
    let variant_slots = slots / arms_per_point * (arms_per_point - 1);
    let has_usage = arms.iter().any(|a| a.setup.has_usage());
    // Per arm slot, the metrics have at least a share per state and 5 rows of no state
    // (crossing, domestic, foreign, peak, exposure) per segment and all.
    let rows = |table| match table {
        Table::Adoption => tasks * steps * segments * states,
        Table::Usage if has_usage => tasks * steps * segments * states,
        Table::Usage | Table::Flows => 0,
        Table::Summary => slots * steps * (segments + 1) * states,
        Table::Comparison => variant_slots * steps * (segments + 1) * states,
        Table::Metrics => slots * (segments + 1) * (states + 5),
    };
    tables
        .list()
        .into_iter()
        .map(|t| rows(t) * kilo_row_floor(t, format) / 1000)
        .sum()
}

/// Refuses a run whose files need at least `floor` bytes when the file system holding
/// `folder` has less free; does nothing where the free space cannot be read.
pub fn check_disk(floor: u64, folder: &Path) -> Result<()> {
    match fs4::available_space(folder) {
        Ok(free) => check_disk_against(floor, free, folder),
        Err(_) => Ok(()),
    }
}

fn check_disk_against(floor: u64, free: u64, folder: &Path) -> Result<()> {
    if floor <= free {
        return Ok(());
    }
    Err(Error::Resources(format!(
        "not enough disk: the output needs at least {} and {} has {} free; lower \
         --replicates or run fewer variants",
        human_bytes(floor),
        folder.display(),
        human_bytes(free)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Overrides;

    fn flagship(population: u64, replicates: u64) -> Scenario {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/openai-api-block-2024.toml");
        let overrides = Overrides {
            population: Some(population),
            replicates: Some(replicates),
            ..Overrides::default()
        };
        Scenario::load(&file, &overrides).expect("bundled scenario")
    }

    #[test]
    fn the_disk_floor_counts_the_rows_of_the_fixed_size_files() {
        let scenario = flagship(1000, 3);
        let arms = scenario.arms(&["no-block".into()]).expect("arms");
        // 105 steps, 4 segments, 17 states; baseline and no-block. The flagship declares
        // usage, so usage.csv doubles adoption.csv's floor.
        let csv = TableFormat::Csv;
        let adoption = 2 * 2 * 3 * 105 * 4 * 17 * 30;
        let summary = (2 + 1) * 105 * 5 * 17 * 40;
        let metrics = 2 * 5 * (17 + 5) * 40;
        let floor = |tables| output_floor(&scenario, &arms, 6, tables, csv);
        assert_eq!(floor(Tables::ALL), adoption + summary + metrics);
        let counts = Tables::of(&[Table::Adoption, Table::Flows, Table::Usage]);
        assert_eq!(floor(counts), adoption);
        let statistics = Tables::of(&[Table::Summary, Table::Comparison]);
        assert_eq!(
            floor(statistics),
            summary,
            "the statistics have no adoption rows"
        );
        assert_eq!(floor(Tables::SWEPT), metrics);
        // Parquet's floor is below every size measured.
        let parquet = output_floor(&scenario, &arms, 6, Tables::ALL, TableFormat::Parquet);
        assert!(parquet * 10 < adoption + summary + metrics, "{parquet}");
        let folder = Path::new("/out");
        assert!(check_disk_against(adoption + summary, adoption + summary, folder).is_ok());
        let err = check_disk_against(adoption, adoption - 1, folder).expect_err("refused");
        assert!(err.is_refusal());
        assert!(err.to_string().contains("not enough disk"), "{err}");
    }

    /// The flagship with a latin-hypercube sweep of `points` points over two parameters.
    fn flagship_sweep(points: u32) -> Scenario {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/openai-api-block-2024.toml");
        let text = std::fs::read_to_string(file).expect("bundled scenario");
        let text = format!(
            "{text}\n[sweep]\ndesign = \"latin_hypercube\"\nsamples = {points}\nseed = 1\n\
             [sweep.parameters]\n\"adoption.innovation\" = {{ min = 0.002, max = 0.006 }}\n\
             \"adoption.imitation\" = {{ min = 0.05, max = 0.25 }}\n"
        );
        let overrides = Overrides {
            population: Some(5000),
            replicates: Some(5),
            ..Overrides::default()
        };
        Scenario::from_bytes("sweep.toml", text.as_bytes(), &overrides).expect("valid sweep")
    }

    #[test]
    fn a_sweeps_memory_grows_only_by_its_metric_values() {
        let estimates: Vec<Estimate> = [20, 2000]
            .into_iter()
            .map(|points| {
                let scenario = flagship_sweep(points);
                let arms = scenario.arms(&[]).expect("arms");
                let all: Vec<usize> = (0..runner::shape(&scenario, &arms).tasks()).collect();
                estimate(&scenario, &arms, &all, 2)
            })
            .collect();
        let (few, many) = (estimates[0], estimates[1]);
        assert_eq!(
            (few.per_task, few.in_flight),
            (many.per_task, many.in_flight)
        );
        // 7 arms × 5 replicates a point: two points in flight on two threads, whatever the
        // number of points; per point, a number per variant row: 6 variants, 5 segments (4
        // and all), 17 states (not_adopted, unserved, 15 providers).
        let per_point = (many.results - few.results) / 1980;
        assert_eq!(per_point, 6 * 5 * (5 * 17 + 7) * 8);
        // At least the rows a point of this sweep writes to metrics.csv: 2 730, of which 390
        // are the baseline's.
        assert!(per_point >= (2730 - 390) * 8, "{per_point} bytes a point");
        assert!(many.total < 1 << 30, "{} bytes", many.total);
    }

    #[test]
    fn meminfo_is_read_in_kibibytes() {
        let text = "MemTotal:       24683876 kB\nMemFree:        1 kB\nMemAvailable:   1000 kB\n";
        assert_eq!(parse_meminfo(text), Some(1_024_000));
        assert_eq!(parse_meminfo("MemTotal: 5 kB\n"), None);
    }

    #[test]
    fn ten_million_agents_need_about_a_gigabyte() {
        let scenario = flagship(10_000_000, 1);
        let arms = scenario.arms(&["baseline".into()]).expect("arms");
        let e = estimate(&scenario, &arms, &[0], 2);
        assert_eq!(e.in_flight, 1);
        // Measured peak: about 1.02 GB (0.87 GB before the flagship had usage weights, 4
        // bytes an agent, and 17 states instead of 12); the estimate counts the worst-case
        // change buffers.
        let per_agent = e.per_task as f64 / 1e7;
        assert!(
            (95.0..120.0).contains(&per_agent),
            "{per_agent} bytes per agent"
        );
    }

    #[test]
    fn many_tasks_count_one_per_thread() {
        let scenario = flagship(100_000, 10);
        let arms = scenario.arms(&[]).expect("arms");
        let all: Vec<usize> = (0..arms.len() * 10).collect();
        let e = estimate(&scenario, &arms, &all, 2);
        assert_eq!(e.in_flight, 2);
        // A shard of three of those tasks runs them one at a time and keeps their results only.
        let shard = estimate(&scenario, &arms, &all[..3], 2);
        assert_eq!(shard.in_flight, 1);
        assert_eq!(shard.per_task, e.per_task);
        assert_eq!(shard.results * all.len() as u64, e.results * 3);
        assert_eq!(tasks_in_flight(3, 2), 1);
        assert_eq!(tasks_in_flight(4, 2), 2);
        assert_eq!(tasks_in_flight(1000, 8), 8);
    }

    #[test]
    fn a_run_over_the_available_memory_is_refused_with_both_figures() {
        let scenario = flagship(4_000_000_000, 1);
        let arms = scenario.arms(&["baseline".into()]).expect("arms");
        let e = estimate(&scenario, &arms, &[0], 2);
        let err = check_against(&e, 16 << 30).expect_err("refused");
        assert!(err.is_refusal());
        let message = err.to_string();
        assert!(message.contains("not enough memory"), "{message}");
        assert!(message.contains("16.00 GiB available"), "{message}");
        assert!(check_against(&e, e.total).is_ok());
    }
}
