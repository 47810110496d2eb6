//! A run is a list of independent tasks, one per (point, arm, replicate), numbered as
//! [`Shape::index`] numbers them (docs/FORMAT.md, Shard folders). [`run`] runs them all;
//! [`run_tasks`] runs any subset and returns every result at once; [`run_points`] runs a
//! subset and hands over each sweep point's results as soon as its last task ends, in point
//! order, so that a run keeps only the points in flight. Tasks run in parallel when there
//! are enough of them to keep every thread busy; otherwise each task splits its steps across
//! threads.
//! Either way every number comes from keyed streams and integer counts, so the result does
//! not depend on the schedule.

use crate::error::{Error, Result};
use crate::model::{Simulation, StepTally};
use crate::results::{Flow, Results, Shape, TaskCounts};
use crate::scenario::{Arm, Scenario};
use crate::setup::{KEPT_BYTES, SetupCache};
use crate::spec::FIRST_PROVIDER;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// How often the thread that hands over points looks at the cancellation flag while no task
/// ends.
const POLL: Duration = Duration::from_millis(50);

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

/// How many sweep points [`run_points`] lets tasks start ahead of the first point not yet
/// handed over: enough for every worker to find a task while the slowest point finishes.
/// `resources::estimate` counts memory with it.
pub fn points_in_flight(tasks_per_point: usize, threads: usize) -> usize {
    let threads = threads.max(1);
    (2 * threads).div_ceil(tasks_per_point.max(1)) + 1
}

