//! Who influences whom: complete, Watts–Strogatz and Barabási–Albert networks (contract 7.15).
//!
//! A graph is drawn once per replicate from the (seed, replicate) stream on nodes 0..n, as
//! networkx draws it, then node k is placed on agent pi(k) for a uniform permutation pi, so
//! that hubs and lattice neighbours fall in any segment. It is stored as compressed sparse rows
//! of u32 agent indices. During construction each edge is owned by the node that made it (a
//! lattice edge (u, u+j) by u, a Barabási–Albert edge by the newer node), which lets the
//! builders check adjacency without an adjacency list per node.

use crate::rng::KeyedRng;
use crate::scenario::NetworkSpec;
use rand::RngExt;
use rand::seq::SliceRandom;

/// The network of one replicate.
#[derive(Debug, Clone)]
pub enum Network {
    /// Everyone knows everyone: fractions are of the whole population, excluding the agent.
    Complete,
    /// An explicit undirected graph.
    Graph(Graph),
}

/// An undirected graph on agents, as compressed sparse rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graph {
    offsets: Vec<u64>,
    neighbours: Vec<u32>,
}

impl Graph {
    /// The neighbours of `agent`.
    #[inline]
    pub fn neighbours(&self, agent: u32) -> &[u32] {
        let a = agent as usize;
        &self.neighbours[self.offsets[a] as usize..self.offsets[a + 1] as usize]
    }

    /// The number of agents.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// True for a graph without agents.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of undirected edges.
    pub fn edges(&self) -> usize {
        self.neighbours.len() / 2
    }

    /// Builds the rows from edges between nodes, placing node k on agent `placement[k]`.
    fn from_edges(
        n: usize,
        edges: impl Iterator<Item = (u32, u32)> + Clone,
        placement: &[u32],
    ) -> Graph {
        let mut offsets = vec![0u64; n + 1];
        for (u, v) in edges.clone() {
            offsets[placement[u as usize] as usize + 1] += 1;
            offsets[placement[v as usize] as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut cursor: Vec<u64> = offsets[..n].to_vec();
        let mut neighbours = vec![0u32; offsets[n] as usize];
        for (u, v) in edges {
            let (a, b) = (placement[u as usize], placement[v as usize]);
            neighbours[cursor[a as usize] as usize] = b;
            cursor[a as usize] += 1;
            neighbours[cursor[b as usize] as usize] = a;
            cursor[b as usize] += 1;
        }
        Graph {
            offsets,
            neighbours,
        }
    }
}

impl Network {
    /// Draws the network of a replicate on `population` agents.
    pub fn build(spec: NetworkSpec, population: u32, rng: &mut KeyedRng) -> Network {
        let n = population as usize;
        match spec {
            NetworkSpec::Complete => Network::Complete,
            NetworkSpec::SmallWorld { degree, rewire } => {
                let half = (degree / 2) as usize;
                let owned = watts_strogatz(n, half, rewire, rng);
                let placement = permutation(n, rng);
                let edges = owned
                    .iter()
                    .enumerate()
                    .map(move |(slot, &w)| ((slot / half) as u32, w));
                Network::Graph(Graph::from_edges(n, edges, &placement))
            }
            NetworkSpec::ScaleFree { degree } => {
                let m = (degree / 2) as usize;
                let owned = barabasi_albert(n, m, rng);
                let placement = permutation(n, rng);
                let star = (1..=m as u32).map(|leaf| (0, leaf));
                let grown = owned
                    .iter()
                    .enumerate()
                    .map(move |(slot, &t)| ((m + 1 + slot / m) as u32, t));
                Network::Graph(Graph::from_edges(n, star.chain(grown), &placement))
            }
        }
    }
}

/// A uniform permutation of 0..n: node k is placed on agent `perm[k]`.
fn permutation(n: usize, rng: &mut KeyedRng) -> Vec<u32> {
    let mut perm: Vec<u32> = (0..n as u32).collect();
    perm.shuffle(rng);
    perm
}

/// Watts–Strogatz as networkx's `watts_strogatz_graph` builds it: a ring lattice where node u
/// owns edges (u, u+j) for j = 1..=half; then for each j and each u in order, with probability
/// `rewire`, (u, u+j) becomes (u, w) for w uniform among nodes that are neither u nor adjacent
/// to u (the edge is kept when u is adjacent to everyone). Returns `owned[u * half + j - 1]`.
fn watts_strogatz(n: usize, half: usize, rewire: f64, rng: &mut KeyedRng) -> Vec<u32> {
    let mut owned: Vec<u32> = (0..n * half)
        .map(|slot| ((slot / half + slot % half + 1) % n) as u32)
        .collect();
    let mut degree = vec![2 * half as u32; n];
    let adjacent = |owned: &[u32], u: usize, w: usize| {
        owned[u * half..(u + 1) * half].contains(&(w as u32))
            || owned[w * half..(w + 1) * half].contains(&(u as u32))
    };
    for j in 0..half {
        for u in 0..n {
            if rng.uniform() >= rewire {
                continue;
            }
            if degree[u] as usize >= n - 1 {
                continue;
            }
            let mut w = rng.random_range(0..n);
            while w == u || adjacent(&owned, u, w) {
                w = rng.random_range(0..n);
            }
            let slot = u * half + j;
            let v = owned[slot] as usize;
            owned[slot] = w as u32;
            degree[v] -= 1;
            degree[w] += 1;
        }
    }
    owned
}

/// Barabási–Albert as networkx's `barabasi_albert_graph` builds it: a star on m + 1 nodes
/// (centre 0), then each new node s attaches to m distinct nodes drawn from the list in which
/// every node appears once per edge end. That list is never stored: it is the star's ends
/// followed, for each new node, by its m targets and then m copies of itself, so a position in
/// it can be read off `owned`. Returns `owned[(s - m - 1) * m + i]`, the i-th target of s.
fn barabasi_albert(n: usize, m: usize, rng: &mut KeyedRng) -> Vec<u32> {
    let grown = n.saturating_sub(m + 1);
    let mut owned: Vec<u32> = Vec::with_capacity(grown * m);
    let mut chosen: Vec<u32> = Vec::with_capacity(m);
    for s in (m + 1)..n {
        let ends = 2 * m + (s - m - 1) * 2 * m;
        chosen.clear();
        while chosen.len() < m {
            let r = rng.random_range(0..ends);
            let node = if r < m {
                0
            } else if r < 2 * m {
                (r - m + 1) as u32
            } else {
                let block = (r - 2 * m) / (2 * m);
                let pos = (r - 2 * m) % (2 * m);
                if pos < m {
                    owned[block * m + pos]
                } else {
                    (m + 1 + block) as u32
                }
            };
            if !chosen.contains(&node) {
                chosen.push(node);
            }
        }
        owned.extend_from_slice(&chosen);
    }
    owned
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::ReplicateStreams;

    fn graph(spec: NetworkSpec, n: u32) -> Graph {
        match Network::build(spec, n, &mut ReplicateStreams::new(1, 0).network()) {
            Network::Graph(g) => g,
            Network::Complete => panic!("expected a graph"),
        }
    }

    fn assert_simple_and_undirected(g: &Graph) {
        for a in 0..g.len() as u32 {
            let ns = g.neighbours(a);
            assert!(!ns.contains(&a), "self-loop at {a}");
            let mut sorted = ns.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), ns.len(), "multi-edge at {a}");
            for &b in ns {
                assert!(g.neighbours(b).contains(&a), "edge {a}-{b} is one-way");
            }
        }
    }

