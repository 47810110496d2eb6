//! What a replicate draws before its first step — its network, its agents' attributes and
//! usage weights — drawn once and shared by every task that would draw the same: the arms and
//! sweep points of one replicate whose population, network and segments agree
//! (docs/PERFORMANCE.md, Shared set-up).
//!
//! Every draw comes from keyed streams, so a set-up is a function of what it is drawn from:
//! the network of the seed, the replicate, the population and the network's kind and
//! parameters; the agents of that network and of each segment's size, task and language
//! probabilities, usage distribution, and capability fractions and heterogeneity after step
//! 0's events. [`SetupCache`] is keyed by exactly those values (numbers by their bits), so a
//! task given a kept set-up gets the bits it would have drawn itself: no result depends on
//! what was kept, nor on the order of the tasks.
//!
//! Memory: the kept set-ups hold at most the cache's budget, least recently used out first; a
//! set-up larger than the budget is never kept and lives only as long as the task drawing it,
//! as before the cache existed. Tasks hold set-ups by `Arc`; a task whose events change its
//! agents' capabilities or multipliers copies the agents on its first change.

use crate::network::Network;
use crate::population::{self, Agents};
use crate::rng::ReplicateStreams;
use crate::spec::{Params, Setup};
use std::sync::{Arc, Mutex, PoisonError};

/// The most bytes of set-ups a [`SetupCache`] keeps for tasks still to come, besides the
/// set-ups of the tasks running. 64 MiB keeps about seven replicates of 100 000 agents on a
/// small world of degree 10, or a thousand of 5 000.
pub const KEPT_BYTES: u64 = 64 << 20;

/// A replicate's set-up, shared read-only by the tasks that draw the same.
#[derive(Debug, Clone)]
pub struct ReplicateSetup {
    /// The network.
    pub network: Arc<Network>,
    /// The agents' attributes with the capabilities and multipliers of step 0.
    pub agents: Arc<Agents>,
    /// Each agent's usage weight, by agent; empty when no segment declares usage.
    pub usage: Arc<[f32]>,
}

impl ReplicateSetup {
    /// The bytes its arrays hold.
    fn bytes(&self) -> u64 {
        self.network.bytes() + self.agents.bytes() + std::mem::size_of_val(&*self.usage) as u64
    }

    /// Draws the set-up of `setup` with the parameters `params` (after step 0's events),
    /// taking `network` when it is already drawn. `parallel` spreads the work over the current
    /// rayon pool.
    fn draw(
        setup: &Setup,
        params: &Params,
        streams: &ReplicateStreams,
        network: Option<Arc<Network>>,
        parallel: bool,
    ) -> ReplicateSetup {
        // The network first: its construction peaks above its final size, and the agents'
        // arrays are not allocated yet. The multipliers need no placement: drawn on the other
        // threads while the network, whose construction is sequential, is built.
        let build = || match network {
            Some(network) => network,
            None => Arc::new(Network::build(
                setup.network,
                setup.population,
                &mut streams.network(),
            )),
        };
        let multiply = || population::draw_multipliers(setup, params, streams, parallel);
        let (network, multipliers) = if parallel {
            rayon::join(build, multiply)
        } else {
            (build(), multiply())
        };
        let agents = Agents::draw(
            setup,
            params,
            streams,
            network.placement(),
            multipliers,
            parallel,
        );
        let usage = if setup.has_usage() {
            population::draw_usage(setup, streams, parallel)
        } else {
            Vec::new()
        };
        ReplicateSetup {
            network,
            agents: Arc::new(agents),
            usage: usage.into(),
        }
    }
}

/// What a network is drawn from, numbers by their bits.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NetworkKey {
    seed: u64,
    replicate: u32,
    population: u32,
    /// The kind and its parameters: (kind, degree, rewire's bits).
    spec: (u8, u32, u64),
}

/// What a segment's agents are drawn from, numbers by their bits.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SegmentKey {
    agents: u32,
    tasks: Vec<u64>,
    languages: Vec<u64>,
    usage: Option<(u64, u64)>,
    capabilities: Vec<u64>,
    heterogeneity: u64,
}

/// What a replicate's set-up is drawn from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SetupKey {
    network: NetworkKey,
    segments: Vec<SegmentKey>,
}

