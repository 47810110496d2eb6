//! The model of contract sections 3–4: one (variant, replicate) simulated step by step.
//!
//! Steps are synchronous: every decision at step t reads only the state of step t-1 and draws
//! only from streams keyed by (seed, replicate, agent, step, purpose), so agents can be updated
//! in any order and in parallel blocks with the same result. The model does no I/O, never
//! creates a generator of its own, and allocates nothing per agent per step.

mod params;

pub use params::{Params, ProviderParams, SegmentParams};

use crate::network::Network;
use crate::policy::AgentRefresh;
use crate::population::Agents;
use crate::rng::{AgentDraws, Purpose, ReplicateStreams, StepStream};
use crate::scenario::Setup;
use rayon::prelude::*;
use std::ops::Range;
use std::sync::atomic::{AtomicU32, Ordering};

/// The state of an agent that has not adopted.
pub const NOT_ADOPTED: u8 = 0;
/// The state of an adopter using no provider.
pub const UNSERVED: u8 = 1;
/// The state of an agent on provider p is `FIRST_PROVIDER + p`.
pub const FIRST_PROVIDER: u8 = 2;

/// Agents per block of work: large enough to amortise scheduling, small enough to balance.
const BLOCK: u32 = 16_384;

const QUALITY: usize = 0;
const PRICE: usize = 1;
const FRICTION: usize = 2;
const RISK: usize = 3;
const PEER: usize = 4;
const INERTIA: usize = 5;

/// The agents per (segment, state) at one step, and the changes of state since the last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepTally {
    /// `counts[segment * states + state]`.
    pub counts: Vec<u32>,
    /// `flows[(segment * states + from) * states + to]`; zero on the diagonal.
    pub flows: Vec<u32>,
}

impl StepTally {
    fn zero(segments: usize, states: usize) -> StepTally {
        StepTally {
            counts: vec![0; segments * states],
            flows: vec![0; segments * states * states],
        }
    }
}

/// A contiguous block of agents of one segment: the unit of parallel work.
#[derive(Debug, Clone)]
struct Block {
    segment: usize,
    agents: Range<u32>,
}

/// What the parameters imply for a choice, recomputed only when events apply.
#[derive(Debug, Clone)]
struct Derived {
    /// `appeal[(task * languages + language) * providers + p]`: quality times fit, or NaN
    /// where p is unavailable or does not serve the task or the language.
    appeal: Vec<f64>,
    /// ln(1 + price) per provider.
    log_price: Vec<f64>,
    languages: usize,
}