    #[test]
    fn small_world_keeps_the_edge_count_and_stays_simple() {
        let g = graph(
            NetworkSpec::SmallWorld {
                degree: 10,
                rewire: 0.3,
            },
            2000,
        );
        assert_eq!(g.edges(), 2000 * 5);
        assert_simple_and_undirected(&g);
    }

    #[test]
    fn small_world_without_rewiring_is_a_ring_lattice() {
        let g = graph(
            NetworkSpec::SmallWorld {
                degree: 4,
                rewire: 0.0,
            },
            50,
        );
        assert!((0..50).all(|a| g.neighbours(a).len() == 4));
        assert_simple_and_undirected(&g);
    }

    #[test]
    fn a_lattice_that_is_nearly_complete_is_left_alone() {
        // degree = n - 1 rounded down to even: every node is adjacent to all but one.
        let g = graph(
            NetworkSpec::SmallWorld {
                degree: 8,
                rewire: 1.0,
            },
            9,
        );
        assert_simple_and_undirected(&g);
        assert_eq!(g.edges(), 9 * 4);
    }

    #[test]
    fn scale_free_has_the_barabasi_albert_edge_count_and_hubs() {
        let n = 5000;
        let m = 3;
        let g = graph(NetworkSpec::ScaleFree { degree: 6 }, n);
        assert_eq!(g.edges(), m + (n as usize - m - 1) * m);
        assert_simple_and_undirected(&g);
        let max_degree = (0..n).map(|a| g.neighbours(a).len()).max().unwrap();
        // A preferential-attachment hub grows like sqrt(n); a random graph's would stay near 2m.
        assert!(max_degree > 50, "max degree {max_degree}");
        assert!((0..n).all(|a| g.neighbours(a).len() >= m));
    }

    #[test]
    fn the_same_key_gives_the_same_graph() {
        let spec = NetworkSpec::SmallWorld {
            degree: 6,
            rewire: 0.2,
        };
        assert_eq!(graph(spec, 300), graph(spec, 300));
    }
}