fn bits(values: &[f64]) -> Vec<u64> {
    values.iter().map(|v| v.to_bits()).collect()
}

impl SetupKey {
    fn of(setup: &Setup, params: &Params, seed: u64, replicate: u32) -> SetupKey {
        use crate::spec::NetworkSpec;
        let spec = match setup.network {
            NetworkSpec::Complete => (0, 0, 0),
            NetworkSpec::SmallWorld { degree, rewire } => (1, degree, rewire.to_bits()),
            NetworkSpec::ScaleFree { degree } => (2, degree, 0),
        };
        let segments = setup
            .segments
            .iter()
            .zip(&params.segments)
            .map(|(segment, drawn)| SegmentKey {
                agents: segment.agents,
                tasks: bits(&segment.tasks),
                languages: bits(&segment.languages),
                usage: segment
                    .usage
                    .map(|u| (u.median.to_bits(), u.sigma.to_bits())),
                capabilities: bits(&drawn.capabilities),
                heterogeneity: drawn.heterogeneity.to_bits(),
            })
            .collect();
        SetupKey {
            network: NetworkKey {
                seed,
                replicate,
                population: setup.population,
                spec,
            },
            segments,
        }
    }
}

/// A kept set-up.
#[derive(Debug)]
struct Kept {
    key: SetupKey,
    setup: ReplicateSetup,
    bytes: u64,
    /// When it was last asked for, in requests to the cache.
    used: u64,
}

#[derive(Debug, Default)]
struct Shelf {
    kept: Vec<Kept>,
    requests: u64,
}

/// Set-ups kept for the tasks of a run, shared between threads (see the module's doc).
#[derive(Debug)]
pub struct SetupCache {
    budget: u64,
    shelf: Mutex<Shelf>,
}

impl SetupCache {
    /// A cache that keeps at most `budget` bytes of set-ups; 0 keeps none.
    pub fn new(budget: u64) -> SetupCache {
        SetupCache {
            budget,
            shelf: Mutex::new(Shelf::default()),
        }
    }

