//! Calibration (docs/MODEL.md, 13. Calibration): which parameter values are consistent with
//! what was observed, by history matching in waves and then approximate Bayesian computation
//! (ABC), and what the result predicts for every target, fitted or held out.
//!
//! Pure: the caller runs the model. [`calibrate`] hands it points (one prior quantile per
//! parameter) and gets back each target's simulated value per replicate ([`simulated`] computes them
//! from a run's `Results`); every choice of points comes from [`crate::rng::calibration`], and
//! every number is computed sequentially, so a seed gives the same calibration whatever the
//! number of threads the model used.

mod design;
mod observe;
mod summary;

pub use observe::simulated;
pub use summary::{INTERVAL, ParameterRange, Predictive, TargetFit, parameter_ranges, target_fits};

use self::design::{Proposal, latin_hypercube};
use crate::error::Result;
use crate::rng;
use crate::spec::{Target, TargetUse};
use crate::stats;

/// The parameters calibrated, in the unit cube of their prior quantiles: a point u in
/// [0, 1)^dims stands for the values `value(d, u[d])`, so that a uniform u is a draw from the
/// prior.
pub trait Prior {
    /// The number of parameters.
    fn dims(&self) -> usize;
    /// Parameter `dim`'s value at prior quantile `u`.
    fn value(&self, dim: usize, u: f64) -> f64;
}

/// What the model made of one point: per target (in the targets' order), its simulated value
/// in each replicate.
pub type Outcome = Vec<Vec<f64>>;

/// The model, as the calibration sees it: runs points (each one prior quantile per parameter)
/// and returns each point's [`Outcome`], in order.
pub type Model<'a> = dyn FnMut(&[Vec<f64>]) -> Result<Vec<Outcome>> + 'a;

/// The sizes and seed of a calibration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Points run in each history-matching wave.
    pub wave_points: usize,
    /// The most history-matching waves.
    pub waves: u32,
    /// Points run in the ABC step.
    pub abc_points: usize,
    /// The seed of every choice of points.
    pub seed: u64,
}

/// The implausibility above which a point is ruled out (Pukelsheim's three-sigma rule: any
/// unimodal distribution has at least 95% of its mass within 3 sd).
pub const CUTOFF: f64 = 3.0;

/// With this many calibration targets or more, a point is judged by its second-largest
/// implausibility, so that one target the model cannot meet does not rule out everything.
pub const SECOND_LARGEST_FROM: usize = 6;

/// A wave stops the history matching when the box around its kept points keeps at least this
/// share of the previous wave's volume: the space has stopped shrinking.
pub const STOP_SHRINKING: f64 = 0.9;

/// The fewest kept points a proposal is built around: a wave that keeps fewer centres the next
/// wave on its lowest-criterion points instead (at least this many, or a tenth of the wave).
/// The cutoff does not change; only where the next wave looks does.
pub const MIN_CENTRES: usize = 5;

/// The fewest points the ABC step accepts: below that many within the tolerance, the
/// tolerance widens to the distance of the `MIN_ACCEPTED`-th closest point.
pub const MIN_ACCEPTED: usize = 10;

/// Which stage produced a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// A wave of history matching.
    HistoryMatching,
    /// The final ABC population.
    Abc,
}

impl Stage {
    /// Its name in `waves.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Stage::HistoryMatching => "history_matching",
            Stage::Abc => "abc",
        }
    }
}

/// One point that was run, and how it fared.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    /// The wave, from 1 (the ABC step takes the number after the last wave).
    pub wave: u32,
    /// History matching or ABC.
    pub stage: Stage,
    /// Its prior quantiles.
    pub u: Vec<f64>,
    /// Its parameter values.
    pub values: Vec<f64>,
    /// The density it was drawn with, relative to the prior's.
    pub density: f64,
    /// Per target, the simulated value in each replicate.
    pub outcome: Outcome,
    /// Per target, the mean over replicates.
    pub mean: Vec<f64>,
    /// Per target, the implausibility (every target, held-out ones included).
    pub implausibility: Vec<f64>,
    /// The implausibility the point is judged by: the largest (or second-largest) over the
    /// calibration targets.
    pub criterion: f64,
    /// Whether the criterion is at most [`CUTOFF`].
    pub kept: bool,
    /// The ABC distance: the root of the sum of squared calibration implausibilities.
    pub distance: f64,
    /// Its posterior weight (the weights of the accepted ABC points sum to 1; 0 otherwise).
    pub weight: f64,
}

