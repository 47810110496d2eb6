//! The agents of one replicate: which segment each belongs to and what it drew once for the
//! whole replicate (docs/MODEL.md, 2. Entities, state variables and scales).
//!
//! Agents are a structure of arrays of small numbers, indexed by slot (the agent's network
//! node, see [`Agents`]): the segment, a byte for the task and the language, a bit mask of held
//! capabilities; and a multiplier per weight per agent, by agent index. Segments are contiguous blocks of agent indices;
//! every draw is keyed by the agent index, never by the slot, so the slots change no result.

use crate::rng::{AgentDraws, Purpose, ReplicateStreams};
use crate::spec::{Params, Setup, Weight};
use rayon::prelude::*;
use std::ops::Range;

/// What every agent of a replicate drew, plus the derived capability masks and multipliers,
/// stored by slot: slot k holds the agent `placement[k]` (the agent on network node k), or agent
/// k when there is no placement (the complete network). Keeping agents in the network's node
/// order keeps neighbours near each other in memory (see `network`).
#[derive(Debug, Clone)]
pub struct Agents {
    /// The agents of each segment, by agent index, in file order.
    pub(crate) blocks: Vec<Range<u32>>,
    /// Each slot's segment, in file order.
    pub(crate) segment: Vec<u16>,
    /// Each slot's task, an index into the scenario's known tasks.
    pub(crate) task: Vec<u8>,
    /// Each slot's language, an index into the known languages.
    pub(crate) language: Vec<u8>,
    /// Each slot's held capabilities at the current step, a bit per known capability.
    pub(crate) held: Vec<u32>,
    /// Each agent's weight multipliers, exp(h z - h^2 / 2), in the order of the weights,
    /// indexed by AGENT, not slot: only choices read them, a few agents per step each at its
    /// own place in memory either way, and by agent they can be drawn before the network's
    /// placement is known, while the network is built.
    pub(crate) multipliers: Vec<Multipliers>,
}

/// An agent's multiplier of each weight, indexed by [`Weight`] as a number.
pub type Multipliers = [f32; Weight::COUNT];

/// The most segments a population can hold: a slot's segment is a u16.
pub const MAX_SEGMENTS: usize = 1 << 16;

/// A categorical draw: the first index whose cumulative probability exceeds `u`.
fn categorical(probabilities: &[f64], u: f64) -> u8 {
    let mut cumulative = 0.0;
    let mut last_possible = 0;
    for (i, &p) in probabilities.iter().enumerate() {
        if p > 0.0 {
            cumulative += p;
            last_possible = i;
            if u < cumulative {
                return i as u8;
            }
        }
    }
    // Rounding can leave the cumulative sum a hair under 1.
    last_possible as u8
}

fn held_mask(draws: &AgentDraws, fractions: &[f64]) -> u32 {
    fractions
        .iter()
        .enumerate()
        .filter(|&(c, &fraction)| {
            draws.uniform_at(Purpose::Capability as u64 + c as u64) < fraction
        })
        .fold(0, |mask, (c, _)| mask | (1 << c))
}

fn multipliers(draws: &AgentDraws, heterogeneity: f64) -> Multipliers {
    let h = heterogeneity;
    std::array::from_fn(|w| libm::exp(h * draws.weight_deviate(w) - h * h / 2.0) as f32)
}

/// The agent in slot `slot`.
#[inline]
fn agent_at(placement: Option<&[u32]>, slot: usize) -> u32 {
    placement.map_or(slot as u32, |p| p[slot])
}

/// Runs `f(slot, item)` over every item, on the current rayon pool when `parallel`.
fn for_each_slot<T: Send>(items: &mut [T], parallel: bool, f: impl Fn(usize, &mut T) + Sync) {
    if parallel {
        items
            .par_iter_mut()
            .enumerate()
            .for_each(|(k, item)| f(k, item));
    } else {
        items
            .iter_mut()
            .enumerate()
            .for_each(|(k, item)| f(k, item));
    }
}

/// The agents of each segment, by agent index, in file order.
fn segment_blocks(setup: &Setup) -> Vec<Range<u32>> {
    let mut blocks = Vec::with_capacity(setup.segments.len());
    let mut start = 0u32;
    for segment in setup.segments.iter() {
        blocks.push(start..start + segment.agents);
        start += segment.agents;
    }
    blocks
}

/// Draws every agent's usage weight, by agent index: `median * exp(sigma * z)` with z from the
/// agent's usage deviate (docs/MODEL.md, Usage), 1 in a segment that declares no usage. Kept
/// as f32: 4 bytes per agent, and equal weights stay equal, so that equal medians give sums
/// that are exact multiples of one weight.
pub fn draw_usage(setup: &Setup, streams: &ReplicateStreams, parallel: bool) -> Vec<f32> {
    let mut all = vec![1.0; setup.population as usize];
    for (segment, range) in setup.segments.iter().zip(segment_blocks(setup)) {
        let Some(usage) = segment.usage else {
            continue;
        };
        let first = range.start;
        let of_segment = &mut all[range.start as usize..range.end as usize];
        for_each_slot(of_segment, parallel, |i, w| {
            let z = streams.attributes(first + i as u32).usage_deviate();
            *w = usage.weight(z) as f32;
        });
    }
    all
}

