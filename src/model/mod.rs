//! The model of docs/MODEL.md (3. Process overview and scheduling): one (variant, replicate) simulated step by step.
//!
//! Steps are synchronous: every decision at step t reads only the state of step t-1 and draws
//! only from streams keyed by (seed, replicate, agent, step, purpose), so agents can be updated
//! in any order and in parallel blocks with the same result. The model does no I/O, never
//! creates a generator of its own, and allocates nothing per agent per step.

mod cache;
mod choice;
mod logit;

use cache::Derived;
use choice::{Choice, adoption_hazard, adoption_probability, still_usable, utility};
use logit::pick;

use crate::network::{Graph, Network};
use crate::population::Agents;
use crate::rng::{AgentDraws, Purpose, ReplicateStreams, StepStream, Threshold};
use crate::setup::{ReplicateSetup, SetupCache};
use crate::spec::{AgentRefresh, FIRST_PROVIDER, NOT_ADOPTED, Params, Setup, UNSERVED, Weight};
use rayon::prelude::*;
use std::sync::Arc;

/// Slots per block of work: at least this many, to amortise scheduling...
const MIN_BLOCK: usize = 16_384;
/// ...and at most this many blocks, to bound the per-block buffers; with 2^8 blocks a step
/// still balances across any realistic number of threads.
const MAX_BLOCKS: usize = 256;

/// The agents per (segment, state) at one step, and the changes of state since the last.
#[derive(Debug, Clone, PartialEq)]
pub struct StepTally {
    /// `counts[segment * states + state]`.
    pub counts: Vec<u32>,
    /// `flows[(segment * states + from) * states + to]`; zero on the diagonal.
    pub flows: Vec<u32>,
    /// `usage[segment * states + state]`: the usage weight of the agents in a state, summed in
    /// agent order; empty when no segment declares usage.
    pub usage: Vec<f64>,
}

impl StepTally {
    fn zero(segments: usize, states: usize) -> StepTally {
        StepTally {
            counts: vec![0; segments * states],
            flows: vec![0; segments * states * states],
            usage: Vec::new(),
        }
    }
}

/// How a choice sees the neighbours' states at t-1.
#[derive(Clone, Copy)]
enum Peers<'s> {
    /// Step 0: s_ij = 0 for every provider.
    Nobody,
    /// A complete network: everyone else.
    Everyone,
    /// The agent's neighbours in the graph, as slots.
    Neighbours(&'s [u32]),
}

/// Degrees up to this have their adoption thresholds tabulated per step.
const SMALL_DEGREE: u32 = 32;

/// The base of a larger degree's entry in `adopted_neighbours`: past the table, so that the
/// scan knows to compute its threshold from the count and the degree.
const LARGE_DEGREE: u32 = 1 << 31;

/// Where a slot's entry in `adopted_neighbours` starts, by its degree: the row of its degree in
/// the table of adoption thresholds (`d (SMALL_DEGREE + 1)`, plus the count of adopted
/// neighbours gives the threshold's index), or [`LARGE_DEGREE`] beyond the table. A degree
/// below 2^31 leaves room for every count: no network that fits in memory has a larger one.
fn adoption_base(degree: u32) -> u32 {
    if degree <= SMALL_DEGREE {
        degree * (SMALL_DEGREE + 1)
    } else {
        assert!(degree < LARGE_DEGREE, "degree {degree} too large");
        LARGE_DEGREE
    }
}

/// The most neighbour entries a block lists for its new adopters, per slot of the block.
const BUMPS_PER_SLOT: usize = 2;

/// Choices are made in batches of this many, after the scan has found them (see `Pending`).
const BATCH: usize = 64;

/// Scratch space reused by every choice of a block, so that choices allocate nothing.
struct Scratch {
    /// (state, utility, then weight) of each option.
    options: Vec<(u8, f64)>,
    /// Neighbours per state, zeroed again after each choice.
    peer_counts: Vec<u32>,
    /// Choices found by the scan and not yet made.
    pending: Vec<Pending>,
}

