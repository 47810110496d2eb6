//! One arm's set-up: population, network, segments and parameters, range-checked.

use super::checker::{Checker, SUM_TOLERANCE};
use crate::scenario::path::Known;
use crate::scenario::raw::RawScenario;
use crate::spec::{
    Bound, Cost, Costs, NetworkKind, NetworkSpec, Params, ProviderParams, SegmentParams,
    SegmentSetup, Setup, Timeline, Usage, Weight, Weights, segment_sizes,
};
use indexmap::IndexMap;

/// Agents are indexed by u32.
pub(super) const MAX_POPULATION: i64 = u32::MAX as i64 - 1;

/// Population, network, segments and parameters of one arm; its timeline is added later.
pub(super) fn build_setup(raw: &RawScenario, known: &Known, ck: &mut Checker) -> Setup {
    let population = ck
        .in_range(
            "scenario.population",
            raw.scenario.population,
            1,
            MAX_POPULATION,
        )
        .and_then(|n| u32::try_from(n).ok());
    let network = check_network(raw, population, ck);
    let population = population.unwrap_or(1);

    let mut segments = Vec::new();
    let mut segment_params = Vec::new();
    for s in &raw.segments {
        let key = format!("segments.{}", s.name);
        let weights = Weights::new(Weight::ALL.map(|w| {
            ck.check(
                &format!("{key}.weights.{w}"),
                s.weights.get(w),
                Bound::Finite,
            )
        }));
        let empty = IndexMap::new();
        let caps = s.capabilities.as_ref().unwrap_or(&empty);
        for (name, &x) in caps {
            ck.check(&format!("{key}.capabilities.{name}"), x, Bound::Probability);
        }
        let initial_adoption = ck.check(
            &format!("{key}.initial_adoption"),
            s.initial_adoption,
            Bound::Probability,
        );
        let potential = ck.check(
            &format!("{key}.potential"),
            s.potential.unwrap_or(1.0),
            Bound::Probability,
        );
        if initial_adoption > potential && Bound::Probability.check(potential).is_ok() {
            ck.report(
                format!("{key}.initial_adoption"),
                format!(
                    "must be at most the segment's potential ({potential}), not {initial_adoption}"
                ),
            );
        }
        segment_params.push(SegmentParams {
            capabilities: known
                .capabilities
                .iter()
                .map(|c| caps.get(c).copied().unwrap_or(0.0))
                .collect(),
            weights,
            heterogeneity: ck.check(
                &format!("{key}.heterogeneity"),
                s.heterogeneity.unwrap_or(0.0),
                Bound::Heterogeneity,
            ),
            potential,
        });
        segments.push(SegmentSetup {
            share: ck.check(&format!("{key}.share"), s.share, Bound::Probability),
            agents: 0,
            initial_adoption,
            tasks: ck.fractions(&format!("{key}.tasks"), &s.tasks, &known.tasks),
            languages: ck.fractions(&format!("{key}.languages"), &s.languages, &known.languages),
            usage: s.usage.map(|u| Usage {
                median: ck.check(&format!("{key}.usage.median"), u.median, Bound::Positive),
                sigma: ck.check(&format!("{key}.usage.sigma"), u.sigma, Bound::Heterogeneity),
            }),
        });
    }
    let share_sum: f64 = segments.iter().map(|s| s.share).sum();
    if !raw.segments.is_empty()
        && ((share_sum - 1.0).abs() > SUM_TOLERANCE || !share_sum.is_finite())
    {
        ck.report(
            "segments",
            format!(
                "segment shares sum to {}, not 1",
                crate::spec::short(share_sum)
            ),
        );
    }
    if share_sum > 0.0 && share_sum.is_finite() {
        let shares: Vec<f64> = segments.iter().map(|s| s.share).collect();
        for (segment, agents) in segments.iter_mut().zip(segment_sizes(&shares, population)) {
            segment.agents = agents;
        }
    }

    let a = &raw.adoption;
    let params = Params {
        innovation: ck.check("adoption.innovation", a.innovation, Bound::Probability),
        imitation: ck.check("adoption.imitation", a.imitation, Bound::Probability),
        reconsider: ck.check("adoption.reconsider", a.reconsider, Bound::Probability),
        outside_utility: a
            .outside_utility
            .map(|x| ck.check("adoption.outside_utility", x, Bound::Finite)),
        price_reference: ck.check(
            "adoption.price_reference",
            a.price_reference.unwrap_or(1.0),
            Bound::Positive,
        ),
        segments: segment_params,
        providers: raw
            .providers
            .iter()
            .map(|p| {
                let key = format!("providers.{}", p.id);
                let per_known = |map: &IndexMap<String, f64>,
                                 names: &[String],
                                 table: &str,
                                 ck: &mut Checker| {
                    for (name, &x) in map {
                        ck.check(&format!("{key}.{table}.{name}"), x, Bound::Finite);
                    }
                    names.iter().map(|n| map.get(n).copied()).collect()
                };
                ProviderParams {
                    requires: p
                        .requires
                        .iter()
                        .flatten()
                        .filter_map(|c| known.capabilities.iter().position(|k| k == c))
                        .fold(0, |mask, c| mask | (1 << c)),
                    available: p.available.unwrap_or(true),
                    accepts_new: p.accepts_new.unwrap_or(true),
                    costs: Costs::new(
                        Cost::ALL.map(|c| ck.check(&format!("{key}.{c}"), p.cost(c), c.bound())),
                    ),
                    quality: per_known(&p.quality, &known.tasks, "quality", ck),
                    fit: per_known(&p.languages, &known.languages, "languages", ck),
                }
            })
            .collect(),
    };
    Setup {
        population,
        network,
        segments: segments.into(),
        params: params.into(),
        timeline: Timeline::default(),
    }
}

