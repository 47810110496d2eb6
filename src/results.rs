//! What a run produced: integer counts per task, step, segment and state, and the flows
//! between states. One type, [`Results`], holds them whether a run has just simulated them, a
//! merge has read them back from its shards, or `compare` and `plot` have read them back from
//! an output folder; the statistics over replicates that `summary.csv`, `comparison.csv` and
//! the charts show are computed here, once.
//!
//! A run is a list of tasks, one per (point, arm, replicate) ([`Task`]); [`Shape`] numbers
//! them. An arm *slot* is one arm at one sweep point, point × arms + arm; without a sweep
//! there is one point and slots are arms.

use crate::stats::{self, Summary};

/// The size of a run's results: how many sweep points, arms, replicates, steps, segments
/// and states. Every dimension is at least one (at least two states), and the number of
/// tasks fits in memory indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    points: usize,
    arms: usize,
    replicates: u32,
    steps: u32,
    segments: usize,
    states: usize,
}

/// One task of a run: an arm at a sweep point, one replicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Task {
    /// The sweep point (0 without a sweep).
    pub point: usize,
    /// The arm: 0 is the baseline, then the variants run, in file order.
    pub arm: usize,
    /// The replicate.
    pub replicate: u32,
}

impl Shape {
    /// The shape of a run's results; `None` when a dimension is empty, there are fewer than
    /// two states, or the counts of one task would not be addressable.
    pub fn new(
        points: usize,
        arms: usize,
        replicates: u32,
        steps: u32,
        segments: usize,
        states: usize,
    ) -> Option<Shape> {
        let shape = Shape {
            points,
            arms,
            replicates,
            steps,
            segments,
            states,
        };
        let cells = (steps as usize)
            .checked_add(1)
            .and_then(|t| t.checked_mul(segments))
            .and_then(|n| n.checked_mul(states));
        let tasks = points
            .checked_mul(arms)
            .and_then(|s| s.checked_mul(replicates as usize));
        let valid = points > 0 && arms > 0 && replicates > 0 && segments > 0 && states >= 2;
        (valid && cells.is_some() && tasks.is_some()).then_some(shape)
    }

    /// Sweep points (1 without a sweep).
    pub fn points(&self) -> usize {
        self.points
    }

    /// Arms at each point: the baseline, then the variants run.
    pub fn arms(&self) -> usize {
        self.arms
    }

    /// Replicates per arm.
    pub fn replicates(&self) -> u32 {
        self.replicates
    }

    /// Steps after step 0.
    pub fn steps(&self) -> u32 {
        self.steps
    }

    /// Segments, in file order (`all` is not one of them).
    pub fn segments(&self) -> usize {
        self.segments
    }

    /// States: `not_adopted`, `unserved`, then the providers.
    pub fn states(&self) -> usize {
        self.states
    }

    /// Arm slots: points × arms.
    pub fn slots(&self) -> usize {
        self.points * self.arms
    }

    /// The slot of an arm at a point.
    pub fn slot(&self, point: usize, arm: usize) -> usize {
        point * self.arms + arm
    }

    /// Tasks: points × arms × replicates.
    pub fn tasks(&self) -> usize {
        self.slots() * self.replicates as usize
    }

    /// The index of a task, k = (point × arms + arm) × replicates + replicate: the order of
    /// the rows in every file, and what a shard's share is computed from.
    pub fn index(&self, task: Task) -> usize {
        self.task_in_slot(self.slot(task.point, task.arm), task.replicate)
    }

    /// The index of a replicate of an arm slot.
    pub fn task_in_slot(&self, slot: usize, replicate: u32) -> usize {
        slot * self.replicates as usize + replicate as usize
    }

    /// The task numbered `k` (below [`Shape::tasks`]).
    pub fn task(&self, k: usize) -> Task {
        let replicates = self.replicates as usize;
        let slot = k / replicates;
        Task {
            point: slot / self.arms,
            arm: slot % self.arms,
            replicate: (k % replicates) as u32,
        }
    }

    /// The counts of one task: (steps + 1) × segments × states.
    pub fn cells(&self) -> usize {
        (self.steps as usize + 1) * self.segments * self.states
    }