/// What a wave did to the space.
#[derive(Debug, Clone, PartialEq)]
pub struct WaveSummary {
    /// The wave, from 1.
    pub wave: u32,
    /// History matching or ABC.
    pub stage: Stage,
    /// Points run.
    pub points: usize,
    /// Points not ruled out.
    pub kept: usize,
    /// The estimated share of the prior not ruled out: the mean of kept / density over the
    /// wave's points (an importance-sampling estimate, unbiased because the proposal keeps
    /// some prior mass everywhere).
    pub not_ruled_out: f64,
    /// The standard error of that estimate.
    pub not_ruled_out_se: f64,
    /// The volume, in prior quantiles, of the smallest box holding the kept points.
    pub box_volume: f64,
}

/// Why the history matching stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The box of kept points kept at least [`STOP_SHRINKING`] of the previous wave's volume
    /// (both waves keeping at least [`MIN_CENTRES`] points).
    StoppedShrinking,
    /// The wave budget was spent.
    Budget,
}

impl Stop {
    /// In words.
    pub fn describe(self) -> &'static str {
        match self {
            Stop::StoppedShrinking => "the space stopped shrinking",
            Stop::Budget => "the wave budget was spent",
        }
    }
}

/// A finished calibration.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// Every point run, wave by wave, the ABC population last.
    pub points: Vec<Evaluated>,
    /// Each wave's summary, the ABC population last.
    pub waves: Vec<WaveSummary>,
    /// Why the history matching stopped.
    pub stop: Stop,
    /// Whether points are judged by their second-largest implausibility.
    pub second_largest: bool,
    /// The ABC tolerance on the distance.
    pub tolerance: f64,
    /// Whether the tolerance had to widen past sqrt(chi-square 95%) to accept
    /// [`MIN_ACCEPTED`] points: then the posterior holds points the targets' own
    /// uncertainties call implausible.
    pub widened: bool,
    /// The effective sample size of the posterior weights, 1 / sum of squared weights.
    pub effective_size: f64,
}

impl Calibration {
    /// The accepted ABC points with their weights: the posterior sample.
    pub fn posterior(&self) -> impl Iterator<Item = &Evaluated> {
        self.points.iter().filter(|p| p.weight > 0.0)
    }
}

/// Calibrates `prior` to the `calibrate` targets of `targets`: history matching in waves of
/// `settings.wave_points` points, then ABC on `settings.abc_points` (docs/MODEL.md, 13.
/// Calibration). `simulate` runs the model at points, each given as one prior quantile per
/// parameter (the caller maps them to values as [`Prior::value`] does), and returns each
/// point's [`Outcome`]; its errors (an interruption) end the calibration.
pub fn calibrate(
    targets: &[Target],
    prior: &dyn Prior,
    settings: &Settings,
    simulate: &mut Model<'_>,
) -> Result<Calibration> {
    let fitted: Vec<usize> = (0..targets.len())
        .filter(|&j| targets[j].use_ == TargetUse::Calibrate)
        .collect();
    let judge = Judge {
        targets,
        second_largest: fitted.len() >= SECOND_LARGEST_FROM,
        fitted,
    };
    let dims = prior.dims();
    let mut points: Vec<Evaluated> = Vec::new();
    let mut waves: Vec<WaveSummary> = Vec::new();
    let mut proposal = Proposal::prior();
    let mut stop = Stop::Budget;
    for wave in 1..=settings.waves.max(1) {
        let mut rng = rng::calibration(settings.seed, wave);
        let us = if wave == 1 {
            latin_hypercube(&mut rng, settings.wave_points, dims)
        } else {
            proposal.draw(&mut rng, settings.wave_points, dims)
        };
        let run = evaluate(
            &judge,
            prior,
            &proposal,
            us,
            wave,
            Stage::HistoryMatching,
            simulate,
        )?;
        let summary = summarise(wave, Stage::HistoryMatching, &run);
        proposal = Proposal::around(&centres(&run));
        let shrinking = match waves.last() {
            Some(before) if before.kept >= MIN_CENTRES && summary.kept >= MIN_CENTRES => {
                summary.box_volume < STOP_SHRINKING * before.box_volume
            }
            _ => true,
        };
        waves.push(summary);
        points.extend(run);
        if !shrinking {
            stop = Stop::StoppedShrinking;
            break;
        }
    }

    let abc_wave = waves.len() as u32 + 1;
    let mut rng = rng::calibration(settings.seed, abc_wave);
    let us = proposal.draw(&mut rng, settings.abc_points, dims);
    let mut abc = evaluate(&judge, prior, &proposal, us, abc_wave, Stage::Abc, simulate)?;
    waves.push(summarise(abc_wave, Stage::Abc, &abc));
    let (tolerance, widened) = tolerance(judge.fitted.len(), &abc);
    let weights: Vec<f64> = abc
        .iter()
        .map(|p| {
            if p.distance <= tolerance {
                1.0 / p.density
            } else {
                0.0
            }
        })
        .collect();
    let total: f64 = weights.iter().sum();
    let mut squares = 0.0;
    for (point, w) in abc.iter_mut().zip(weights) {
        point.weight = if total > 0.0 { w / total } else { 0.0 };
        squares += point.weight * point.weight;
    }
    points.extend(abc);
    Ok(Calibration {
        points,
        waves,
        stop,
        second_largest: judge.second_largest,
        tolerance,
        widened,
        effective_size: if squares > 0.0 { 1.0 / squares } else { 0.0 },
    })
}