/// The network; `population` is `None` when it is invalid (and reported), and then the degree is
/// not compared with it, so that one mistake is one problem.
fn check_network(raw: &RawScenario, population: Option<u32>, ck: &mut Checker) -> NetworkSpec {
    let n = &raw.network;
    let limit = population.map_or(i64::from(u32::MAX), i64::from);
    let shown = population.map_or_else(String::new, |p| format!(" ({p})"));
    let mut degree = || match n.degree {
        None => {
            ck.report(
                "network.degree",
                format!("required for a {} network", n.kind),
            );
            2
        }
        Some(d) if d >= 2 && d % 2 == 0 && d < limit => d as u32,
        Some(d) => {
            ck.report(
                "network.degree",
                format!("must be even with 2 <= degree < population{shown}, not {d}"),
            );
            2
        }
    };
    match NetworkKind::parse(&n.kind) {
        Some(NetworkKind::Complete) => NetworkSpec::Complete,
        Some(NetworkKind::SmallWorld) => {
            let degree = degree();
            let rewire = match n.rewire {
                Some(x) => ck.check("network.rewire", x, Bound::Probability),
                None => {
                    ck.report("network.rewire", "required for a small_world network");
                    0.0
                }
            };
            NetworkSpec::SmallWorld { degree, rewire }
        }
        Some(NetworkKind::ScaleFree) => NetworkSpec::ScaleFree { degree: degree() },
        None => {
            ck.report(
                "network.kind",
                format!(
                    "'{}' is not a network kind ({})",
                    n.kind,
                    NetworkKind::names()
                ),
            );
            NetworkSpec::Complete
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::checker::fixture::{SMALL, checker, parse, problems, small_with};
    use super::*;

    fn setup_of(text: &str) -> (Setup, Vec<(String, String)>) {
        let (raw, spans) = parse(text);
        let mut ck = checker(&spans);
        let setup = build_setup(&raw, &Known::of(&raw.segments), &mut ck);
        (setup, problems(&ck))
    }

    #[test]
    fn the_small_file_resolves_to_indices() {
        let (setup, found) = setup_of(SMALL);
        assert_eq!(found, []);
        assert_eq!(setup.population, 100);
        assert_eq!(
            setup.network,
            NetworkSpec::SmallWorld {
                degree: 4,
                rewire: 0.1
            }
        );
        let agents: Vec<u32> = setup.segments.iter().map(|s| s.agents).collect();
        assert_eq!(agents, [60, 40]);
        // Known tasks in order of first appearance: text, then code.
        assert_eq!(setup.segments[1].tasks, [0.5, 0.5]);
        assert_eq!(setup.segments[0].tasks, [1.0, 0.0]);
        let foreign = &setup.params.providers[0];
        assert_eq!(foreign.requires, 0b1);
        assert_eq!(foreign.costs[Cost::Price], 70.0);
        assert_eq!(foreign.quality, [Some(0.9), Some(0.9)]);
        let domestic = &setup.params.providers[1];
        assert_eq!((domestic.requires, domestic.quality[1]), (0, None));
        assert_eq!(setup.params.segments[1].weights[Weight::Inertia], 2.0);
        assert_eq!(setup.params.segments[1].capabilities, [0.0]);
        assert_eq!(setup.params.outside_utility, None);
    }

    #[test]
    fn each_cost_is_checked_against_its_own_bound() {
        let (_, found) = setup_of(&small_with("risk = 0.005", "risk = 1.5"));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "providers.abroad.risk");
        assert!(found[0].1.contains("probability"), "{found:?}");
        let (_, found) = setup_of(&small_with("price = 10.0", "price = -1.0"));
        assert_eq!(found[0].0, "providers.home.price");
    }

    #[test]
    fn a_degree_must_be_even_and_below_the_population() {
        let (_, found) = setup_of(&small_with("degree = 4", "degree = 5"));
        assert_eq!(found[0].0, "network.degree");
        let (_, found) = setup_of(&small_with("degree = 4", "degree = 100"));
        assert!(found[0].1.contains("population (100)"), "{found:?}");
        let (setup, found) = setup_of(&small_with(
            "kind = \"small_world\"",
            "kind = \"scale_free\"",
        ));
        assert_eq!(found, []);
        assert_eq!(setup.network, NetworkSpec::ScaleFree { degree: 4 });
    }

    #[test]
    fn shares_must_sum_to_one() {
        let (_, found) = setup_of(&small_with("share = 0.4", "share = 0.5"));
        assert_eq!(
            found,
            [(
                "segments".to_owned(),
                "segment shares sum to 1.1, not 1".to_owned()
            )]
        );
    }
}