impl Derived {
    fn new(params: &Params, tasks: usize, languages: usize) -> Derived {
        let providers = params.providers.len();
        let mut appeal = vec![f64::NAN; tasks * languages * providers];
        for task in 0..tasks {
            for language in 0..languages {
                for (p, provider) in params.providers.iter().enumerate() {
                    if let (true, Some(q), Some(fit)) = (
                        provider.available,
                        provider.quality[task],
                        provider.fit[language],
                    ) {
                        appeal[(task * languages + language) * providers + p] = q * fit;
                    }
                }
            }
        }
        Derived {
            appeal,
            log_price: params
                .providers
                .iter()
                .map(|p| libm::log(1.0 + p.price))
                .collect(),
            languages,
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
    /// The agent's neighbours in the graph.
    Neighbours(&'s [u32]),
}

/// One choice to make (contract 4.3 and 7.2–7.4).
#[derive(Clone, Copy)]
struct Choice {
    /// The agent's provider at t-1, if any.
    current: Option<usize>,
    /// A provider the agent may not choose: the one it just lost.
    excluded: Option<usize>,
    /// Whether the current provider gets the inertia term (free choices of adopters only).
    inertia: bool,
}

impl Choice {
    /// A choice by an agent on no provider: adopting, unserved, or at step 0.
    const FRESH: Choice = Choice {
        current: None,
        excluded: None,
        inertia: false,
    };
}

/// Scratch space reused by every choice of a block, so that choices allocate nothing.
struct Scratch {
    /// (state, utility, then weight) of each option.
    options: Vec<(u8, f64)>,
    /// Neighbours per state, zeroed again after each choice.
    peer_counts: Vec<u32>,
}

/// The agents of one block per state, and the changes of state among them.
struct BlockTally {
    segment: usize,
    counts: Vec<u32>,
    flows: Vec<u32>,
}

/// Everything a step reads, borrowed while the next state is written.
struct StepView<'s> {
    setup: &'s Setup,
    params: &'s Params,
    derived: &'s Derived,
    agents: &'s Agents,
    network: &'s Network,
    state: &'s [u8],
    adopted_neighbours: &'s [AtomicU32],
    totals: &'s [u64],
}

/// One (variant, replicate) in progress.
pub struct Simulation<'a> {
    setup: &'a Setup,
    streams: ReplicateStreams,
    params: Params,
    derived: Derived,
    agents: Agents,
    network: Network,
    /// The state of every agent at the last completed step.
    state: Vec<u8>,
    /// The state being computed.
    next: Vec<u8>,
    /// Per agent, how many of its neighbours have adopted (graphs only); counts only grow,
    /// since adopters never return to `not_adopted`.
    adopted_neighbours: Vec<AtomicU32>,
    /// Agents per state at the last completed step, all segments together.
    totals: Vec<u64>,
    blocks: Vec<Block>,
    tasks: usize,
    step: u32,
    parallel: bool,
}

impl<'a> Simulation<'a> {
    /// Sets up replicate `replicate` of `setup` and draws its initial state (step 0), which it
    /// returns with the simulation: step 0's events apply first, then the agents, the network
    /// and the initial adoptions are drawn. `tasks` and `languages` count the known ones;
    /// `parallel` splits each step across the current rayon pool.
    pub fn new(
        setup: &'a Setup,
        seed: u64,
        replicate: u32,
        tasks: usize,
        languages: usize,
        parallel: bool,
    ) -> (Simulation<'a>, StepTally) {
        let streams = ReplicateStreams::new(seed, replicate);
        let mut params = setup.params.clone();
        for patch in setup.timeline.at(0) {
            patch.apply(&mut params);
        }
        let agents = Agents::draw(setup, &params, &streams);
        let network = Network::build(setup.network, setup.population, &mut streams.network());
        let n = setup.population as usize;
        let states = FIRST_PROVIDER as usize + params.providers.len();
        let blocks = agents
            .blocks
            .iter()
            .enumerate()
            .flat_map(|(segment, range)| {
                range
                    .clone()
                    .step_by(BLOCK as usize)
                    .map(move |start| Block {
                        segment,
                        agents: start..(start + BLOCK).min(range.end),
                    })
            })
            .collect();
        let adopted_neighbours = match network {
            Network::Graph(_) => (0..n).map(|_| AtomicU32::new(0)).collect(),
            Network::Complete => Vec::new(),
        };
        let mut sim = Simulation {
            setup,
            streams,
            derived: Derived::new(&params, tasks, languages),
            params,
            agents,
            network,
            state: vec![NOT_ADOPTED; n],
            next: vec![NOT_ADOPTED; n],
            adopted_neighbours,
            totals: vec![0; states],
            blocks,
            tasks,
            step: 0,
            parallel,
        };
        let tally = sim.run_blocks();
        sim.finish_step(&tally);
        (sim, tally)
    }

    /// Advances one step and returns its tally: the step's events apply, then every agent
    /// decides from the state of the step before.
    pub fn advance(&mut self) -> StepTally {
        self.step += 1;
        let setup = self.setup;
        let mut patched = false;
        for patch in setup.timeline.at(self.step) {
            patched = true;
            match patch.apply(&mut self.params) {
                AgentRefresh::None => {}
                AgentRefresh::Capabilities(s) => {
                    self.agents
                        .refresh_capabilities(s, &self.params, &self.streams)
                }
                AgentRefresh::Multipliers(s) => {
                    self.agents
                        .refresh_multipliers(s, &self.params, &self.streams)
                }
            }
        }
        if patched {
            self.derived = Derived::new(&self.params, self.tasks, self.derived.languages);
        }
        let tally = self.run_blocks();
        self.finish_step(&tally);
        tally
    }

    /// The step last completed.
    pub fn step(&self) -> u32 {
        self.step
    }

    /// Computes `next` from `state`, block by block.
    fn run_blocks(&mut self) -> StepTally {
        let states = self.totals.len();
        let stream = self.streams.step(self.step);
        let initial = self.step == 0;
        let mut outputs: Vec<&mut [u8]> = Vec::with_capacity(self.blocks.len());
        let mut rest: &mut [u8] = &mut self.next;
        for block in &self.blocks {
            let (head, tail) = rest.split_at_mut(block.agents.len());
            outputs.push(head);
            rest = tail;
        }
        let view = StepView {
            setup: self.setup,
            params: &self.params,
            derived: &self.derived,
            agents: &self.agents,
            network: &self.network,
            state: &self.state,
            adopted_neighbours: &self.adopted_neighbours,
            totals: &self.totals,
        };
        let run = |(block, out): (&Block, &mut [u8])| view.run_block(block, out, stream, initial);
        let tallies: Vec<BlockTally> = if self.parallel {
            self.blocks.par_iter().zip(outputs).map(run).collect()
        } else {
            self.blocks.iter().zip(outputs).map(run).collect()
        };
        let mut tally = StepTally::zero(self.setup.segments.len(), states);
        for block in &tallies {
            let counts = &mut tally.counts[block.segment * states..][..states];
            for (a, b) in counts.iter_mut().zip(&block.counts) {
                *a += b;
            }
            let flows = &mut tally.flows[block.segment * states * states..][..states * states];
            for (a, b) in flows.iter_mut().zip(&block.flows) {
                *a += b;
            }
        }
        tally
    }