    /// The set-up of replicate `replicate` of `setup` with the parameters `params` (after step
    /// 0's events): a kept one drawn from the same values, else drawn now (with a kept network
    /// when one was drawn from the same values) and kept if it fits the budget. Two tasks
    /// asking at once for a set-up not yet kept each draw it: drawing outside the lock keeps
    /// any thread from waiting on another.
    pub fn replicate(
        &self,
        setup: &Setup,
        params: &Params,
        seed: u64,
        replicate: u32,
        parallel: bool,
    ) -> ReplicateSetup {
        let key = SetupKey::of(setup, params, seed, replicate);
        let network = {
            let mut shelf = self.lock();
            shelf.requests += 1;
            let now = shelf.requests;
            if let Some(kept) = shelf.kept.iter_mut().find(|k| k.key == key) {
                kept.used = now;
                return kept.setup.clone();
            }
            shelf
                .kept
                .iter()
                .find(|k| k.key.network == key.network)
                .map(|k| Arc::clone(&k.setup.network))
        };
        let streams = ReplicateStreams::new(seed, replicate);
        let drawn = ReplicateSetup::draw(setup, params, &streams, network, parallel);
        let bytes = drawn.bytes();
        if bytes <= self.budget {
            let mut shelf = self.lock();
            if !shelf.kept.iter().any(|k| k.key == key) {
                let used = shelf.requests;
                shelf.kept.push(Kept {
                    key,
                    setup: drawn.clone(),
                    bytes,
                    used,
                });
                shelf.evict(self.budget);
            }
        }
        drawn
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shelf> {
        // The shelf is consistent between statements: a panic elsewhere leaves it usable.
        self.shelf.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Shelf {
    /// Drops the least recently used set-ups until the rest fit in `budget`.
    fn evict(&mut self, budget: u64) {
        let mut total: u64 = self.kept.iter().map(|k| k.bytes).sum();
        while total > budget {
            let oldest = (0..self.kept.len())
                .min_by_key(|&i| self.kept[i].used)
                .expect("a total above the budget has a set-up");
            total -= self.kept.swap_remove(oldest).bytes;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Overrides, Scenario};
    use std::path::Path;

    fn scenario(sets: &[&str]) -> Scenario {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/tiny-sweep.toml");
        let overrides = Overrides {
            sets: sets.iter().map(|s| s.to_string()).collect(),
            ..Overrides::default()
        };
        Scenario::load(&file, &overrides).expect("test scenario")
    }

    #[test]
    fn a_kept_setup_is_what_drawing_it_again_gives() {
        let s = scenario(&[]);
        let cache = SetupCache::new(KEPT_BYTES);
        let params = &s.baseline.params;
        let first = cache.replicate(&s.baseline, params, s.seed, 1, false);
        let again = cache.replicate(&s.baseline, params, s.seed, 1, false);
        assert!(
            Arc::ptr_eq(&first.agents, &again.agents),
            "kept, not drawn again"
        );
        let fresh = SetupCache::new(0).replicate(&s.baseline, params, s.seed, 1, true);
        assert!(!Arc::ptr_eq(&first.agents, &fresh.agents));
        assert_eq!(first.agents.segment, fresh.agents.segment);
        assert_eq!(first.agents.task, fresh.agents.task);
        assert_eq!(first.agents.language, fresh.agents.language);
        assert_eq!(first.agents.held, fresh.agents.held);
        assert_eq!(first.agents.multipliers, fresh.agents.multipliers);
        assert_eq!(first.network.placement(), fresh.network.placement());
    }

    #[test]
    fn a_setup_drawn_from_other_values_is_not_taken() {
        let s = scenario(&[]);
        let cache = SetupCache::new(KEPT_BYTES);
        let params = &s.baseline.params;
        let r0 = cache.replicate(&s.baseline, params, s.seed, 0, false);
        let r1 = cache.replicate(&s.baseline, params, s.seed, 1, false);
        assert!(!Arc::ptr_eq(&r0.agents, &r1.agents));
        assert!(!Arc::ptr_eq(&r0.network, &r1.network));
        let other_seed = cache.replicate(&s.baseline, params, s.seed + 1, 0, false);
        assert!(!Arc::ptr_eq(&r0.network, &other_seed.network));

        // Another capability fraction: the same network, other agents.
        let mut vpn = Params::clone(params);
        vpn.segments[0].capabilities[0] += 0.25;
        let fewer = cache.replicate(&s.baseline, &vpn, s.seed, 0, false);
        assert!(Arc::ptr_eq(&r0.network, &fewer.network));
        assert!(!Arc::ptr_eq(&r0.agents, &fewer.agents));
        assert_ne!(r0.agents.held, fewer.agents.held);

        // Another heterogeneity: other multipliers.
        let mut spread = Params::clone(params);
        spread.segments[0].heterogeneity += 0.5;
        let wider = cache.replicate(&s.baseline, &spread, s.seed, 0, false);
        assert!(!Arc::ptr_eq(&r0.agents, &wider.agents));

        // Another network: drawn anew.
        let rewired = scenario(&["network.rewire=0.3"]);
        let other = cache.replicate(&rewired.baseline, params, s.seed, 0, false);
        assert!(!Arc::ptr_eq(&r0.network, &other.network));
        assert_ne!(r0.network.placement(), other.network.placement());
    }

    #[test]
    fn the_cache_keeps_no_more_than_its_budget() {
        let s = scenario(&[]);
        let params = &s.baseline.params;
        let one = SetupCache::new(KEPT_BYTES)
            .replicate(&s.baseline, params, s.seed, 0, false)
            .bytes();
        // Room for two set-ups: asking for a third drops the least recently used.
        let cache = SetupCache::new(2 * one + one / 2);
        for replicate in [0, 1, 0, 2] {
            cache.replicate(&s.baseline, params, s.seed, replicate, false);
        }
        let mut kept: Vec<u32> = cache
            .lock()
            .kept
            .iter()
            .map(|k| k.key.network.replicate)
            .collect();
        kept.sort_unstable();
        // Replicate 1 was the least recently used.
        assert_eq!(kept, [0, 2]);

        // A set-up larger than the budget is never kept.
        let none = SetupCache::new(one - 1);
        let a = none.replicate(&s.baseline, params, s.seed, 0, false);
        let b = none.replicate(&s.baseline, params, s.seed, 0, false);
        assert!(!Arc::ptr_eq(&a.agents, &b.agents));
        assert!(none.lock().kept.is_empty());
    }
}