/// A choice that the scan of a block found to be needed. Choices are rare (a few agents in a
/// hundred per step) and each reads memory far from the scan: the agent's multipliers, its
/// row of neighbours and their states. Made one by one, each waits for those cache misses in
/// turn; gathered in batches, their memory is first touched in one short loop whose loads the
/// processor overlaps, and the choices then find it in cache.
#[derive(Clone, Copy)]
struct Pending {
    /// The slot's offset in its block.
    offset: u32,
    /// The agent's state at t-1.
    before: u8,
    choice: Choice,
    draws: AgentDraws,
}

/// What the agents of one block of slots did at one step, in buffers kept from step to step.
#[derive(Debug, Default)]
struct BlockWork {
    /// Each change of state, as its flow cell `(segment * states + from) * states + to`.
    changes: Vec<usize>,
    /// The slot of each change, in the same order.
    moved: Vec<u32>,
    /// The neighbours of the agents that adopted at this step, one entry per edge: their
    /// adopted-neighbour counts go up by one each. Listed when the adopter is recorded, right
    /// after its choice has read its row of neighbours, so the row is still in cache.
    bumps: Vec<u32>,
    /// Set when `bumps` would have grown past [`BUMPS_PER_SLOT`] entries per slot of the
    /// block (a step where many adopt at once, as step 0 with a high initial adoption): the
    /// counts are then recounted from the states instead, so memory stays bounded.
    overflow: bool,
    /// Neighbours of those adopters outside the block, whose counts the block may not write.
    outbox: Vec<u32>,
}

/// Everything a step reads, borrowed while the next state is written.
struct StepView<'s> {
    setup: &'s Setup,
    params: &'s Params,
    derived: &'s Derived,
    agents: &'s Agents,
    network: &'s Network,
    /// The agent in each slot; `None`: slot k holds agent k.
    placement: Option<&'s [u32]>,
    state: &'s [u8],
    adopted_neighbours: &'s [u32],
    totals: &'s [u64],
    /// The adoption probability min(1, p + q f) in a complete network, where f is the same for
    /// every not-adopted agent, as a threshold on the adoption draw.
    complete_adoption: Threshold,
    /// In a graph, the adoption thresholds of min(1, p + q a/d) for degrees d <= SMALL_DEGREE
    /// and a <= d adopted neighbours, at `d * (SMALL_DEGREE + 1) + a`: computed once per step
    /// with the same arithmetic as for one agent, so the same bits.
    adoption: &'s [Threshold],
    /// `reconsider` as a threshold.
    reconsider: Threshold,
    /// The replicate's streams, for the agents' potential draws.
    streams: ReplicateStreams,
    /// Whether events applied at this step, so that an adopter's provider may have become
    /// unusable. Without events it cannot have: the provider was usable when the agent chose it
    /// or when events last applied, and nothing that usability depends on (availability,
    /// service, required and held capabilities) changes between events.
    recheck: bool,
    /// Slots per block of work.
    block_len: usize,
}

/// One (variant, replicate) in progress.
///
/// Agents live in slots: slot k is network node k and holds agent `placement[k]` (agent k in a
/// complete network). Every draw is keyed by the agent, so the slot order changes no result;
/// it only puts neighbours next to each other in memory.
pub struct Simulation<'a> {
    setup: &'a Setup,
    streams: ReplicateStreams,
    params: Params,
    derived: Derived,
    /// Shared with the other tasks of the replicate until an event changes them (copied then).
    agents: Arc<Agents>,
    network: Arc<Network>,
    /// The state of every slot at the last completed step. A step reads it and lists its
    /// changes (a few agents in a hundred), which are written into it when the step ends:
    /// no second state array to fill and swap.
    state: Vec<u8>,
    /// Per slot, how many of its neighbours have adopted (graphs only), stored as the index
    /// of its adoption threshold: [`adoption_base`] of its degree plus the count. Counts only
    /// grow, since adopters never return to `not_adopted`, and a new adopter adds one to each
    /// neighbour's entry whatever the base; the scan then finds the threshold of most agents
    /// without reading their degree.
    adopted_neighbours: Vec<u32>,
    /// Agents per (segment, state) at the last completed step.
    counts: Vec<u32>,
    /// Agents per state at the last completed step, all segments together.
    totals: Vec<u64>,
    /// Slots per block of work.
    block_len: usize,
    /// One per block of slots.
    work: Vec<BlockWork>,
    /// Each agent's usage weight, by agent; empty when no segment declares usage.
    usage: Arc<[f32]>,
    /// Each agent's state, by agent, gathered from the slots before usage is summed (graphs
    /// with usage only).
    agent_state: Vec<u8>,
    tasks: usize,
    step: u32,
    /// Whether events applied at the current step.
    patched: bool,
    /// The adoption thresholds of this step for small degrees (see `StepView::adoption`).
    adoption: Vec<Threshold>,
    parallel: bool,
}