/// The points the next proposal is built around: the kept ones, or, when fewer than
/// [`MIN_CENTRES`] were kept, the lowest-criterion tenth of the wave (at least
/// [`MIN_CENTRES`]; ties in point order).
fn centres(run: &[Evaluated]) -> Vec<&[f64]> {
    let kept: Vec<&[f64]> = run.iter().filter(|p| p.kept).map(|p| &p.u[..]).collect();
    if kept.len() >= MIN_CENTRES {
        return kept;
    }
    let mut order: Vec<usize> = (0..run.len()).collect();
    order.sort_by(|&a, &b| {
        run[a]
            .criterion
            .total_cmp(&run[b].criterion)
            .then(a.cmp(&b))
    });
    let take = MIN_CENTRES.max(run.len() / 10).min(run.len());
    order[..take].iter().map(|&i| &run[i].u[..]).collect()
}

/// The ABC tolerance: sqrt of the 95% quantile of chi-square with one degree of freedom per
/// calibration target, the distance within which the observation falls with 95% probability
/// when the point is right and the errors are Gaussian; widened to the distance of the
/// [`MIN_ACCEPTED`]-th closest point when fewer fall within it.
fn tolerance(fitted: usize, abc: &[Evaluated]) -> (f64, bool) {
    let chi = chi_square_95(fitted).sqrt();
    let within = abc.iter().filter(|p| p.distance <= chi).count();
    let wanted = MIN_ACCEPTED.min(abc.len());
    if within >= wanted {
        return (chi, false);
    }
    let mut distances: Vec<f64> = abc.iter().map(|p| p.distance).collect();
    distances.sort_by(f64::total_cmp);
    (distances[wanted - 1], true)
}

/// The 95% quantile of chi-square with `n` degrees of freedom: from the tables up to 10, the
/// Wilson–Hilferty approximation above (within 0.3% there).
fn chi_square_95(n: usize) -> f64 {
    const TABLE: [f64; 11] = [
        0.0, 3.841_459, 5.991_465, 7.814_728, 9.487_729, 11.070_498, 12.591_587, 14.067_140,
        15.507_313, 16.918_978, 18.307_038,
    ];
    const Z95: f64 = 1.644_853_626_951_472_2;
    match TABLE.get(n) {
        Some(&x) => x,
        None => {
            let n = n as f64;
            let a = 2.0 / (9.0 * n);
            n * libm::pow(1.0 - a + Z95 * a.sqrt(), 3.0)
        }
    }
}

/// The implausibility of `target` at one point whose replicates gave `values`: |observed -
/// mean| / sqrt(observation var + discrepancy var + simulation var / replicates), the
/// simulation variance being the sample variance over replicates.
pub fn implausibility(target: &Target, values: &[f64]) -> f64 {
    let sd = stats::sd(values);
    let variance = target.tolerated_variance() + sd * sd / values.len().max(1) as f64;
    (target.value - stats::mean(values)).abs() / variance.sqrt()
}

/// How points are judged against the targets.
struct Judge<'a> {
    targets: &'a [Target],
    fitted: Vec<usize>,
    second_largest: bool,
}