    /// Makes `next` the current state: new adopters count for their neighbours from now on.
    fn finish_step(&mut self, tally: &StepTally) {
        if let Network::Graph(graph) = &self.network {
            let (state, next, counts) = (&self.state, &self.next, &self.adopted_neighbours);
            let newly_adopted = |a: u32| {
                let i = a as usize;
                // At step 0 every adopter is new: `state` still holds the all-not-adopted start.
                if state[i] == NOT_ADOPTED && next[i] != NOT_ADOPTED {
                    for &b in graph.neighbours(a) {
                        // Integer increments commute, so the result is the same in any order.
                        counts[b as usize].fetch_add(1, Ordering::Relaxed);
                    }
                }
            };
            if self.parallel {
                self.blocks
                    .par_iter()
                    .for_each(|b| b.agents.clone().for_each(newly_adopted));
            } else {
                (0..self.setup.population).for_each(newly_adopted);
            }
        }
        std::mem::swap(&mut self.state, &mut self.next);
        let states = self.totals.len();
        self.totals.iter_mut().for_each(|t| *t = 0);
        for segment_counts in tally.counts.chunks(states) {
            for (total, &count) in self.totals.iter_mut().zip(segment_counts) {
                *total += u64::from(count);
            }
        }
    }
}

impl StepView<'_> {
    fn run_block(
        &self,
        block: &Block,
        out: &mut [u8],
        stream: StepStream,
        initial: bool,
    ) -> BlockTally {
        let states = self.totals.len();
        let mut tally = BlockTally {
            segment: block.segment,
            counts: vec![0; states],
            flows: vec![0; states * states],
        };
        let mut scratch = Scratch {
            options: Vec::with_capacity(self.params.providers.len() + 1),
            peer_counts: vec![0; states],
        };
        let initial_adoption = self.setup.segments[block.segment].initial_adoption;
        for (slot, agent) in out.iter_mut().zip(block.agents.clone()) {
            let draws = stream.agent(agent);
            let before = self.state[agent as usize];
            let after = if initial {
                if draws.uniform(Purpose::Adopt) < initial_adoption {
                    let peers = Peers::Nobody;
                    self.choose(
                        agent,
                        block.segment,
                        &draws,
                        Choice::FRESH,
                        peers,
                        &mut scratch,
                    )
                } else {
                    NOT_ADOPTED
                }
            } else {
                self.decide(agent, block.segment, before, &draws, &mut scratch)
            };
            *slot = after;
            tally.counts[after as usize] += 1;
            if !initial && after != before {
                tally.flows[before as usize * states + after as usize] += 1;
            }
        }
        tally
    }

    /// Contract 4.2: what an agent in state `before` does at this step.
    fn decide(
        &self,
        agent: u32,
        segment: usize,
        before: u8,
        draws: &AgentDraws,
        scratch: &mut Scratch,
    ) -> u8 {
        let peers = self.peers(agent);
        match before {
            NOT_ADOPTED => {
                let f = self.adopted_fraction(agent);
                let adopt = (self.params.innovation + self.params.imitation * f).min(1.0);
                if draws.uniform(Purpose::Adopt) < adopt {
                    self.choose(agent, segment, draws, Choice::FRESH, peers, scratch)
                } else {
                    NOT_ADOPTED
                }
            }
            UNSERVED => self.choose(agent, segment, draws, Choice::FRESH, peers, scratch),
            _ => {
                let j = usize::from(before - FIRST_PROVIDER);
                let risk = self.params.providers[j].risk;
                let cut_off = risk > 0.0 && draws.uniform(Purpose::Risk) < risk;
                if cut_off || self.appeal(agent, j, Some(j)).is_none() {
                    let forced = Choice {
                        current: Some(j),
                        excluded: Some(j),
                        inertia: false,
                    };
                    self.choose(agent, segment, draws, forced, peers, scratch)
                } else if draws.uniform(Purpose::Reconsider) < self.params.reconsider {
                    let free = Choice {
                        current: Some(j),
                        excluded: None,
                        inertia: true,
                    };
                    self.choose(agent, segment, draws, free, peers, scratch)
                } else {
                    before
                }
            }
        }
    }

