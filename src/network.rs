//! Who influences whom: complete, Watts–Strogatz and Barabási–Albert networks (docs/MODEL.md, 7.7 Networks).
//!
//! A graph is drawn once per replicate from the (seed, replicate) stream on nodes 0..n, as
//! networkx draws it, then node k is placed on agent pi(k) for a uniform permutation pi, so
//! that hubs and lattice neighbours fall in any segment. It is kept in node order: compressed
//! sparse rows of u32 node indices plus the placement pi. The model stores its agents in node
//! order too ("slots", see `model`), so that a node's neighbours — in a small world mostly its
//! lattice neighbours k ± j — sit next to it in memory; storing the graph by agent index would
//! scatter them over the whole population and make every neighbour a cache miss.
//!
//! During construction each edge is owned by the node that made it (a lattice edge (u, u+j) by
//! u, a Barabási–Albert edge by the newer node), which lets the builders check adjacency without
//! an adjacency list per node. The rows are built from the owned edges before the placement is
//! drawn, so that the owned edges are freed before the placement is allocated (peak memory).

use crate::rng::KeyedRng;
use crate::spec::NetworkSpec;
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

/// An undirected graph on nodes 0..n, as compressed sparse rows, and the agent on each node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graph {
    /// `placement[k]`: the agent on node k.
    placement: Vec<u32>,
    offsets: Offsets,
    /// Node indices, row by row.
    neighbours: Vec<u32>,
}

/// Where each row starts: 32 bits while the rows hold fewer than 2^32 entries (every realistic
/// network; it saves 4 bytes per node), 64 bits beyond.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Offsets {
    Narrow(Vec<u32>),
    Wide(Vec<u64>),
}

impl Graph {
    /// The neighbours of node `node`, as nodes.
    #[inline]
    pub fn neighbours(&self, node: u32) -> &[u32] {
        let k = node as usize;
        let (start, end) = match &self.offsets {
            Offsets::Narrow(o) => (o[k] as usize, o[k + 1] as usize),
            Offsets::Wide(o) => (o[k] as usize, o[k + 1] as usize),
        };
        &self.neighbours[start..end]
    }

    /// The number of neighbours of node `node`.
    #[inline]
    pub fn degree(&self, node: u32) -> u32 {
        let k = node as usize;
        match &self.offsets {
            Offsets::Narrow(o) => o[k + 1] - o[k],
            Offsets::Wide(o) => (o[k + 1] - o[k]) as u32,
        }
    }

    /// The agent placed on node `node`.
    #[inline]
    pub fn agent(&self, node: u32) -> u32 {
        self.placement[node as usize]
    }

    /// The agent on each node.
    pub fn placement(&self) -> &[u32] {
        &self.placement
    }

    /// The number of nodes (and agents).
    pub fn len(&self) -> usize {
        self.placement.len()
    }

    /// True for a graph without nodes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of undirected edges.
    pub fn edges(&self) -> usize {
        self.neighbours.len() / 2
    }

    /// Builds the rows from undirected edges between nodes and the nodes' degrees; the
    /// placement comes later.
    fn from_edges(fill: Vec<u32>, edges: impl Iterator<Item = (u32, u32)>) -> Graph {
        // The degrees give the row starts, then the same counters serve as the fill cursors.
        let total: u64 = fill.iter().map(|&d| u64::from(d)).sum();
        let offsets = if total <= u64::from(u32::MAX) {
            Offsets::Narrow(prefix_sums(&fill, |x| x as u32))
        } else {
            Offsets::Wide(prefix_sums(&fill, |x| x))
        };
        let neighbours = match &offsets {
            Offsets::Narrow(o) => fill_rows(o, fill, total, edges),
            Offsets::Wide(o) => fill_rows(o, fill, total, edges),
        };
        Graph {
            placement: Vec::new(),
            offsets,
            neighbours,
        }
    }
}

/// Edges whose ends are at most this far apart write both entries at once; the rows are then
/// near each other in memory.
const NEAR: u32 = 1 << 12;
/// Far entries are sorted into buckets of this many rows (2^16) before they are written.
const BUCKET_BITS: u32 = 16;

/// The rows' entries: each edge (u, v) puts v in u's row and u in v's, at the row's cursor.
///
/// Edges come in the order of u, so u's rows fill one after another; v's row is near when the
/// edge is a lattice edge, and anywhere when it was rewired or grown by preferential
/// attachment. Writing those far entries at once would be a cache miss each (two: the cursor
/// and the entry), so they are collected, sorted by row with a stable counting sort, and
/// written bucket by bucket, in a fixed order: the rows are the same on every run.
fn fill_rows<T: Copy + Into<u64>>(
    starts: &[T],
    mut fill: Vec<u32>,
    total: u64,
    edges: impl Iterator<Item = (u32, u32)>,
) -> Vec<u32> {
    fill.iter_mut().for_each(|f| *f = 0);
    let mut rows = Rows {
        starts,
        fill,
        neighbours: vec![0u32; total as usize],
    };
    let capacity = (rows.fill.len() / 4).max(1 << 16);
    let mut far: Vec<u64> = Vec::with_capacity(capacity);
    let mut sorted: Vec<u64> = Vec::new();
    for (u, v) in edges {
        rows.put(u, v);
        if u.abs_diff(v) <= NEAR {
            rows.put(v, u);
        } else {
            far.push(u64::from(v) << 32 | u64::from(u));
            if far.len() == capacity {
                rows.put_far(&mut far, &mut sorted);
            }
        }
    }
    rows.put_far(&mut far, &mut sorted);
    rows.neighbours
}

/// Rows being filled: where each starts, how many entries each has so far, and the entries.
struct Rows<'a, T> {
    starts: &'a [T],
    fill: Vec<u32>,
    neighbours: Vec<u32>,
}

