//! What one arm simulates: population, network, segments, parameters and events.

use super::named::named_enum;
use super::params::Params;
use super::patch::Timeline;
use std::sync::Arc;

named_enum! {
    /// The kinds of network a file may name (`network.kind`).
    pub enum NetworkKind {
        /// Everyone knows everyone.
        Complete = "complete",
        /// Watts–Strogatz: a ring lattice, rewired.
        SmallWorld = "small_world",
        /// Barabási–Albert preferential attachment.
        ScaleFree = "scale_free",
    }
}

impl NetworkKind {
    /// Whether the kind reads `network.degree`.
    pub const fn uses_degree(self) -> bool {
        match self {
            NetworkKind::Complete => false,
            NetworkKind::SmallWorld | NetworkKind::ScaleFree => true,
        }
    }

    /// Whether the kind reads `network.rewire`.
    pub const fn uses_rewire(self) -> bool {
        match self {
            NetworkKind::Complete | NetworkKind::ScaleFree => false,
            NetworkKind::SmallWorld => true,
        }
    }
}

/// The kind of network and its parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NetworkSpec {
    /// Everyone knows everyone.
    Complete,
    /// Watts–Strogatz from a ring lattice of `degree` neighbours.
    SmallWorld {
        /// Even, 2 <= degree < population.
        degree: u32,
        /// Rewiring probability.
        rewire: f64,
    },
    /// Barabási–Albert with m = degree / 2.
    ScaleFree {
        /// Even, 2 <= degree < population.
        degree: u32,
    },
}

impl NetworkSpec {
    /// The kind, as `network.kind` names it.
    pub const fn kind(&self) -> NetworkKind {
        match self {
            NetworkSpec::Complete => NetworkKind::Complete,
            NetworkSpec::SmallWorld { .. } => NetworkKind::SmallWorld,
            NetworkSpec::ScaleFree { .. } => NetworkKind::ScaleFree,
        }
    }
}

/// A segment's fixed composition.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentSetup {
    /// The share as written.
    pub share: f64,
    /// Its agents, by the largest-remainder rule ([`segment_sizes`]).
    pub agents: u32,
    /// Fraction adopted at step 0.
    pub initial_adoption: f64,
    /// Per known task, the probability of drawing it (normalised to sum to 1).
    pub tasks: Vec<f64>,
    /// Per known language, the probability of drawing it (normalised to sum to 1).
    pub languages: Vec<f64>,
    /// The distribution of its agents' usage weights; `None` when the file declares none.
    pub usage: Option<Usage>,
}

/// A segment's log-normal usage weight: an agent's is `median * exp(sigma * z)`, z standard
/// normal (docs/MODEL.md, Usage). Usage weights the outputs and changes no decision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Usage {
    /// The median weight, > 0.
    pub median: f64,
    /// The sd of the log of the weight, in [0, 3].
    pub sigma: f64,
}

impl Usage {
    /// The weight of an agent whose standard normal deviate is `z`. exp comes from `libm` so
    /// that the weight, and every usage sum, is the same on every platform.
    pub fn weight(&self, z: f64) -> f64 {
        self.median * libm::exp(self.sigma * z)
    }
}

/// Everything that differs between variants: population, network, segments, parameters and
/// events.
#[derive(Debug, Clone, PartialEq)]
pub struct Setup {
    /// Number of agents.
    pub population: u32,
    /// The network.
    pub network: NetworkSpec,
    /// Per segment, in file order. Shared by the arms of a sweep point that the same values
    /// give, so that a sweep of many points holds them once per point, not once per arm.
    pub segments: Arc<[SegmentSetup]>,
    /// The parameters before step 0's events; shared as the segments are.
    pub params: Arc<Params>,
    /// The events, resolved.
    pub timeline: Timeline,
}

impl Setup {
    /// Whether some segment declares a usage weight, so that usage is drawn and summed.
    pub fn has_usage(&self) -> bool {
        self.segments.iter().any(|s| s.usage.is_some())
    }
}

/// Splits `population` seats among segments by the largest-remainder rule (docs/MODEL.md, 5.
/// Initialisation): shares are divided by their sum, each segment gets floor(share * N + 1e-9)
/// seats, and the seats left over go one each to the largest remainders, ties to the earlier
/// segment.
pub fn segment_sizes(shares: &[f64], population: u32) -> Vec<u32> {
    let total: f64 = shares.iter().sum();
    let n = f64::from(population);
    let exact: Vec<f64> = shares.iter().map(|s| s / total * n).collect();
    let mut sizes: Vec<u32> = exact.iter().map(|x| (x + 1e-9).floor() as u32).collect();
    let assigned: u64 = sizes.iter().map(|&s| u64::from(s)).sum();
    let leftover = u64::from(population).saturating_sub(assigned);
    let mut order: Vec<usize> = (0..shares.len()).collect();
    // A stable sort keeps the earlier segment first among equal remainders.
    order.sort_by(|&a, &b| {
        let ra = exact[a] - f64::from(sizes[a]);
        let rb = exact[b] - f64::from(sizes[b]);
        rb.total_cmp(&ra)
    });
    for &segment in order.iter().cycle().take(leftover as usize) {
        sizes[segment] += 1;
    }
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_remainder_gives_leftover_seats_to_the_largest_remainders() {
        assert_eq!(segment_sizes(&[0.5, 0.5], 3), [2, 1]); // tie: the earlier segment
        assert_eq!(segment_sizes(&[0.35, 0.45, 0.2], 10), [4, 4, 2]);
        assert_eq!(segment_sizes(&[0.333, 0.333, 0.334], 100), [33, 33, 34]);
        assert_eq!(segment_sizes(&[1.0, 0.0], 7), [7, 0]);
        // Shares are divided by their sum first.
        assert_eq!(segment_sizes(&[2.0, 2.0], 4), [2, 2]);
    }

    #[test]
    fn sizes_always_add_up_to_the_population() {
        for n in [1, 2, 7, 99, 100_001] {
            let sizes = segment_sizes(&[0.1, 0.2, 0.3, 0.4], n);
            assert_eq!(sizes.iter().sum::<u32>(), n);
        }
    }
}
