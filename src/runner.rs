//! A run is a list of independent tasks, one per (point, arm, replicate), numbered as
//! [`Shape::index`] numbers them (docs/FORMAT.md, Shard folders). [`run`] runs them all;
//! [`run_tasks`] runs any subset, which is how a shard runs its share. Tasks run in parallel
//! when there are enough of them to keep every thread busy; otherwise each task splits its
//! steps across threads.
//! Either way every number comes from keyed streams and integer counts, so the result does
//! not depend on the schedule.

use crate::error::{Error, Result};
use crate::model::{Simulation, StepTally};
use crate::results::{Flow, Results, Shape, TaskCounts};
use crate::scenario::{Arm, Scenario};
use crate::setup::{KEPT_BYTES, SetupCache};
use crate::spec::FIRST_PROVIDER;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// The shape of the results of `arms` (as [`Scenario::arms`] lists them, point by point).
pub fn shape(scenario: &Scenario, arms: &[Arm<'_>]) -> Shape {
    let points = arms.iter().map(|a| a.point + 1).max().unwrap_or(1);
    Shape::new(
        points,
        arms.len() / points,
        scenario.replicates,
        scenario.calendar.steps(),
        scenario.segments.len(),
        FIRST_PROVIDER as usize + scenario.providers.len(),
    )
    // Validation guarantees at least one arm, replicate, segment and provider.
    .expect("a validated scenario has results of a valid shape")
}

/// The results of `arms`, with every task still empty.
pub fn empty(scenario: &Scenario, arms: &[Arm<'_>]) -> Results {
    let segment_agents = arms
        .iter()
        .map(|a| a.setup.segments.iter().map(|s| s.agents).collect())
        .collect();
    Results::empty(shape(scenario, arms), segment_agents)
}

/// Runs every replicate of every arm (of every sweep point). `progress` receives agent-steps
/// as they are done; `cancel` stops the run at the next step with [`Error::Interrupted`].
pub fn run(
    scenario: &Scenario,
    arms: &[Arm<'_>],
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Results> {
    let mut results = empty(scenario, arms);
    let all: Vec<usize> = (0..results.shape().tasks()).collect();
    for (k, counts) in run_tasks(scenario, arms, &all, cancel, progress)?
        .into_iter()
        .enumerate()
    {
        results.set_task(k, counts);
    }
    Ok(results)
}

/// Runs the tasks numbered `tasks` (as [`Shape::index`] numbers them) and returns their
/// results in the same order.
pub fn run_tasks(
    scenario: &Scenario,
    arms: &[Arm<'_>],
    tasks: &[usize],
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<TaskCounts>> {
    let shape = shape(scenario, arms);
    // The arms of a replicate run one after another, point by point, so that they find the
    // replicate's set-up kept (`setup`); the results go back to the order asked for.
    let mut order: Vec<usize> = (0..tasks.len()).collect();
    order.sort_by_key(|&i| {
        let task = shape.task(tasks[i]);
        (task.point, task.replicate, task.arm)
    });
    let runs: Vec<(usize, u32)> = order
        .iter()
        .map(|&i| {
            let task = shape.task(tasks[i]);
            (shape.slot(task.point, task.arm), task.replicate)
        })
        .collect();
    let by_task = split_by_task(runs.len(), rayon::current_num_threads());
    let kept = SetupCache::new(KEPT_BYTES);
    let run_task = |&(arm, replicate): &(usize, u32)| {
        simulate(
            scenario, &arms[arm], replicate, !by_task, &kept, cancel, progress,
        )
    };
    let ran: Vec<TaskCounts> = if by_task {
        runs.par_iter().map(run_task).collect::<Result<_>>()?
    } else {
        runs.iter().map(run_task).collect::<Result<_>>()?
    };
    let mut in_order: Vec<(usize, TaskCounts)> = order.into_iter().zip(ran).collect();
    in_order.sort_unstable_by_key(|&(i, _)| i);
    Ok(in_order.into_iter().map(|(_, counts)| counts).collect())
}

/// The parallelism rule. Many tasks (at least two per thread): one task per thread, each
/// sequential, which keeps every thread busy without sharing work inside a task. Few: one
/// task at a time, each step split across the threads in blocks of agents, which also keeps
/// only one large population in memory at once. `resources::estimate` counts memory with it.
pub fn split_by_task(tasks: usize, threads: usize) -> bool {
    tasks >= 2 * threads.max(1)
}

/// Simulates one (arm, replicate) over the whole horizon, with the set-up kept in `kept` when
/// another task drew the same.
fn simulate(
    scenario: &Scenario,
    arm: &Arm<'_>,
    replicate: u32,
    parallel: bool,
    kept: &SetupCache,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<TaskCounts> {
    let steps = scenario.calendar.steps();
    let population = u64::from(arm.setup.population);
    let (mut sim, initial) = Simulation::new(
        arm.setup,
        scenario.seed,
        replicate,
        scenario.tasks.len(),
        scenario.languages.len(),
        parallel,
        kept,
    );
    let states = FIRST_PROVIDER as usize + scenario.providers.len();
    let mut result = TaskCounts {
        counts: Vec::with_capacity(initial.counts.len() * (steps as usize + 1)),
        flows: Vec::new(),
        usage: Vec::new(),
    };
    record(&mut result, 0, &initial, states);
    for _ in 0..steps {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Interrupted);
        }
        let tally = sim.advance();
        record(&mut result, sim.step(), &tally, states);
        progress(population);
    }
    Ok(result)
}

fn record(result: &mut TaskCounts, step: u32, tally: &StepTally, states: usize) {
    result.counts.extend_from_slice(&tally.counts);
    result.usage.extend_from_slice(&tally.usage);
    if step == 0 {
        return;
    }
    for (cell, &agents) in tally.flows.iter().enumerate() {
        if agents > 0 {
            result.flows.push(Flow {
                step,
                segment: (cell / (states * states)) as u16,
                from: ((cell / states) % states) as u8,
                to: (cell % states) as u8,
                agents,
            });
        }
    }
}