/// Draws every agent's weight multipliers, by agent index (see [`Agents::multipliers`]). It
/// needs no network, so the model draws them while the network is built.
pub fn draw_multipliers(
    setup: &Setup,
    params: &Params,
    streams: &ReplicateStreams,
    parallel: bool,
) -> Vec<Multipliers> {
    let mut all = vec![[1.0; Weight::COUNT]; setup.population as usize];
    for (s, range) in segment_blocks(setup).into_iter().enumerate() {
        let h = params.segments[s].heterogeneity;
        let first = range.start;
        let of_segment = &mut all[range.start as usize..range.end as usize];
        for_each_slot(of_segment, parallel, |i, m| {
            *m = multipliers(&streams.attributes(first + i as u32), h);
        });
    }
    all
}

impl Agents {
    /// Draws every agent's attributes for one replicate, with the capabilities of `params`
    /// (the parameters after step 0's events), into the slots given by `placement`, and takes
    /// the multipliers from [`draw_multipliers`]. `parallel` spreads the work over the current
    /// rayon pool; without it the draws stay on this thread (a task of many running in
    /// parallel must not steal others).
    pub fn draw(
        setup: &Setup,
        params: &Params,
        streams: &ReplicateStreams,
        placement: Option<&[u32]>,
        multipliers: Vec<Multipliers>,
        parallel: bool,
    ) -> Agents {
        assert!(setup.segments.len() <= MAX_SEGMENTS, "too many segments");
        let n = setup.population as usize;
        let blocks = segment_blocks(setup);
        let mut segment = vec![0u16; n];
        let ends: Vec<u32> = blocks.iter().map(|b| b.end).collect();
        for_each_slot(&mut segment, parallel, |k, s| {
            let agent = agent_at(placement, k);
            *s = ends.partition_point(|&end| end <= agent) as u16;
        });
        let mut cells = vec![(0u8, 0u8); n];
        for_each_slot(&mut cells, parallel, |k, cell| {
            let draws = streams.attributes(agent_at(placement, k));
            let s = &setup.segments[usize::from(segment[k])];
            *cell = (
                categorical(&s.tasks, draws.uniform(Purpose::Task)),
                categorical(&s.languages, draws.uniform(Purpose::Language)),
            );
        });
        let (task, language) = cells.into_iter().unzip();
        let mut agents = Agents {
            blocks,
            segment,
            task,
            language,
            held: vec![0; n],
            multipliers,
        };
        agents.refresh_held(None, params, streams, placement, parallel);
        agents
    }

    /// The bytes its per-agent arrays hold.
    pub fn bytes(&self) -> u64 {
        (std::mem::size_of_val(self.segment.as_slice())
            + std::mem::size_of_val(self.task.as_slice())
            + std::mem::size_of_val(self.language.as_slice())
            + std::mem::size_of_val(self.held.as_slice())
            + std::mem::size_of_val(self.multipliers.as_slice())) as u64
    }

    /// Recomputes which agents of `segment` hold which capabilities: agent i holds c iff its
    /// uniform u_ic is below the segment's fraction, so a lower fraction removes exactly the
    /// agents above the new threshold.
    pub fn refresh_capabilities(
        &mut self,
        segment: usize,
        params: &Params,
        streams: &ReplicateStreams,
        placement: Option<&[u32]>,
        parallel: bool,
    ) {
        self.refresh_held(Some(segment), params, streams, placement, parallel);
    }

    /// Recomputes the weight multipliers of `segment` from the agents' fixed deviates.
    pub fn refresh_multipliers(
        &mut self,
        segment: usize,
        params: &Params,
        streams: &ReplicateStreams,
        parallel: bool,
    ) {
        let range = self.blocks[segment].clone();
        let h = params.segments[segment].heterogeneity;
        let first = range.start;
        let of_segment = &mut self.multipliers[range.start as usize..range.end as usize];
        for_each_slot(of_segment, parallel, |i, m| {
            *m = multipliers(&streams.attributes(first + i as u32), h);
        });
    }

    /// Recomputes the held capabilities of the slots of `only` (every segment when `None`).
    fn refresh_held(
        &mut self,
        only: Option<usize>,
        params: &Params,
        streams: &ReplicateStreams,
        placement: Option<&[u32]>,
        parallel: bool,
    ) {
        let segment = &self.segment;
        for_each_slot(&mut self.held, parallel, |k, held| {
            if only.is_none_or(|s| usize::from(segment[k]) == s) {
                let fractions = &params.segments[usize::from(segment[k])].capabilities;
                *held = held_mask(&streams.attributes(agent_at(placement, k)), fractions);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categorical_never_picks_a_zero_probability_entry() {
        assert_eq!(categorical(&[0.0, 1.0, 0.0], 0.0), 1);
        assert_eq!(categorical(&[0.0, 1.0, 0.0], 0.999_999), 1);
        assert_eq!(categorical(&[0.5, 0.5], 0.5), 1);
        assert_eq!(categorical(&[0.5, 0.5], 0.499), 0);
    }
}