    /// The position of a count among a task's counts.
    pub fn cell(&self, step: u32, segment: usize, state: usize) -> usize {
        (step as usize * self.segments + segment) * self.states + state
    }

    /// The segments a segment index stands for: itself, or every segment for `segments`
    /// (the `all` rows).
    pub fn segment_range(&self, segment: usize) -> std::ops::Range<usize> {
        if segment == self.segments {
            0..self.segments
        } else {
            segment..segment + 1
        }
    }

    /// The shape of one point of these results.
    pub fn one_point(&self) -> Shape {
        Shape { points: 1, ..*self }
    }
}

/// One change of state, summed over a segment's agents, at one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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

/// What one task produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskCounts {
    /// `counts[Shape::cell(step, segment, state)]`: agents in a state; empty until the task
    /// has run or been read.
    pub(crate) counts: Vec<u32>,
    /// Every non-zero flow, sorted by step, segment, from, to. Left empty by readers that
    /// only need the agents leaving each state ([`Switches`]).
    pub(crate) flows: Vec<Flow>,
    /// `usage[Shape::cell(step, segment, state)]`: the usage weight of the agents in a state;
    /// empty when no segment declares usage.
    pub(crate) usage: Vec<f64>,
}

impl TaskCounts {
    /// Agents per (step, segment, state), at [`Shape::cell`]; empty until the task has run
    /// or been read.
    pub fn counts(&self) -> &[u32] {
        &self.counts
    }

    /// Every non-zero flow, sorted by step, segment, from, to.
    pub fn flows(&self) -> &[Flow] {
        &self.flows
    }

    /// Usage weight per (step, segment, state), at [`Shape::cell`]; empty without usage.
    pub fn usage(&self) -> &[f64] {
        &self.usage
    }
}

/// What a share is a share of: the segment's agents, or its usage (docs/MODEL.md, Usage).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Measure {
    /// Agents: the share of a segment's agents in a state.
    #[default]
    Agents,
    /// Usage: the share of a segment's usage weight held by its agents in a state.
    Usage,
}

/// The results of a run: every task's counts, and the agents of each segment per arm slot.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    shape: Shape,
    /// What [`Results::shares`], and the statistics over them, measure.
    measure: Measure,
    /// Per slot, agents per segment (a variant or a point may change the population).
    segment_agents: Vec<Vec<u32>>,
    tasks: Vec<TaskCounts>,
}

/// The agents leaving each state over the horizon, per task and segment: all that the
/// metrics need of the flows, which take several times the counts' memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Switches {
    shape: Shape,
    /// `left[(k * segments + segment) * states + from]`.
    left: Vec<u64>,
}

impl Switches {
    /// No switch yet, for every task of `shape`.
    pub fn new(shape: Shape) -> Switches {
        Switches {
            shape,
            left: vec![0; shape.tasks() * shape.segments() * shape.states()],
        }
    }

    /// The tasks, segments and states counted.
    pub fn shape(&self) -> &Shape {
        &self.shape
    }

    fn position(&self, k: usize, segment: usize, state: usize) -> usize {
        (k * self.shape.segments + segment) * self.shape.states + state
    }

    /// Counts `agents` leaving `from` in a segment of task k.
    pub fn add(&mut self, k: usize, segment: usize, from: usize, agents: u32) {
        let i = self.position(k, segment, from);
        self.left[i] += u64::from(agents);
    }

    /// Agents of a segment (`segments` is `all`) that left `state` in one replicate of a
    /// slot, over the horizon.
    pub fn left(&self, slot: usize, replicate: u32, segment: usize, state: usize) -> u64 {
        let k = self.shape.task_in_slot(slot, replicate);
        self.shape
            .segment_range(segment)
            .map(|s| self.left[self.position(k, s, state)])
            .sum()
    }

    /// The switches with their states grouped as [`Results::grouped`] groups them (`to` maps
    /// a state to its group's state): a group's are the sums of its providers'.
    pub fn grouped(&self, states: usize, to: impl Fn(usize) -> usize) -> Switches {
        Switches {
            shape: Shape {
                states,
                ..self.shape
            },
            left: regroup(&self.left, self.shape.states, states, to),
        }
    }