impl<'a> Simulation<'a> {
    /// Sets up replicate `replicate` of `setup` and draws its initial state (step 0), which it
    /// returns with the simulation: step 0's events apply first, then the network, the agents
    /// and the initial adoptions are drawn, the network and the agents taken from `kept` when
    /// another task of the replicate drew the same. `tasks` and `languages` count the known
    /// ones; `parallel` splits each step across the current rayon pool.
    pub fn new(
        setup: &'a Setup,
        seed: u64,
        replicate: u32,
        tasks: usize,
        languages: usize,
        parallel: bool,
        kept: &SetupCache,
    ) -> (Simulation<'a>, StepTally) {
        let streams = ReplicateStreams::new(seed, replicate);
        let mut params = Params::clone(&setup.params);
        for patch in setup.timeline.at(0) {
            patch.apply(&mut params);
        }
        let ReplicateSetup {
            network,
            agents,
            usage,
        } = kept.replicate(setup, &params, seed, replicate, parallel);
        let n = setup.population as usize;
        let agent_state = match network.placement() {
            Some(_) if !usage.is_empty() => vec![NOT_ADOPTED; n],
            _ => Vec::new(),
        };
        let states = FIRST_PROVIDER as usize + params.providers.len();
        let block_len = MIN_BLOCK.max(n.div_ceil(MAX_BLOCKS));
        let adopted_neighbours = match &*network {
            Network::Graph(graph) => (0..n as u32)
                .map(|k| adoption_base(graph.degree(k)))
                .collect(),
            Network::Complete => Vec::new(),
        };
        // Everyone starts not adopted; step 0's adoptions are changes from there.
        let mut counts = vec![0; setup.segments.len() * states];
        for (s, segment) in setup.segments.iter().enumerate() {
            counts[s * states + NOT_ADOPTED as usize] = segment.agents;
        }
        let mut sim = Simulation {
            setup,
            streams,
            derived: Derived::new(&params, tasks, languages),
            params,
            agents,
            network,
            state: vec![NOT_ADOPTED; n],
            adopted_neighbours,
            counts,
            totals: vec![0; states],
            block_len,
            work: (0..n.div_ceil(block_len))
                .map(|_| BlockWork::default())
                .collect(),
            usage,
            agent_state,
            tasks,
            step: 0,
            patched: true,
            adoption: Vec::new(),
            parallel,
        };
        sim.totals[NOT_ADOPTED as usize] = u64::from(setup.population);
        let mut tally = sim.run_blocks();
        sim.finish_step();
        sim.sum_usage(&mut tally);
        (sim, tally)
    }