impl Judge<'_> {
    /// Per target, the mean over replicates and the [`implausibility`].
    fn implausibility(&self, outcome: &Outcome) -> (Vec<f64>, Vec<f64>) {
        let means: Vec<f64> = outcome.iter().map(|v| stats::mean(v)).collect();
        let implausibility = self
            .targets
            .iter()
            .zip(outcome)
            .map(|(t, values)| implausibility(t, values))
            .collect();
        (means, implausibility)
    }

    /// The largest (or second-largest) calibration implausibility, and the distance.
    fn criterion(&self, implausibility: &[f64]) -> (f64, f64) {
        let mut fitted: Vec<f64> = self.fitted.iter().map(|&j| implausibility[j]).collect();
        let distance = fitted.iter().map(|i| i * i).sum::<f64>().sqrt();
        fitted.sort_by(|a, b| b.total_cmp(a));
        let rank = usize::from(self.second_largest);
        (fitted.get(rank).copied().unwrap_or(0.0), distance)
    }
}

/// Runs the points `us` and judges them.
fn evaluate(
    judge: &Judge,
    prior: &dyn Prior,
    proposal: &Proposal,
    us: Vec<Vec<f64>>,
    wave: u32,
    stage: Stage,
    simulate: &mut Model<'_>,
) -> Result<Vec<Evaluated>> {
    let values: Vec<Vec<f64>> = us
        .iter()
        .map(|u| {
            u.iter()
                .enumerate()
                .map(|(d, &x)| prior.value(d, x))
                .collect()
        })
        .collect();
    let outcomes = simulate(&us)?;
    Ok(us
        .into_iter()
        .zip(values)
        .zip(outcomes)
        .map(|((u, values), outcome)| {
            let (mean, implausibility) = judge.implausibility(&outcome);
            let (criterion, distance) = judge.criterion(&implausibility);
            Evaluated {
                wave,
                stage,
                density: proposal.density(&u),
                u,
                values,
                outcome,
                mean,
                implausibility,
                criterion,
                kept: criterion <= CUTOFF,
                distance,
                weight: 0.0,
            }
        })
        .collect())
}