    /// Splits the switches into one per point, as [`Results::into_points`] does.
    pub fn into_points(self) -> Vec<Switches> {
        let shape = self.shape.one_point();
        let per_point = shape.tasks() * shape.segments * shape.states;
        self.left
            .chunks(per_point.max(1))
            .map(|left| Switches {
                shape,
                left: left.to_vec(),
            })
            .collect()
    }
}

/// A variant's paired difference from its baseline, over replicates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Difference {
    /// The baseline's mean.
    pub baseline_mean: f64,
    /// The variant's mean.
    pub variant_mean: f64,
    /// The mean of the differences, replicate by replicate.
    pub mean: f64,
    /// The lower end of its Student-t 95% interval.
    pub low: f64,
    /// The upper end of its Student-t 95% interval.
    pub high: f64,
}

/// Rows of `from` states added into rows of `into` states, state s of a row into state
/// `to(s)`, in state order.
fn regroup<T: Copy + Default + std::ops::AddAssign>(
    values: &[T],
    from: usize,
    into: usize,
    to: impl Fn(usize) -> usize,
) -> Vec<T> {
    let mut out = vec![T::default(); values.len() / from * into];
    for (row, out_row) in values.chunks(from).zip(out.chunks_mut(into)) {
        for (state, &x) in row.iter().enumerate() {
            out_row[to(state)] += x;
        }
    }
    out
}

/// `count / agents`, the share of a segment's agents; 0 for a segment with no agents.
pub fn share(count: u64, agents: u64) -> f64 {
    if agents == 0 {
        0.0
    } else {
        count as f64 / agents as f64
    }
}

impl Results {
    /// Results of `shape` with every task still empty; `segment_agents` has one entry per
    /// slot of one entry per segment.
    ///
    /// # Panics
    /// When `segment_agents` does not have that shape: callers build it from the same
    /// description as `shape`.
    pub fn empty(shape: Shape, segment_agents: Vec<Vec<u32>>) -> Results {
        assert!(
            segment_agents.len() == shape.slots()
                && segment_agents.iter().all(|s| s.len() == shape.segments()),
            "segment agents do not match the shape"
        );
        Results {
            shape,
            measure: Measure::Agents,
            segment_agents,
            tasks: vec![TaskCounts::default(); shape.tasks()],
        }
    }

    /// The size of these results.
    pub fn shape(&self) -> &Shape {
        &self.shape
    }

    /// Agents per segment of a slot.
    pub fn segment_agents(&self, slot: usize) -> &[u32] {
        &self.segment_agents[slot]
    }

    /// Every slot's agents per segment.
    pub fn all_segment_agents(&self) -> &[Vec<u32>] {
        &self.segment_agents
    }

    /// Task k's counts and flows.
    pub fn task(&self, k: usize) -> &TaskCounts {
        &self.tasks[k]
    }

    /// Task k's counts and flows, to fill in.
    pub(crate) fn task_mut(&mut self, k: usize) -> &mut TaskCounts {
        &mut self.tasks[k]
    }

    /// Sets task k's counts and flows, as the runner returns them.
    ///
    /// # Panics
    /// When `task` does not hold a count for every cell of the shape.
    pub fn set_task(&mut self, k: usize, task: TaskCounts) {
        assert_eq!(task.counts.len(), self.shape.cells(), "a task's counts");
        self.tasks[k] = task;
    }

    /// Agents of `segment` in `state` at `step` of task k.
    pub fn count(&self, k: usize, step: u32, segment: usize, state: usize) -> u32 {
        self.tasks[k].counts[self.shape.cell(step, segment, state)]
    }

    /// Agents of a segment (`segments` is `all`) in `state` at `step`, in one replicate of a
    /// slot.
    pub fn count_of(
        &self,
        slot: usize,
        replicate: u32,
        step: u32,
        segment: usize,
        state: usize,
    ) -> u64 {
        let k = self.shape.task_in_slot(slot, replicate);
        self.shape
            .segment_range(segment)
            .map(|s| u64::from(self.count(k, step, s, state)))
            .sum()
    }

    /// Agents of a segment (`segments` is `all`) in a slot.
    pub fn agents(&self, slot: usize, segment: usize) -> u64 {
        self.shape
            .segment_range(segment)
            .map(|s| u64::from(self.segment_agents[slot][s]))
            .sum()
    }