    /// Advances one step and returns its tally: the step's events apply, then every agent
    /// decides from the state of the step before.
    pub fn advance(&mut self) -> StepTally {
        self.step += 1;
        let setup = self.setup;
        let mut patched = false;
        let placement = self.network.placement();
        for patch in setup.timeline.at(self.step) {
            patched = true;
            match patch.apply(&mut self.params) {
                AgentRefresh::None => {}
                AgentRefresh::Capabilities(s) => Arc::make_mut(&mut self.agents)
                    .refresh_capabilities(s, &self.params, &self.streams, placement, self.parallel),
                AgentRefresh::Multipliers(s) => Arc::make_mut(&mut self.agents)
                    .refresh_multipliers(s, &self.params, &self.streams, self.parallel),
            }
        }
        if patched {
            self.derived = Derived::new(&self.params, self.tasks, self.derived.languages);
        }
        self.patched = patched;
        let mut tally = self.run_blocks();
        self.finish_step();
        self.sum_usage(&mut tally);
        tally
    }

    /// Sums the usage weights of each segment's agents per state into the tally, one agent
    /// after another in agent order, after the step: float addition is not associative, so a
    /// sum formed per block would depend on how the agents were split (docs/MODEL.md, Usage).
    fn sum_usage(&mut self, tally: &mut StepTally) {
        if self.usage.is_empty() {
            return;
        }
        let states = self.totals.len();
        let by_agent: &[u8] = match self.network.placement() {
            None => &self.state,
            Some(placement) => {
                for (&agent, &state) in placement.iter().zip(&self.state) {
                    self.agent_state[agent as usize] = state;
                }
                &self.agent_state
            }
        };
        tally.usage = vec![0.0; self.agents.blocks.len() * states];
        for (sums, agents) in tally.usage.chunks_mut(states).zip(&self.agents.blocks) {
            let range = agents.start as usize..agents.end as usize;
            for (&state, &weight) in by_agent[range.clone()].iter().zip(&self.usage[range]) {
                sums[usize::from(state)] += f64::from(weight);
            }
        }
    }

    /// The step last completed.
    pub fn step(&self) -> u32 {
        self.step
    }

    /// Decides every agent's state at this step from the last, block by block, collecting the
    /// changes (the state itself is untouched until [`Simulation::finish_step`]); returns the
    /// step's tally and updates `counts`.
    fn run_blocks(&mut self) -> StepTally {
        let states = self.totals.len();
        let stream = self.streams.step(self.step);
        let initial = self.step == 0;
        let complete_adoption = {
            let others = u64::from(self.setup.population) - 1;
            let f = if others == 0 {
                0.0
            } else {
                let adopted = u64::from(self.setup.population) - self.totals[NOT_ADOPTED as usize];
                adopted as f64 / others as f64
            };
            Threshold::of(adoption_hazard(&self.params, f))
        };
        self.adoption.clear();
        for d in 0..=SMALL_DEGREE {
            for a in 0..=SMALL_DEGREE {
                let p = adoption_probability(&self.params, a.min(d), d);
                self.adoption.push(Threshold::of(p));
            }
        }
        let view = StepView {
            setup: self.setup,
            params: &self.params,
            derived: &self.derived,
            agents: &self.agents,
            network: &self.network,
            placement: self.network.placement(),
            state: &self.state,
            adopted_neighbours: &self.adopted_neighbours,
            totals: &self.totals,
            complete_adoption,
            adoption: &self.adoption,
            reconsider: Threshold::of(self.params.reconsider),
            streams: self.streams,
            recheck: self.patched,
            block_len: self.block_len,
        };
        let (block_len, n) = (self.block_len, self.state.len());
        let run = |(b, work): (usize, &mut BlockWork)| {
            let first = b * block_len;
            view.run_block(first..n.min(first + block_len), work, stream, initial)
        };
        if self.parallel {
            self.work.par_iter_mut().enumerate().for_each(run);
        } else {
            self.work.iter_mut().enumerate().for_each(run);
        }
        // Integer sums, in block order: the same whatever the schedule.
        let mut tally = StepTally::zero(self.setup.segments.len(), states);
        for work in &self.work {
            for &cell in &work.changes {
                let (segment, from, to) = (
                    cell / (states * states),
                    (cell / states) % states,
                    cell % states,
                );
                self.counts[segment * states + from] -= 1;
                self.counts[segment * states + to] += 1;
                tally.flows[cell] += 1;
            }
        }
        if initial {
            // Step 0 has no flows (docs/FORMAT.md, flows.csv): its adoptions are the initial state.
            tally.flows.iter_mut().for_each(|f| *f = 0);
        }
        tally.counts.copy_from_slice(&self.counts);
        tally
    }

