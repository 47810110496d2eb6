//! What the parameters imply for every choice, computed when events apply rather than per
//! choice: each cell's (task, language) candidates and their appeal, and each provider's terms.

use crate::rng::Threshold;
use crate::spec::{Cost, Params};

/// A provider's terms, packed the way a choice reads them.
#[derive(Debug, Clone, Copy)]
pub(super) struct Terms {
    /// What a utility subtracts for each cost, before weighing ([`Cost::term`]).
    pub(super) costs: [f64; Cost::COUNT],
    /// The capabilities it requires, a bit each.
    pub(super) requires: u32,
    pub(super) accepts_new: bool,
    /// `risk` as a threshold on the cut-off draw.
    pub(super) cut_off: Threshold,
}

/// What the parameters imply for a choice, recomputed only when events apply.
#[derive(Debug, Clone)]
pub(super) struct Derived {
    /// `appeal[cell * providers + p]`, cell = task * languages + language: quality times fit,
    /// or NaN where p is unavailable or does not serve the task or the language.
    pub(super) appeal: Vec<f64>,
    /// Per cell, the providers not NaN in `appeal`, in file order:
    /// `candidates[starts[cell]..starts[cell + 1]]`. A choice looks at these only.
    pub(super) candidates: Vec<u8>,
    pub(super) starts: Vec<usize>,
    /// Per provider.
    pub(super) terms: Vec<Terms>,
    /// Per segment, its potential as a threshold on the agent's potential draw: an agent is a
    /// potential adopter while its draw is below (docs/MODEL.md, 7.1 Adoption).
    pub(super) potential: Vec<Threshold>,
    /// Whether every segment's potential is 1: then every agent is a potential adopter and the
    /// step skips the potential draw, which could not say otherwise (every uniform is < 1).
    pub(super) everyone_potential: bool,
    pub(super) languages: usize,
    pub(super) providers: usize,
}

impl Derived {
    pub(super) fn new(params: &Params, tasks: usize, languages: usize) -> Derived {
        let providers = params.providers.len();
        let mut appeal = vec![f64::NAN; tasks * languages * providers];
        let mut candidates = Vec::new();
        let mut starts = Vec::with_capacity(tasks * languages + 1);
        for task in 0..tasks {
            for language in 0..languages {
                starts.push(candidates.len());
                for (p, provider) in params.providers.iter().enumerate() {
                    if let (true, Some(q), Some(fit)) = (
                        provider.available,
                        provider.quality[task],
                        provider.fit[language],
                    ) {
                        appeal[(task * languages + language) * providers + p] = q * fit;
                        candidates.push(p as u8);
                    }
                }
            }
        }
        starts.push(candidates.len());
        Derived {
            appeal,
            candidates,
            starts,
            terms: params
                .providers
                .iter()
                .map(|p| Terms {
                    costs: Cost::ALL.map(|c| c.term(p.costs[c], params.price_reference)),
                    requires: p.requires,
                    accepts_new: p.accepts_new,
                    cut_off: Threshold::of(p.costs[Cost::Risk]),
                })
                .collect(),
            potential: params
                .segments
                .iter()
                .map(|s| Threshold::of(s.potential))
                .collect(),
            everyone_potential: params.segments.iter().all(|s| s.potential >= 1.0),
            languages,
            providers,
        }
    }

    /// The cell of a task and a language.
    #[inline(always)]
    pub(super) fn cell(&self, task: u8, language: u8) -> usize {
        usize::from(task) * self.languages + usize::from(language)
    }
}