    /// Per replicate, the share of `state` in a segment (`segments` is `all`) at `step`: of
    /// its agents, or of its usage when measured by usage.
    pub fn shares(&self, slot: usize, step: u32, segment: usize, state: usize) -> Vec<f64> {
        let agents = self.agents(slot, segment);
        (0..self.shape.replicates)
            .map(|r| match self.measure {
                Measure::Agents => share(self.count_of(slot, r, step, segment, state), agents),
                Measure::Usage => self.usage_share(slot, r, step, segment, |s| s == state),
            })
            .collect()
    }

    /// What the shares measure.
    pub fn measure(&self) -> Measure {
        self.measure
    }

    /// Makes the shares measure `measure`; false, changing nothing, for usage when the tasks
    /// carry none.
    pub fn set_measure(&mut self, measure: Measure) -> bool {
        if measure == Measure::Usage && !self.all_have_usage() {
            return false;
        }
        self.measure = measure;
        true
    }

    /// The share of a segment's usage (`segments` is `all`) held by its agents in the states
    /// `of` selects, at `step` of one replicate of a slot; 0 without usage. Each segment's
    /// usage and the selected part of it are added in state order, then segment by segment,
    /// so that the share is the same bits wherever it is computed.
    pub fn usage_share(
        &self,
        slot: usize,
        replicate: u32,
        step: u32,
        segment: usize,
        of: impl Fn(usize) -> bool,
    ) -> f64 {
        let k = self.shape.task_in_slot(slot, replicate);
        let usage = &self.tasks[k].usage;
        if usage.is_empty() {
            return 0.0;
        }
        let (mut part, mut total) = (0.0, 0.0);
        for s in self.shape.segment_range(segment) {
            let first = self.shape.cell(step, s, 0);
            let by_state = &usage[first..first + self.shape.states];
            part += by_state
                .iter()
                .enumerate()
                .filter(|&(state, _)| of(state))
                .map(|(_, u)| u)
                .sum::<f64>();
            total += by_state.iter().sum::<f64>();
        }
        if total > 0.0 { part / total } else { 0.0 }
    }

    /// The results with their states grouped into `states` states, state s into `to(s)`
    /// (every group's state below `states`): a group's counts and usage are the sums of its
    /// states', added in state order; flows are dropped.
    pub fn grouped(&self, states: usize, to: impl Fn(usize) -> usize + Copy) -> Results {
        let shape = Shape {
            states,
            ..self.shape
        };
        Results {
            shape,
            measure: self.measure,
            segment_agents: self.segment_agents.clone(),
            tasks: self
                .tasks
                .iter()
                .map(|t| TaskCounts {
                    counts: regroup(&t.counts, self.shape.states, shape.states, to),
                    flows: Vec::new(),
                    usage: regroup(&t.usage, self.shape.states, shape.states, to),
                })
                .collect(),
        }
    }

    /// The share's mean, spread and interval over replicates: a row of `summary.csv`, a
    /// point of a chart's band.
    pub fn summary(&self, slot: usize, step: u32, segment: usize, state: usize) -> Summary {
        Summary::of(&self.shares(slot, step, segment, state))
    }

    /// The share's difference `slot - baseline`, paired by replicate: a row of
    /// `comparison.csv`, a point of a difference chart.
    pub fn difference(
        &self,
        baseline: usize,
        slot: usize,
        step: u32,
        segment: usize,
        state: usize,
    ) -> Difference {
        let base = self.shares(baseline, step, segment, state);
        let other = self.shares(slot, step, segment, state);
        // Paired difference, Student t over replicates (common random numbers).
        let (mean, low, high) = stats::paired_difference(&base, &other);
        Difference {
            baseline_mean: stats::mean(&base),
            variant_mean: stats::mean(&other),
            mean,
            low,
            high,
        }
    }

    /// Sets every slot's agents per segment, as read back from the counts.
    ///
    /// # Panics
    /// When `segment_agents` does not have one entry per slot of one per segment.
    pub(crate) fn set_segment_agents(&mut self, segment_agents: Vec<Vec<u32>>) {
        assert!(
            segment_agents.len() == self.shape.slots()
                && segment_agents
                    .iter()
                    .all(|s| s.len() == self.shape.segments()),
            "segment agents do not match the shape"
        );
        self.segment_agents = segment_agents;
    }