    /// Writes the step's changes into the state: new adopters count for their neighbours from
    /// now on.
    ///
    /// In parallel, each block adds the new adopters it found to the counts of its own slots,
    /// which it alone writes, and leaves the neighbours in other blocks (a small world's
    /// rewired edges) in an outbox that is emptied afterwards: no atomic operations, and
    /// integer sums give the same counts in any order.
    fn finish_step(&mut self) {
        // The step's changes, each block's into its own slots.
        let (states, block_len) = (self.totals.len(), self.block_len);
        let apply = |(b, (state, work)): (usize, (&mut [u8], &BlockWork))| {
            for (&slot, &cell) in work.moved.iter().zip(&work.changes) {
                state[slot as usize - b * block_len] = (cell % states) as u8;
            }
        };
        if self.parallel {
            self.state
                .par_chunks_mut(block_len)
                .zip(self.work.par_iter())
                .enumerate()
                .for_each(apply);
        } else {
            self.state
                .chunks_mut(block_len)
                .zip(self.work.iter())
                .enumerate()
                .for_each(apply);
        }
        if let Network::Graph(graph) = &*self.network {
            if self.work.iter().any(|w| w.overflow) {
                // Too many new adopters to list: count every slot's adopted neighbours anew.
                let (state, block_len) = (&self.state, self.block_len);
                let recount = |(b, counts): (usize, &mut [u32])| {
                    for (i, count) in counts.iter_mut().enumerate() {
                        let row = graph.neighbours((b * block_len + i) as u32);
                        let adopted = row.iter().filter(|&&n| state[n as usize] != NOT_ADOPTED);
                        *count = adoption_base(row.len() as u32) + adopted.count() as u32;
                    }
                };
                if self.parallel {
                    self.adopted_neighbours
                        .par_chunks_mut(block_len)
                        .enumerate()
                        .for_each(recount);
                } else {
                    self.adopted_neighbours
                        .chunks_mut(block_len)
                        .enumerate()
                        .for_each(recount);
                }
            } else if self.parallel {
                let block_len = self.block_len;
                self.adopted_neighbours
                    .par_chunks_mut(block_len)
                    .zip(self.work.par_iter_mut())
                    .enumerate()
                    .for_each(|(b, (counts, work))| {
                        let first = b * block_len;
                        work.outbox.clear();
                        for &n in &work.bumps {
                            match counts.get_mut((n as usize).wrapping_sub(first)) {
                                Some(count) => *count += 1,
                                None => work.outbox.push(n),
                            }
                        }
                    });
                for work in &self.work {
                    for &n in &work.outbox {
                        self.adopted_neighbours[n as usize] += 1;
                    }
                }
            } else {
                let counts = &mut self.adopted_neighbours;
                for work in &self.work {
                    for &n in &work.bumps {
                        counts[n as usize] += 1;
                    }
                }
            }
        }
        self.totals.iter_mut().for_each(|t| *t = 0);
        for segment_counts in self.counts.chunks(states) {
            for (total, &count) in self.totals.iter_mut().zip(segment_counts) {
                *total += u64::from(count);
            }
        }
    }
}

