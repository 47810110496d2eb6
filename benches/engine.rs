//! Benchmarks of the engine's hot parts at a moderate size (`cargo bench`): drawing a network,
//! setting up a replicate, and advancing it. `scripts/bench.sh` measures the whole command at
//! the sizes of the performance targets; these are for comparing changes to one part.

use blockade::model::Simulation;
use blockade::network::Network;
use blockade::rng::ReplicateStreams;
use blockade::scenario::{Overrides, Scenario};
use blockade::setup::{KEPT_BYTES, SetupCache};
use blockade::spec::NetworkSpec;
use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use std::path::Path;
use std::sync::OnceLock;

/// Agents in the benchmarked replicate.
const AGENTS: u32 = 200_000;
/// Steps advanced per sample.
const STEPS: u32 = 8;

fn main() {
    divan::main();
}

/// The flagship scenario at `AGENTS` agents, with `network.kind` set as given.
fn scenario(kind: &str) -> &'static Scenario {
    static CACHE: OnceLock<Vec<(String, Scenario)>> = OnceLock::new();
    let all = CACHE.get_or_init(|| {
        let file =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/openai-api-block-2024.toml");
        ["small_world", "scale_free", "complete"]
            .iter()
            .map(|kind| {
                let overrides = Overrides {
                    sets: vec![format!("network.kind={kind}")],
                    population: Some(u64::from(AGENTS)),
                    ..Overrides::default()
                };
                let scenario = Scenario::load(&file, &overrides).expect("bundled scenario");
                (kind.to_string(), scenario)
            })
            .collect()
    });
    &all.iter().find(|(k, _)| k == kind).expect("known kind").1
}

/// Drawing a network of `AGENTS` nodes with degree 10 (rows and placement included).
#[divan::bench(args = ["small_world", "scale_free"], sample_count = 30)]
fn network_build(bencher: Bencher, kind: &str) {
    let spec = match kind {
        "small_world" => NetworkSpec::SmallWorld {
            degree: 10,
            rewire: 0.1,
        },
        _ => NetworkSpec::ScaleFree { degree: 10 },
    };
    bencher
        .counter(ItemsCount::new(AGENTS))
        .bench(|| Network::build(spec, AGENTS, &mut ReplicateStreams::new(2024, 0).network()));
}

/// Setting up one replicate: step 0's events, the network, the agents and step 0 itself.
#[divan::bench(args = ["small_world", "complete"], sample_count = 20)]
fn replicate_setup(bencher: Bencher, kind: &str) {
    let scenario = scenario(kind);
    let keeps_nothing = SetupCache::new(0);
    bencher.counter(ItemsCount::new(AGENTS)).bench(|| {
        Simulation::new(
            &scenario.baseline,
            scenario.seed,
            0,
            scenario.tasks.len(),
            scenario.languages.len(),
            false,
            &keeps_nothing,
        )
    });
}

/// The same for another arm of a replicate already set up: the network and the agents are
/// kept, step 0 is simulated.
#[divan::bench(args = ["small_world", "complete"], sample_count = 20)]
fn replicate_setup_kept(bencher: Bencher, kind: &str) {
    let scenario = scenario(kind);
    let kept = SetupCache::new(KEPT_BYTES);
    bencher.counter(ItemsCount::new(AGENTS)).bench(|| {
        Simulation::new(
            &scenario.baseline,
            scenario.seed,
            0,
            scenario.tasks.len(),
            scenario.languages.len(),
            false,
            &kept,
        )
    });
}

/// Advancing one replicate by `STEPS` steps from the middle of the horizon (week 30, after the
/// block, when adopters and not-adopted agents are mixed), single-threaded; counted in
/// agent-steps.
#[divan::bench(args = ["small_world", "scale_free", "complete"], sample_count = 20, sample_size = 1)]
fn step(bencher: Bencher, kind: &str) {
    let scenario = scenario(kind);
    bencher
        .counter(ItemsCount::new(u64::from(AGENTS) * u64::from(STEPS)))
        .with_inputs(|| {
            let (mut sim, _) = Simulation::new(
                &scenario.baseline,
                scenario.seed,
                0,
                scenario.tasks.len(),
                scenario.languages.len(),
                false,
                &SetupCache::new(0),
            );
            for _ in 0..30 {
                sim.advance();
            }
            sim
        })
        .bench_local_values(|mut sim| {
            for _ in 0..STEPS {
                black_box(sim.advance());
            }
            sim
        });
}