impl<T: Copy + Into<u64>> Rows<'_, T> {
    /// Appends `entry` to row `row`.
    #[inline(always)]
    fn put(&mut self, row: u32, entry: u32) {
        let row = row as usize;
        let at = self.starts[row].into() as usize + self.fill[row] as usize;
        self.neighbours[at] = entry;
        self.fill[row] += 1;
    }

    /// Writes the collected far entries (row << 32 | entry) in the order of their rows'
    /// buckets, keeping their order within a bucket, and empties the collection.
    fn put_far(&mut self, far: &mut Vec<u64>, sorted: &mut Vec<u64>) {
        let bucket = |e: u64| ((e >> 32) >> BUCKET_BITS) as usize;
        let mut ends = vec![0usize; (self.fill.len() >> BUCKET_BITS) + 2];
        for &e in far.iter() {
            ends[bucket(e) + 1] += 1;
        }
        for b in 1..ends.len() {
            ends[b] += ends[b - 1];
        }
        sorted.clear();
        sorted.resize(far.len(), 0);
        for &e in far.iter() {
            let cursor = &mut ends[bucket(e)];
            sorted[*cursor] = e;
            *cursor += 1;
        }
        for &e in sorted.iter() {
            self.put((e >> 32) as u32, e as u32);
        }
        far.clear();
    }
}

/// The n + 1 row starts of rows of the given lengths.
fn prefix_sums<T>(lengths: &[u32], cast: impl Fn(u64) -> T) -> Vec<T> {
    let mut sums = Vec::with_capacity(lengths.len() + 1);
    let mut total = 0u64;
    sums.push(cast(0));
    for &d in lengths {
        total += u64::from(d);
        sums.push(cast(total));
    }
    sums
}

impl Network {
    /// Draws the network of a replicate on `population` agents.
    pub fn build(spec: NetworkSpec, population: u32, rng: &mut KeyedRng) -> Network {
        let n = population as usize;
        match spec {
            NetworkSpec::Complete => Network::Complete,
            NetworkSpec::SmallWorld { degree, rewire } => {
                let half = (degree / 2) as usize;
                let (owned, degrees) = watts_strogatz(n, half, rewire, rng);
                let edges = owned
                    .chunks_exact(half)
                    .enumerate()
                    .flat_map(|(u, row)| row.iter().map(move |&w| (u as u32, w)));
                let mut graph = Graph::from_edges(degrees, edges);
                drop(owned);
                graph.placement = permutation(n, rng);
                Network::Graph(graph)
            }
            NetworkSpec::ScaleFree { degree } => {
                let m = (degree / 2) as usize;
                let owned = barabasi_albert(n, m, rng);
                let star = (1..=m as u32).map(|leaf| (0, leaf));
                let grown = owned
                    .chunks_exact(m)
                    .enumerate()
                    .flat_map(|(i, row)| row.iter().map(move |&t| ((m + 1 + i) as u32, t)));
                let edges = star.chain(grown);
                let mut degrees = vec![0u32; n];
                for (u, v) in edges.clone() {
                    degrees[u as usize] += 1;
                    degrees[v as usize] += 1;
                }
                let mut graph = Graph::from_edges(degrees, edges);
                drop(owned);
                graph.placement = permutation(n, rng);
                Network::Graph(graph)
            }
        }
    }

    /// The agent on each node, or `None` for the complete network, whose nodes are the agents.
    pub fn placement(&self) -> Option<&[u32]> {
        match self {
            Network::Complete => None,
            Network::Graph(graph) => Some(graph.placement()),
        }
    }

    /// The bytes its arrays hold.
    pub fn bytes(&self) -> u64 {
        match self {
            Network::Complete => 0,
            Network::Graph(graph) => {
                let offsets = match &graph.offsets {
                    Offsets::Narrow(o) => std::mem::size_of_val(o.as_slice()),
                    Offsets::Wide(o) => std::mem::size_of_val(o.as_slice()),
                };
                (std::mem::size_of_val(graph.placement.as_slice())
                    + offsets
                    + std::mem::size_of_val(graph.neighbours.as_slice())) as u64
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
fn watts_strogatz(n: usize, half: usize, rewire: f64, rng: &mut KeyedRng) -> (Vec<u32>, Vec<u32>) {
    let mut owned: Vec<u32> = Vec::with_capacity(n * half);
    for u in 0..n {
        owned.extend((u + 1..=u + half).map(|w| if w >= n { w - n } else { w } as u32));
    }
    let mut degree = vec![2 * half as u32; n];
    // A bit per node whose row has been rewired. A row that has not still holds u+1..=u+half,
    // so asking whether it holds a node is arithmetic instead of a read at a random place.
    let mut rewired = vec![0u64; n.div_ceil(64)];
    let adjacent = |owned: &[u32], rewired: &[u64], u: usize, w: usize| {
        owned[u * half..(u + 1) * half].contains(&(w as u32))
            || if rewired[w / 64] & (1 << (w % 64)) == 0 {
                (1..=half).contains(&((u + n - w) % n))
            } else {
                owned[w * half..(w + 1) * half].contains(&(u as u32))
            }
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
            while w == u || adjacent(&owned, &rewired, u, w) {
                w = rng.random_range(0..n);
            }
            let slot = u * half + j;
            let v = owned[slot] as usize;
            owned[slot] = w as u32;
            rewired[u / 64] |= 1 << (u % 64);
            degree[v] -= 1;
            degree[w] += 1;
        }
    }
    (owned, degree)
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
        let mut placed = g.placement().to_vec();
        placed.sort_unstable();
        assert!(
            placed.iter().enumerate().all(|(i, &a)| a as usize == i),
            "not a permutation"
        );
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