impl StepView<'_> {
    /// Decides for the slots `first..first + out.len()`, writing their states into `out` and
    /// their changes into `work`.
    fn run_block(
        &self,
        slots: std::ops::Range<usize>,
        work: &mut BlockWork,
        stream: StepStream,
        initial: bool,
    ) {
        work.changes.clear();
        work.moved.clear();
        work.bumps.clear();
        work.overflow = false;
        let mut scratch = Scratch {
            options: Vec::with_capacity(self.params.providers.len() + 1),
            peer_counts: vec![0; self.totals.len()],
            pending: Vec::with_capacity(BATCH),
        };
        // One loop per kind of step, so that the loop itself does not ask.
        let graph = match self.network {
            Network::Graph(graph) => Some(graph),
            Network::Complete => None,
        };
        match (initial, self.recheck) {
            (true, _) => self.initial_block(slots, work, stream, &mut scratch),
            (false, true) => self.step_block::<true>(slots, work, stream, graph, &mut scratch),
            (false, false) => self.step_block::<false>(slots, work, stream, graph, &mut scratch),
        }
    }

    /// Whether `agent`, in segment `segment`, is a potential adopter at this step: its
    /// potential draw is below the segment's potential (docs/MODEL.md, 7.1 Adoption). Asked
    /// only of agents whose adoption draw has already said yes, so the extra draw is made for
    /// a few agents per step; the draws are keyed, so the order of the two questions changes
    /// nothing.
    #[inline(always)]
    fn potential_adopter(&self, agent: u32, segment: usize) -> bool {
        self.derived.everyone_potential
            || self
                .streams
                .attributes(agent)
                .below(Purpose::Potential, self.derived.potential[segment])
    }

    /// Step 0: a potential adopter has adopted with its segment's initial_adoption /
    /// potential (so a fraction initial_adoption of the segment, in expectation) and makes a
    /// free choice with s_ij = 0 and no inertia.
    fn initial_block(
        &self,
        slots: std::ops::Range<usize>,
        work: &mut BlockWork,
        stream: StepStream,
        scratch: &mut Scratch,
    ) {
        for k in slots {
            let agent = self.placement.map_or(k as u32, |p| p[k]);
            let draws = stream.agent(agent);
            let segment = usize::from(self.agents.segment[k]);
            // With potential 1 the division is exact: the same comparison, on the same draw,
            // as without a potential. A potential of 0 gives NaN or infinity here, and the
            // potential draw then refuses everyone.
            let initial = self.setup.segments[segment].initial_adoption
                / self.params.segments[segment].potential;
            let after = if draws.uniform(Purpose::Adopt) < initial
                && self.potential_adopter(agent, segment)
            {
                self.choose(k, &draws, Choice::FRESH, Peers::Nobody, scratch)
            } else {
                NOT_ADOPTED
            };
            self.record(k, NOT_ADOPTED, after, work);
        }
    }

    /// Steps 1..: the step of docs/MODEL.md (3. Process overview and scheduling) for every agent of the block. `graph` is `None` for the
    /// complete network.
    #[inline(always)]
    fn step_block<const RECHECK: bool>(
        &self,
        slots: std::ops::Range<usize>,
        work: &mut BlockWork,
        stream: StepStream,
        graph: Option<&Graph>,
        scratch: &mut Scratch,
    ) {
        let first = slots.start;
        let range = slots;
        let state = &self.state[range.clone()];
        let placement = self.placement.map(|p| &p[range.clone()]);
        let adopted = match graph {
            Some(_) => &self.adopted_neighbours[range.clone()],
            None => &[],
        };
        let reconsider = self.reconsider;
        let (task, language, held) = (
            &self.agents.task[range.clone()],
            &self.agents.language[range.clone()],
            &self.agents.held[range],
        );
        for (i, &before) in state.iter().enumerate() {
            let k = first + i;
            let agent = placement.map_or(k as u32, |p| p[i]);
            let draws = stream.agent(agent);
            let choice = match before {
                NOT_ADOPTED => {
                    // f_i: the fraction of the agent's neighbours that had adopted at t-1
                    // (docs/MODEL.md, 7.1 Adoption), 0 without neighbours; the same for everyone in a
                    // complete network.
                    let adopt = match graph {
                        Some(graph) => match self.adoption.get(adopted[i] as usize) {
                            Some(&threshold) => threshold,
                            None => {
                                let count = adopted[i] - LARGE_DEGREE;
                                let degree = graph.degree(k as u32);
                                Threshold::of(adoption_probability(self.params, count, degree))
                            }
                        },
                        None => self.complete_adoption,
                    };
                    (draws.below(Purpose::Adopt, adopt)
                        && self.potential_adopter(agent, usize::from(self.agents.segment[k])))
                    .then_some(Choice::FRESH)
                }
                UNSERVED => Some(Choice::FRESH),
                _ => {
                    let j = usize::from(before - FIRST_PROVIDER);
                    let terms = &self.derived.terms[j];
                    let cut_off = terms.cut_off != Threshold::NEVER
                        && draws.below(Purpose::Risk, terms.cut_off);
                    // The current provider stays usable while it serves the agent's cell
                    // and the agent holds what it requires (accepts_new does not apply);
                    // only events can change that (see `recheck`).
                    let usable = !RECHECK || {
                        let cell = self.derived.cell(task[i], language[i]);
                        let served =
                            !self.derived.appeal[cell * self.derived.providers + j].is_nan();
                        still_usable(served, terms.requires, held[i])
                    };
                    if cut_off || !usable {
                        Some(Choice::forced(j))
                    } else if draws.below(Purpose::Reconsider, reconsider) {
                        Some(Choice::free(j))
                    } else {
                        None
                    }
                }
            };
            let Some(choice) = choice else {
                continue;
            };
            let cell = self.derived.cell(task[i], language[i]);
            if self.derived.starts[cell] == self.derived.starts[cell + 1] {
                // No provider serves the agent's task and language: whatever the choice, and
                // with or without the outside option, the agent is unserved (no draw needed).
                self.record(k, before, UNSERVED, work);
            } else {
                scratch.pending.push(Pending {
                    offset: i as u32,
                    before,
                    choice,
                    draws,
                });
                if scratch.pending.len() == BATCH {
                    self.make_choices(first, work, scratch);
                }
            }
        }
        self.make_choices(first, work, scratch);
    }

    /// Makes the pending choices of a block, in two passes: one that touches their memory,
    /// then the choices themselves.
    fn make_choices(&self, first: usize, work: &mut BlockWork, scratch: &mut Scratch) {
        // Three short loops, each of independent loads: the agents' own arrays and their row
        // starts; then the rows; then the neighbours' states, which the rows point to.
        let agents = self.agents;
        let graph = match self.network {
            Network::Graph(graph) => Some(graph),
            Network::Complete => None,
        };
        let mut touched = 0u32;
        for pending in &scratch.pending {
            let k = first + pending.offset as usize;
            // An agent's multipliers may straddle two cache lines: touch both ends.
            let m = &agents.multipliers[self.placement.map_or(k, |p| p[k] as usize)];
            touched ^= m[0].to_bits() ^ m[Weight::COUNT - 1].to_bits() ^ agents.held[k];
            touched ^= u32::from(agents.segment[k]) ^ u32::from(agents.task[k]);
            touched ^= u32::from(agents.language[k]);
            if let Some(graph) = graph {
                touched ^= graph.degree(k as u32);
            }
        }
        if let Some(graph) = graph {
            for pending in &scratch.pending {
                let k = first + pending.offset as usize;
                let row = graph.neighbours(k as u32);
                touched ^= row.first().copied().unwrap_or(0) ^ row.last().copied().unwrap_or(0);
            }
            for pending in &scratch.pending {
                let k = first + pending.offset as usize;
                for &b in graph.neighbours(k as u32) {
                    touched = touched.wrapping_add(u32::from(self.state[b as usize]));
                }
            }
        }
        std::hint::black_box(touched);
        let mut pending = std::mem::take(&mut scratch.pending);
        for p in pending.drain(..) {
            let k = first + p.offset as usize;
            let after = self.choose(k, &p.draws, p.choice, self.peers(k), scratch);
            self.record(k, p.before, after, work);
        }
        scratch.pending = pending;
    }

    /// Notes a change of state of the agent in slot `k`.
    #[inline]
    fn record(&self, k: usize, before: u8, after: u8, work: &mut BlockWork) {
        if after == before {
            return;
        }
        let states = self.totals.len();
        let segment = usize::from(self.agents.segment[k]);
        work.changes
            .push((segment * states + usize::from(before)) * states + usize::from(after));
        work.moved.push(k as u32);
        if let (NOT_ADOPTED, Network::Graph(graph), false) = (before, self.network, work.overflow) {
            let row = graph.neighbours(k as u32);
            if work.bumps.len() + row.len() <= BUMPS_PER_SLOT * self.block_len {
                work.bumps.extend_from_slice(row);
            } else {
                work.overflow = true;
            }
        }
    }

    fn peers(&self, k: usize) -> Peers<'_> {
        match self.network {
            Network::Complete => Peers::Everyone,
            Network::Graph(graph) => Peers::Neighbours(graph.neighbours(k as u32)),
        }
    }

    /// Contract 4.3: a multinomial logit choice among the usable providers (and the outside
    /// option when set); `unserved` when there is nothing to choose.
    #[inline(never)]
    fn choose(
        &self,
        k: usize,
        draws: &AgentDraws,
        choice: Choice,
        peers: Peers<'_>,
        scratch: &mut Scratch,
    ) -> u8 {
        let derived = self.derived;
        let cell = derived.cell(self.agents.task[k], self.agents.language[k]);
        let candidates = &derived.candidates[derived.starts[cell]..derived.starts[cell + 1]];
        let appeal = &derived.appeal[cell * derived.providers..][..derived.providers];
        let held = self.agents.held[k];
        scratch.options.clear();
        if candidates.is_empty() {
            // Nothing but (perhaps) the outside option: the peer term is not needed.
            if let Some(outside) = self.params.outside_utility {
                scratch.options.push((UNSERVED, outside));
            }
            return pick(&mut scratch.options, draws.uniform(Purpose::Choice));
        }
        let segment = usize::from(self.agents.segment[k]);
        let m = &self.agents.multipliers[self.placement.map_or(k, |p| p[k] as usize)];
        let w = self.params.segments[segment].weights.scaled(m);

        // s_ij: neighbours per state at t-1, as fractions of all neighbours (docs/MODEL.md, 7.4 Choice).
        let (counted, denominator) = match peers {
            _ if w[Weight::Peer] == 0.0 => (None, 0.0),
            Peers::Nobody => (None, 0.0),
            Peers::Everyone => (None, f64::from(self.setup.population) - 1.0),
            Peers::Neighbours(ns) => {
                for &b in ns {
                    scratch.peer_counts[usize::from(self.state[b as usize])] += 1;
                }
                (Some(ns), ns.len() as f64)
            }
        };
        let own = self.state[k];
        let share = |state: u8, counts: &[u32]| -> f64 {
            if denominator <= 0.0 {
                return 0.0;
            }
            match peers {
                Peers::Everyone => {
                    let others = self.totals[usize::from(state)] - u64::from(own == state);
                    others as f64 / denominator
                }
                Peers::Neighbours(_) => f64::from(counts[usize::from(state)]) / denominator,
                Peers::Nobody => 0.0,
            }
        };

        for &p in candidates {
            let p = usize::from(p);
            let terms = &derived.terms[p];
            // Usable (docs/MODEL.md, 7.2 Usability): availability and service are in
            // `candidates`; the choice checks the rest.
            if !choice.may_pick(p, terms.accepts_new, terms.requires, held) {
                continue;
            }
            let state = FIRST_PROVIDER + p as u8;
            let peer_share = share(state, &scratch.peer_counts);
            let v = utility(
                &w,
                appeal[p],
                &terms.costs,
                peer_share,
                choice.inertia_for(p),
            );
            scratch.options.push((state, v));
        }
        if let Some(ns) = counted {
            for &b in ns {
                scratch.peer_counts[usize::from(self.state[b as usize])] = 0;
            }
        }
        // The outside option never gets inertia or peers (docs/MODEL.md, 7.3 Forced and free choices).
        if let Some(outside) = self.params.outside_utility {
            scratch.options.push((UNSERVED, outside));
        }
        pick(&mut scratch.options, draws.uniform(Purpose::Choice))
    }
}