    fn peers(&self, agent: u32) -> Peers<'_> {
        match self.network {
            Network::Complete => Peers::Everyone,
            Network::Graph(graph) => Peers::Neighbours(graph.neighbours(agent)),
        }
    }

    /// f_i: the fraction of the agent's neighbours that had adopted at t-1 (contract 7.5). The
    /// agent itself has not adopted, so in a complete network it is adopters / (N - 1).
    fn adopted_fraction(&self, agent: u32) -> f64 {
        match self.network {
            Network::Complete => {
                let others = u64::from(self.setup.population) - 1;
                if others == 0 {
                    return 0.0;
                }
                let adopted = u64::from(self.setup.population) - self.totals[NOT_ADOPTED as usize];
                adopted as f64 / others as f64
            }
            Network::Graph(graph) => {
                let degree = graph.neighbours(agent).len();
                if degree == 0 {
                    return 0.0;
                }
                let adopted = self.adopted_neighbours[agent as usize].load(Ordering::Relaxed);
                f64::from(adopted) / degree as f64
            }
        }
    }

    /// Quality times fit of provider p for the agent, if p is usable by it at this step.
    #[inline]
    fn appeal(&self, agent: u32, p: usize, current: Option<usize>) -> Option<f64> {
        let i = agent as usize;
        let providers = self.params.providers.len();
        let cell = usize::from(self.agents.task[i]) * self.derived.languages
            + usize::from(self.agents.language[i]);
        let appeal = self.derived.appeal[cell * providers + p];
        let provider = &self.params.providers[p];
        let usable = !appeal.is_nan()
            && (provider.accepts_new || current == Some(p))
            && provider.requires & !self.agents.held[i] == 0;
        usable.then_some(appeal)
    }

    /// Contract 4.3: a multinomial logit choice among the usable providers (and the outside
    /// option when set); `unserved` when there is nothing to choose.
    fn choose(
        &self,
        agent: u32,
        segment: usize,
        draws: &AgentDraws,
        choice: Choice,
        peers: Peers<'_>,
        scratch: &mut Scratch,
    ) -> u8 {
        let i = agent as usize;
        let base = &self.params.segments[segment].weights;
        let m = &self.agents.multipliers[i];
        let w: [f64; 6] = std::array::from_fn(|k| base[k] * f64::from(m[k]));

        // s_ij: neighbours per state at t-1, as fractions of all neighbours (contract 7.5).
        let (counted, denominator) = match peers {
            _ if w[PEER] == 0.0 => (None, 0.0),
            Peers::Nobody => (None, 0.0),
            Peers::Everyone => (None, f64::from(self.setup.population) - 1.0),
            Peers::Neighbours(ns) => {
                for &b in ns {
                    scratch.peer_counts[usize::from(self.state[b as usize])] += 1;
                }
                (Some(ns), ns.len() as f64)
            }
        };
        let own = self.state[i];
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

        scratch.options.clear();
        for (p, provider) in self.params.providers.iter().enumerate() {
            if choice.excluded == Some(p) {
                continue;
            }
            let Some(appeal) = self.appeal(agent, p, choice.current) else {
                continue;
            };
            let state = FIRST_PROVIDER + p as u8;
            let mut v = w[QUALITY] * appeal
                - w[PRICE] * self.derived.log_price[p]
                - w[FRICTION] * provider.friction
                - w[RISK] * provider.risk
                + w[PEER] * share(state, &scratch.peer_counts);
            if choice.inertia && choice.current == Some(p) {
                v += w[INERTIA];
            }
            scratch.options.push((state, v));
        }
        if let Some(ns) = counted {
            for &b in ns {
                scratch.peer_counts[usize::from(self.state[b as usize])] = 0;
            }
        }
        // The outside option never gets inertia or peers (contract 7.2).
        if let Some(outside) = self.params.outside_utility {
            scratch.options.push((UNSERVED, outside));
        }
        pick(&mut scratch.options, draws.uniform(Purpose::Choice))
    }
}

/// Draws one option with logit probabilities exp(V_k) / sum exp(V), computed with the largest
/// V subtracted so that no utility overflows (contract 7.14). `options` holds (state, V).
fn pick(options: &mut [(u8, f64)], u: f64) -> u8 {
    let Some(&(last, _)) = options.last() else {
        return UNSERVED;
    };
    let max = options
        .iter()
        .map(|o| o.1)
        .fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    for option in options.iter_mut() {
        option.1 = libm::exp(option.1 - max);
        total += option.1;
    }
    let target = u * total;
    let mut cumulative = 0.0;
    for &(state, weight) in options.iter() {
        cumulative += weight;
        if target < cumulative {
            return state;
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pick_follows_logit_probabilities() {
        // V = ln 1, ln 3: probabilities 1/4 and 3/4.
        let options = [(2u8, 0.0), (3u8, 3f64.ln())];
        assert_eq!(pick(&mut options.clone(), 0.24), 2);
        assert_eq!(pick(&mut options.clone(), 0.26), 3);
        assert_eq!(pick(&mut [], 0.5), UNSERVED);
        // Huge utilities do not overflow.
        assert_eq!(pick(&mut [(2, 1e6), (3, 1e6 - 1000.0)], 0.999), 2);
    }
}
