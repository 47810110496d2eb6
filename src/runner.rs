//! A run is a list of independent tasks, one per (point, arm, replicate), with task index
//! k = (point × arms + arm) × replicates + replicate (contract 10). [`run`] runs them all;
//! [`run_tasks`] runs any subset, which is how a shard runs its share. Tasks run in parallel
//! when there are enough of them to keep every thread busy; otherwise each task splits its
//! steps across threads.
//! Either way every number comes from keyed streams and integer counts, so the result does
//! not depend on the schedule.

use crate::error::{Error, Result};
use crate::model::{Simulation, StepTally};
use crate::scenario::{Arm, Scenario};
use crate::spec::FIRST_PROVIDER;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// One change of state, summed over a segment's agents, at one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flow {
    /// The step at which the agents are in state `to` (>= 1).
    pub step: u32,
    /// The segment, in file order.
    pub segment: u16,
    /// The state at step - 1.
    pub from: u8,
    /// The state at `step`.
    pub to: u8,
    /// How many agents moved.
    pub agents: u32,
}

/// What one (point, arm, replicate) produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplicateResult {
    /// `counts[(step * segments + segment) * states + state]`.
    pub counts: Vec<u32>,
    /// Every non-zero flow, sorted by step, segment, from, to.
    pub flows: Vec<Flow>,
}

/// The results of a run, with what is needed to read them. An arm *slot* is one arm at one
/// sweep point, point × arms + arm; without a sweep there is one point and slots are arms.
#[derive(Debug, Clone)]
pub struct Results {
    /// The arms run at each point: `baseline` first, then variants in file order.
    pub arms: Vec<String>,
    /// Sweep points (1 without a sweep).
    pub points: usize,
    /// Replicates per arm.
    pub replicates: u32,
    /// Steps after step 0.
    pub steps: u32,
    /// Segments, in file order.
    pub segments: usize,
    /// States: `not_adopted`, `unserved`, then the providers.
    pub states: usize,
    /// Agents per segment, per arm slot (a variant or a point may change the population or
    /// the shares).
    pub segment_agents: Vec<Vec<u32>>,
    /// Results of task k = slot × replicates + replicate.
    pub tasks: Vec<ReplicateResult>,
}

impl Results {
    /// The shape of the results of `arms` (as [`Scenario::arms`] lists them, point by point),
    /// with every task still empty.
    pub fn empty(scenario: &Scenario, arms: &[Arm<'_>]) -> Results {
        let points = arms.iter().map(|a| a.point + 1).max().unwrap_or(1);
        let slots = arms.len();
        Results {
            arms: arms
                .iter()
                .filter(|a| a.point == 0)
                .map(|a| a.name.to_owned())
                .collect(),
            points,
            replicates: scenario.replicates,
            steps: scenario.calendar.steps(),
            segments: scenario.segments.len(),
            states: FIRST_PROVIDER as usize + scenario.providers.len(),
            segment_agents: arms
                .iter()
                .map(|a| a.setup.segments.iter().map(|s| s.agents).collect())
                .collect(),
            tasks: vec![ReplicateResult::default(); slots * scenario.replicates as usize],
        }
    }

    /// The number of tasks: points × arms × replicates.
    pub fn task_count(&self) -> usize {
        self.points * self.arms.len() * self.replicates as usize
    }

    /// The result of one replicate of one arm slot.
    pub fn task(&self, slot: usize, replicate: u32) -> &ReplicateResult {
        &self.tasks[slot * self.replicates as usize + replicate as usize]
    }

    /// Agents of `segment` in `state` at `step` of one task.
    pub fn count(&self, task: &ReplicateResult, step: u32, segment: usize, state: usize) -> u32 {
        task.counts[(step as usize * self.segments + segment) * self.states + state]
    }
}

/// Runs every replicate of every arm (of every sweep point). `progress` receives agent-steps
/// as they are done; `cancel` stops the run at the next step with [`Error::Interrupted`].
pub fn run(
    scenario: &Scenario,
    arms: &[Arm<'_>],
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Results> {
    let mut results = Results::empty(scenario, arms);
    let all: Vec<usize> = (0..results.tasks.len()).collect();
    results.tasks = run_tasks(scenario, arms, &all, cancel, progress)?;
    Ok(results)
}

/// Runs the tasks numbered `tasks` (k = slot × replicates + replicate, slots as in
/// [`Results::empty`]) and returns their results in the same order.
pub fn run_tasks(
    scenario: &Scenario,
    arms: &[Arm<'_>],
    tasks: &[usize],
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<ReplicateResult>> {
    let replicates = scenario.replicates as usize;
    let tasks: Vec<(usize, u32)> = tasks
        .iter()
        .map(|&k| (k / replicates, (k % replicates) as u32))
        .collect();
    let by_task = split_by_task(tasks.len(), rayon::current_num_threads());
    let run_task = |&(arm, replicate): &(usize, u32)| {
        simulate(scenario, &arms[arm], replicate, !by_task, cancel, progress)
    };
    if by_task {
        tasks.par_iter().map(run_task).collect()
    } else {
        tasks.iter().map(run_task).collect()
    }
}

/// The parallelism rule. Many tasks (at least two per thread): one task per thread, each
/// sequential, which keeps every thread busy without sharing work inside a task. Few: one
/// task at a time, each step split across the threads in blocks of agents, which also keeps
/// only one large population in memory at once. `resources::estimate` counts memory with it.
pub fn split_by_task(tasks: usize, threads: usize) -> bool {
    tasks >= 2 * threads.max(1)
}

/// Simulates one (arm, replicate) over the whole horizon.
fn simulate(
    scenario: &Scenario,
    arm: &Arm<'_>,
    replicate: u32,
    parallel: bool,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ReplicateResult> {
    let steps = scenario.calendar.steps();
    let population = u64::from(arm.setup.population);
    let (mut sim, initial) = Simulation::new(
        arm.setup,
        scenario.seed,
        replicate,
        scenario.tasks.len(),
        scenario.languages.len(),
        parallel,
    );
    let states = FIRST_PROVIDER as usize + scenario.providers.len();
    let mut result = ReplicateResult {
        counts: Vec::with_capacity(initial.counts.len() * (steps as usize + 1)),
        flows: Vec::new(),
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

fn record(result: &mut ReplicateResult, step: u32, tally: &StepTally, states: usize) {
    result.counts.extend_from_slice(&tally.counts);
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