fn summarise(wave: u32, stage: Stage, run: &[Evaluated]) -> WaveSummary {
    let ratios: Vec<f64> = run
        .iter()
        .map(|p| if p.kept { 1.0 / p.density } else { 0.0 })
        .collect();
    let kept: Vec<&Evaluated> = run.iter().filter(|p| p.kept).collect();
    let dims = run.first().map_or(0, |p| p.u.len());
    let box_volume = if kept.is_empty() {
        0.0
    } else {
        (0..dims)
            .map(|d| {
                let (low, high) = kept.iter().fold((1.0f64, 0.0f64), |(lo, hi), p| {
                    (lo.min(p.u[d]), hi.max(p.u[d]))
                });
                high - low
            })
            .product()
    };
    WaveSummary {
        wave,
        stage,
        points: run.len(),
        kept: kept.len(),
        not_ruled_out: stats::mean(&ratios),
        not_ruled_out_se: stats::sd(&ratios) / (ratios.len().max(1) as f64).sqrt(),
        box_volume,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Observed, Quantity, TargetMeasure};

    struct Unit(usize);

    impl Prior for Unit {
        fn dims(&self) -> usize {
            self.0
        }
        fn value(&self, _: usize, u: f64) -> f64 {
            u
        }
    }

    fn target(value: f64, sd: f64, use_: TargetUse) -> Target {
        Target {
            name: "t".into(),
            observed: Observed::Share(Quantity {
                label: "adopted".into(),
                states: vec![1],
            }),
            measure: TargetMeasure::Agents,
            segment: None,
            step: 0,
            value,
            observation_sd: sd,
            discrepancy_sd: 0.0,
            source: None,
            use_,
        }
    }

    #[test]
    fn chi_square_quantiles_match_the_tables() {
        // Tables: 3.841, 18.307, 19.675, 31.410, 124.342 for 1, 10, 11, 20, 100 degrees of
        // freedom; the approximation from 11 on.
        for (n, table) in [
            (1, 3.841),
            (10, 18.307),
            (11, 19.675),
            (20, 31.410),
            (100, 124.342),
        ] {
            assert!((chi_square_95(n) - table).abs() / table < 0.003, "{n}");
        }
    }

    #[test]
    fn the_criterion_is_the_largest_or_the_second_largest_calibration_implausibility() {
        let targets: Vec<Target> = (0..7)
            .map(|j| {
                target(
                    0.0,
                    1.0,
                    if j == 0 {
                        TargetUse::Validate
                    } else {
                        TargetUse::Calibrate
                    },
                )
            })
            .collect();
        let few = Judge {
            targets: &targets[..3],
            fitted: vec![1, 2],
            second_largest: false,
        };
        assert_eq!(few.criterion(&[9.0, 2.0, 1.0]), (2.0, 5.0_f64.sqrt()));
        let many = Judge {
            targets: &targets,
            fitted: (1..7).collect(),
            second_largest: true,
        };
        assert_eq!(many.criterion(&[9.0, 5.0, 4.0, 0.0, 0.0, 0.0, 0.0]).0, 4.0);
        let outcome = vec![vec![0.5, 1.5]; 7];
        let (means, implausibility) = few.implausibility(&outcome[..3].to_vec());
        // sd over replicates 0.7071, so variance 1 + 0.5 / 2 = 1.25.
        assert_eq!(means[0], 1.0);
        assert!((implausibility[0] - 1.0 / 1.25f64.sqrt()).abs() < 1e-12);
    }

    /// A model whose one output is its parameter plus no noise, observed at 0.3 with sd 0.02:
    /// history matching keeps |u - 0.3| <= 0.06, and the posterior is the prior (uniform)
    /// times the indicator of distance <= 1.96 sd, so it is uniform on [0.2608, 0.3392].
    #[test]
    fn waves_narrow_onto_the_observation_and_abc_weights_back_to_the_prior() {
        let targets = vec![target(0.3, 0.02, TargetUse::Calibrate)];
        let settings = Settings {
            wave_points: 200,
            waves: 4,
            abc_points: 400,
            seed: 11,
        };
        let mut runs = 0;
        let mut simulate = |points: &[Vec<f64>]| -> Result<Vec<Outcome>> {
            runs += points.len();
            Ok(points.iter().map(|p| vec![vec![p[0]]]).collect())
        };
        let calibration = calibrate(&targets, &Unit(1), &settings, &mut simulate).unwrap();
        assert_eq!(runs, calibration.points.len());
        // Wave 1 samples the prior: the kept share estimates 0.12 (binomial sd 0.023).
        let first = &calibration.waves[0];
        assert!((first.not_ruled_out - 0.12).abs() < 0.07, "{first:?}");
        // Later waves concentrate: most of their points are kept.
        let second = &calibration.waves[1];
        assert!(
            second.kept as f64 > 0.5 * second.points as f64,
            "{second:?}"
        );
        assert!(!calibration.widened);
        let posterior: Vec<&Evaluated> = calibration.posterior().collect();
        assert!(
            posterior
                .iter()
                .all(|p| (p.u[0] - 0.3).abs() <= 0.0392 + 1e-12)
        );
        let mean: f64 = posterior.iter().map(|p| p.weight * p.u[0]).sum();
        // The weighted mean of a uniform on [0.2608, 0.3392] is 0.3; with an effective size
        // above 50 its sd is below 0.0226 / sqrt(50) = 0.0032; tolerance 4 sd.
        assert!(
            calibration.effective_size > 50.0,
            "{}",
            calibration.effective_size
        );
        assert!((mean - 0.3).abs() < 0.013, "{mean}");
        let total: f64 = posterior.iter().map(|p| p.weight).sum();
        assert!((total - 1.0).abs() < 1e-12);
    }

    #[test]
    fn the_same_seed_gives_the_same_calibration() {
        let targets = vec![target(0.7, 0.05, TargetUse::Calibrate)];
        let settings = Settings {
            wave_points: 30,
            waves: 3,
            abc_points: 30,
            seed: 5,
        };
        let mut simulate = |points: &[Vec<f64>]| -> Result<Vec<Outcome>> {
            Ok(points
                .iter()
                .map(|p| vec![vec![p[0] * p[1], p[1]]])
                .collect())
        };
        let a = calibrate(&targets, &Unit(2), &settings, &mut simulate).unwrap();
        let b = calibrate(&targets, &Unit(2), &settings, &mut simulate).unwrap();
        assert_eq!(a, b);
        let c = calibrate(
            &targets,
            &Unit(2),
            &Settings {
                seed: 6,
                ..settings
            },
            &mut simulate,
        )
        .unwrap();
        assert_ne!(a.points[0].u, c.points[0].u);
    }
}