/// Runs the tasks numbered `tasks` (in increasing order) on `pool` and calls `on_point` with
/// each point's results as soon as that point's last task among them ends, in point order:
/// a [`Results`] of one point ([`Shape::one_point`]) holding those tasks, at their index
/// within the point, the others left empty. Tasks start in order, at most
/// [`points_in_flight`] points ahead of the first point not yet handed over, so the points
/// held at once stay few whatever the number of points. `cancel` stops the run with
/// [`Error::Interrupted`]; an error of `on_point` stops it with that error.
pub fn run_points(
    pool: &rayon::ThreadPool,
    scenario: &Scenario,
    arms: &[Arm<'_>],
    tasks: &[usize],
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
    on_point: &mut dyn FnMut(usize, Results) -> Result<()>,
) -> Result<()> {
    let shape = shape(scenario, arms);
    let per_point = shape.one_point().tasks();
    let point_of = |i: usize| tasks[i] / per_point;
    // The points, in order, with how many of their tasks this run has.
    let mut points: Vec<(usize, usize)> = Vec::new();
    for i in 0..tasks.len() {
        match points.last_mut() {
            Some((p, n)) if *p == point_of(i) => *n += 1,
            _ => points.push((point_of(i), 1)),
        }
    }
    let threads = pool.current_num_threads();
    let by_task = split_by_task(tasks.len(), threads);
    let workers = if by_task { threads.min(tasks.len()) } else { 1 };
    let window = points_in_flight(per_point, threads);
    // Each task's position among `points`, so that a worker knows how far ahead it is.
    let position_of: Vec<usize> = {
        let mut position = Vec::with_capacity(tasks.len());
        for (j, &(_, n)) in points.iter().enumerate() {
            position.extend(std::iter::repeat_n(j, n));
        }
        position
    };
    // Within a point, the arms of a replicate run one after another, so that they find the
    // replicate's set-up kept (`setup`).
    let mut order: Vec<usize> = (0..tasks.len()).collect();
    order.sort_by_key(|&i| {
        let task = shape.task(tasks[i]);
        (task.point, task.replicate, task.arm)
    });
    let kept = SetupCache::new(KEPT_BYTES);
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // The position of the first point not yet handed over, and its change.
    let handed = (Mutex::new(0usize), Condvar::new());
    let (sender, receiver) = mpsc::channel::<(usize, Result<TaskCounts>)>();
    let worker = |sender: mpsc::Sender<(usize, Result<TaskCounts>)>| {
        loop {
            let n = next.fetch_add(1, Ordering::SeqCst);
            if n >= tasks.len() || stop.load(Ordering::SeqCst) {
                return;
            }
            let i = order[n];
            {
                let (first, changed) = &handed;
                let mut first = first.lock().unwrap_or_else(|e| e.into_inner());
                while position_of[i] >= *first + window && !stop.load(Ordering::SeqCst) {
                    first = changed
                        .wait_timeout(first, POLL)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            }
            if stop.load(Ordering::SeqCst) {
                return;
            }
            let task = shape.task(tasks[i]);
            let arm = &arms[shape.slot(task.point, task.arm)];
            let result = simulate(
                scenario,
                arm,
                task.replicate,
                !by_task,
                &kept,
                &stop,
                progress,
            );
            let failed = result.is_err();
            if sender.send((i, result)).is_err() || failed {
                return;
            }
        }
    };
    std::thread::scope(|scope| {
        let workers_done = scope.spawn(|| {
            pool.scope(|s| {
                for _ in 0..workers {
                    let sender = sender.clone();
                    s.spawn(|_| worker(sender));
                }
            });
            drop(sender);
        });
        let outcome = hand_over(
            scenario, arms, &points, tasks, &receiver, cancel, &stop, &handed, on_point,
        );
        stop.store(true, Ordering::SeqCst);
        handed.1.notify_all();
        drop(receiver);
        // A worker's panic is the run's.
        if let Err(panic) = workers_done.join() {
            std::panic::resume_unwind(panic);
        }
        outcome
    })
}

/// The consuming side of [`run_points`]: collects the tasks as they end and hands over each
/// complete point in order.
#[allow(clippy::too_many_arguments)]
fn hand_over(
    scenario: &Scenario,
    arms: &[Arm<'_>],
    points: &[(usize, usize)],
    tasks: &[usize],
    receiver: &mpsc::Receiver<(usize, Result<TaskCounts>)>,
    cancel: &AtomicBool,
    stop: &AtomicBool,
    handed: &(Mutex<usize>, Condvar),
    on_point: &mut dyn FnMut(usize, Results) -> Result<()>,
) -> Result<()> {
    let shape = shape(scenario, arms);
    let per_point = shape.one_point().tasks();
    let slots = shape.arms();
    // Points with tasks ended, by position among `points`: their results and how many of
    // their tasks are still running.
    let mut open: BTreeMap<usize, (Results, usize)> = BTreeMap::new();
    let mut first = 0;
    let mut position_of_point: BTreeMap<usize, usize> = BTreeMap::new();
    for (j, &(p, _)) in points.iter().enumerate() {
        position_of_point.insert(p, j);
    }
    while first < points.len() {
        if cancel.load(Ordering::SeqCst) {
            stop.store(true, Ordering::SeqCst);
            return Err(Error::Interrupted);
        }
        let (i, result) = match receiver.recv_timeout(POLL) {
            Ok(message) => message,
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            // Every worker has ended without handing over every point: one stopped on an
            // error that it sent first, so this is never reached with points missing.
            Err(mpsc::RecvTimeoutError::Disconnected) => return Err(Error::Interrupted),
        };
        let counts = result?;
        let k = tasks[i];
        let point = k / per_point;
        let j = position_of_point[&point];
        let (results, missing) = open.entry(j).or_insert_with(|| {
            let segment_agents = arms[point * slots..(point + 1) * slots]
                .iter()
                .map(|a| a.setup.segments.iter().map(|s| s.agents).collect())
                .collect();
            (
                Results::empty(shape.one_point(), segment_agents),
                points[j].1,
            )
        });
        results.set_task(k % per_point, counts);
        *missing -= 1;
        while open.get(&first).is_some_and(|(_, missing)| *missing == 0) {
            let (results, _) = open.remove(&first).expect("checked above");
            on_point(points[first].0, results)?;
            first += 1;
            *handed.0.lock().unwrap_or_else(|e| e.into_inner()) = first;
            handed.1.notify_all();
        }
    }
    Ok(())
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