    /// Whether the tasks carry usage (some segment declares it): every task run or read
    /// then does.
    pub fn has_usage(&self) -> bool {
        self.tasks.iter().any(|t| !t.usage.is_empty())
    }

    /// Whether every task carries usage.
    pub fn all_have_usage(&self) -> bool {
        self.tasks.iter().all(|t| !t.usage.is_empty())
    }

    /// The usage weight of `segment` in `state` at `step` of task k; 0 without usage.
    pub fn usage(&self, k: usize, step: u32, segment: usize, state: usize) -> f64 {
        let usage = &self.tasks[k].usage;
        if usage.is_empty() {
            0.0
        } else {
            usage[self.shape.cell(step, segment, state)]
        }
    }

    /// Whether every task's counts are filled in.
    pub fn complete(&self) -> bool {
        let cells = self.shape.cells();
        self.tasks.iter().all(|t| t.counts.len() == cells)
    }

    /// Splits the results into one per point, each of [`Shape::one_point`], moving the
    /// counts rather than copying them.
    pub fn into_points(self) -> Vec<Results> {
        let shape = self.shape.one_point();
        let (slots, tasks) = (shape.slots(), shape.tasks());
        let mut agents = self.segment_agents.into_iter();
        let mut counts = self.tasks.into_iter();
        (0..self.shape.points)
            .map(|_| Results {
                shape,
                measure: self.measure,
                segment_agents: agents.by_ref().take(slots).collect(),
                tasks: counts.by_ref().take(tasks).collect(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_indices_number_points_then_arms_then_replicates() {
        let shape = Shape::new(3, 2, 4, 5, 1, 3).unwrap();
        assert_eq!(shape.tasks(), 24);
        for k in 0..shape.tasks() {
            let task = shape.task(k);
            assert_eq!(shape.index(task), k);
            assert_eq!(k, (task.point * 2 + task.arm) * 4 + task.replicate as usize);
        }
        assert_eq!(
            shape.task(13),
            Task {
                point: 1,
                arm: 1,
                replicate: 1
            }
        );
    }

    #[test]
    fn empty_or_unaddressable_shapes_do_not_exist() {
        assert!(Shape::new(0, 1, 1, 1, 1, 2).is_none());
        assert!(Shape::new(1, 1, 0, 1, 1, 2).is_none());
        assert!(Shape::new(1, 1, 1, 1, 1, 1).is_none());
        assert!(Shape::new(1, 1, 1, u32::MAX, usize::MAX / 2, 2).is_none());
    }

    #[test]
    fn all_sums_the_segments_and_shares_divide_by_their_agents() {
        let shape = Shape::new(1, 1, 2, 0, 2, 2).unwrap();
        let mut results = Results::empty(shape, vec![vec![4, 6]]);
        results.task_mut(0).counts = vec![1, 3, 6, 0];
        results.task_mut(1).counts = vec![2, 2, 3, 3];
        assert_eq!(results.count_of(0, 0, 0, 2, 0), 7);
        assert_eq!(results.agents(0, 2), 10);
        assert_eq!(results.shares(0, 0, 0, 0), vec![0.25, 0.5]);
        assert_eq!(results.shares(0, 0, 2, 1), vec![0.3, 0.5]);
        assert_eq!(share(3, 0), 0.0);
        assert!(results.complete());
    }

    #[test]
    fn splitting_by_point_keeps_each_points_tasks() {
        let shape = Shape::new(2, 1, 1, 0, 1, 2).unwrap();
        let mut results = Results::empty(shape, vec![vec![1], vec![2]]);
        results.task_mut(0).counts = vec![1, 0];
        results.task_mut(1).counts = vec![0, 2];
        let points = results.into_points();
        assert_eq!(points.len(), 2);
        assert_eq!(points[1].segment_agents(0), &[2]);
        assert_eq!(points[1].task(0).counts, vec![0, 2]);
        assert_eq!(points[0].shape().points(), 1);
    }
}
