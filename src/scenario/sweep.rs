//! Sweeps (docs/MODEL.md, 11. Sweeps and shards): the `[sweep]` table read into a design, and the design's points.
//!
//! A point is one value per swept parameter. Validation (in `validate.rs`) writes each point
//! over the file, after the command line and before each variant's `set`, and checks the
//! result as a whole file; this module only reads the table and draws the points. The draws
//! come from a generator keyed by the sweep's own seed ([`crate::rng::design`]); the model's
//! draws never see the point, so every point of a replicate shares its random numbers.

use crate::rng;
use crate::spec::{Distribution, Setup, UncertainParameter, named_enum};
use rand::RngExt;
use rand::seq::SliceRandom;

/// The most points a sweep may have: every point's setups are validated and kept in memory
/// before anything runs, which at this size takes seconds and a few hundred MB.
pub const MAX_POINTS: usize = 10_000;

named_enum! {
    /// How the points are chosen (`sweep.design`, or `given` for `run --points`).
    pub enum Design {
        /// Every combination of the values lists, the last parameter varying fastest.
        Grid = "grid",
        /// `samples` points; each parameter's range is cut into `samples` equal strata and each
        /// stratum is hit exactly once (McKay, Beckman & Conover 1979).
        LatinHypercube = "latin_hypercube",
        /// `samples` independent uniform points.
        Random = "random",
        /// Points given rather than drawn: a `--points` file or [`GivenPoints`] from a caller.
        Given = "given",
    }
}

/// One swept parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepParameter {
    /// The path, as a variant's `set` would name it (`adoption.imitation`).
    pub path: String,
    /// What it may take: from `[sweep.parameters]` (uniform or values) or `[uncertainty]`;
    /// `None` when the points are given.
    pub distribution: Option<Distribution>,
}

/// One point: a value per parameter, and what it makes of every arm.
#[derive(Debug, Clone)]
pub struct Point {
    /// One value per parameter, in the order of [`Sweep::parameters`].
    pub values: Vec<toml::Value>,
    /// The baseline at this point: the file, the command line, then the point.
    pub baseline: Setup,
    /// Each variant at this point, in file order: the baseline's raw file with the variant's
    /// `set` written over the point.
    pub variants: Vec<Setup>,
}

/// A validated `[sweep]`, or points given to `run --points`.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// How the points were chosen.
    pub design: Design,
    /// `samples`, for latin_hypercube and random.
    pub samples: Option<u32>,
    /// The design's seed, for latin_hypercube and random.
    pub seed: Option<u64>,
    /// The parameters, in file order (the columns' order for given points).
    pub parameters: Vec<SweepParameter>,
    /// The points, numbered from 0 in this order.
    pub points: Vec<Point>,
    /// Given points only: each point's weight, when the points came with a `weight` column (a
    /// weighted sample, such as a posterior).
    pub weights: Option<Vec<f64>>,
    /// Given points only: the SHA-256 of the file they were read from, when they were.
    pub points_sha256: Option<String>,
}

/// Points given rather than drawn, for [`crate::scenario::Overrides::points`]: one value per
/// path for each point, and optionally a weight per point.
///
/// This is how another method drives the sweep machinery with its own design (Sobol or Morris
/// points mapped through [`Distribution::quantile`], a calibration wave, a posterior sample):
/// build one with [`GivenPoints::new`], put it in the overrides, load the scenario; every
/// point is then validated like a sweep point, and the run shards, merges and records its
/// points (design `given`) like any sweep. `run --points FILE` reads one from a CSV file
/// (`blockade::output::read_given_points`).
#[derive(Debug, Clone, PartialEq)]
pub struct GivenPoints {
    /// Where the points come from, for messages: `--points FILE`, or a caller's name.
    pub origin: String,
    /// The `set` paths, one per value of a row.
    pub paths: Vec<String>,
    /// The points: per point, one value per path.
    pub rows: Vec<Vec<toml::Value>>,
    /// Per point, its weight (finite, >= 0, not all 0), or `None` for equal weights.
    pub weights: Option<Vec<f64>>,
    /// The SHA-256 of the file they were read from (hex), if they were, for run.json.
    pub sha256: Option<String>,
    /// The line of each point in that file (the header is line 1), for messages; empty when
    /// the points were not read from a file.
    pub lines: Vec<usize>,
}

impl GivenPoints {
    /// Points built in memory: `origin` names them in messages. Each row must hold one value
    /// per path (checked, with every path and value, when the scenario is loaded).
    pub fn new(
        origin: impl Into<String>,
        paths: Vec<String>,
        rows: Vec<Vec<toml::Value>>,
        weights: Option<Vec<f64>>,
    ) -> GivenPoints {
        GivenPoints {
            origin: origin.into(),
            paths,
            rows,
            weights,
            sha256: None,
            lines: Vec::new(),
        }
    }

    /// A cell of a points file as a value: a TOML number or boolean where it reads as one
    /// (`0.3`, `2`, `true`), else the text as a string (`small_world`).
    pub fn cell(text: &str) -> toml::Value {
        let text = text.trim();
        match text.parse::<toml::Value>() {
            Ok(
                value @ (toml::Value::Integer(_) | toml::Value::Float(_) | toml::Value::Boolean(_)),
            ) => value,
            _ => toml::Value::String(text.to_owned()),
        }
    }

    /// The values of the numeric distributions of `parameters` at the unit points `units`
    /// (one u in [0, 1) per parameter each), as given points: how a design on the unit cube
    /// becomes a sweep. A list of values maps u to one of its values.
    pub fn from_unit_points(
        origin: impl Into<String>,
        parameters: &[UncertainParameter],
        units: &[Vec<f64>],
    ) -> GivenPoints {
        GivenPoints::new(
            origin,
            parameters.iter().map(|p| p.path.clone()).collect(),
            units
                .iter()
                .map(|u| {
                    parameters
                        .iter()
                        .zip(u)
                        .map(|(p, &u)| p.distribution.quantile(u))
                        .collect()
                })
                .collect(),
            None,
        )
    }
}

/// Splits `[sweep.parameters]` into (path, spec) pairs in file order. Quoted dotted keys and
/// nested tables mean the same: a table whose values are all plain values (`min`, `max`,
/// `values`) is a parameter's spec, and any other table is a step along its path.
pub(crate) fn parameter_specs(table: &toml::Table) -> Vec<(String, &toml::Value)> {
    fn walk<'a>(prefix: &str, table: &'a toml::Table, out: &mut Vec<(String, &'a toml::Value)>) {
        for (key, value) in table {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match value {
                toml::Value::Table(inner)
                    if !inner.is_empty() && inner.values().any(toml::Value::is_table) =>
                {
                    walk(&path, inner, out)
                }
                _ => out.push((path, value)),
            }
        }
    }
    let mut out = Vec::new();
    walk("", table, &mut out);
    out
}

/// Reads one parameter's spec: `{ min, max }` or `{ values = [...] }`.
pub(crate) fn parse_range(spec: &toml::Value) -> Result<Distribution, String> {
    const FORM: &str = "a parameter takes { min = .., max = .. } or { values = [..] }";
    let toml::Value::Table(table) = spec else {
        return Err(format!("expected a table: {FORM}"));
    };
    if let Some(key) = table
        .keys()
        .find(|k| !["min", "max", "values"].contains(&k.as_str()))
    {
        return Err(format!("unknown key '{key}': {FORM}"));
    }
    let number = |key: &str| -> Result<Option<f64>, String> {
        match table.get(key) {
            None => Ok(None),
            Some(value) => super::path::number(value)
                .and_then(|x| {
                    if x.is_finite() {
                        Ok(x)
                    } else {
                        Err(format!("must be finite, not {x}"))
                    }
                })
                .map(Some)
                .map_err(|e| format!("{key}: {e}")),
        }
    };
    match (number("min")?, number("max")?, table.get("values")) {
        (Some(min), Some(max), None) if min <= max => Ok(Distribution::Uniform { min, max }),
        (Some(min), Some(max), None) => Err(format!("min ({min}) is above max ({max})")),
        (None, None, Some(toml::Value::Array(values))) if !values.is_empty() => {
            Ok(Distribution::Values(values.clone()))
        }
        (None, None, Some(toml::Value::Array(_))) => {
            Err("values must hold at least one value".into())
        }
        (None, None, Some(other)) => Err(format!(
            "values must be a list, found {}",
            super::path::describe(other)
        )),
        _ => Err(FORM.into()),
    }
}

/// The number of points of a grid over these ranges, or `None` beyond [`MAX_POINTS`].
pub(crate) fn grid_size(ranges: &[Distribution]) -> Option<usize> {
    ranges.iter().try_fold(1usize, |n, range| match range {
        Distribution::Values(values) => n.checked_mul(values.len()).filter(|&n| n <= MAX_POINTS),
        _ => None,
    })
}

/// The unit points of a latin_hypercube or random design: `samples` points of `dimensions`
/// coordinates in [0, 1), drawn from one generator keyed by `seed`:
///
/// - random: for each point in turn, one uniform per coordinate in order;
/// - latin_hypercube: for each coordinate in order, a uniform permutation of the `samples`
///   strata, then one uniform within the stratum per point; point i takes stratum
///   `perm[i]` as u = (`perm[i]` + v_i) / samples.
///
/// A grid and given points draw nothing: their list is empty.
pub fn unit_points(design: Design, dimensions: usize, samples: usize, seed: u64) -> Vec<Vec<f64>> {
    match design {
        Design::Grid | Design::Given => Vec::new(),
        Design::Random => {
            let mut rng = rng::design(seed);
            (0..samples)
                .map(|_| (0..dimensions).map(|_| rng.random::<f64>()).collect())
                .collect()
        }
        Design::LatinHypercube => {
            let mut rng = rng::design(seed);
            let n = samples as f64;
            let columns: Vec<Vec<f64>> = (0..dimensions)
                .map(|_| {
                    let mut strata: Vec<usize> = (0..samples).collect();
                    strata.shuffle(&mut rng);
                    strata
                        .into_iter()
                        .map(|stratum| {
                            let v: f64 = rng.random();
                            // (stratum + v) / n stays below (stratum + 1) / n for v < 1.
                            ((stratum as f64 + v) / n).min(1.0 - f64::EPSILON)
                        })
                        .collect()
                })
                .collect();
            (0..samples)
                .map(|i| columns.iter().map(|column| column[i]).collect())
                .collect()
        }
    }
}

/// The values of every point, in point order: one `Vec` per point, one value per
/// distribution.
///
/// - grid: the Cartesian product of the values lists, the last parameter fastest (the
///   distributions must all be values lists);
/// - random and latin_hypercube: each distribution's quantile at the coordinates of
///   [`unit_points`];
/// - given: nothing (the points come with the design).
pub fn design_points(
    design: Design,
    ranges: &[Distribution],
    samples: usize,
    seed: u64,
) -> Vec<Vec<toml::Value>> {
    if design != Design::Grid {
        return unit_points(design, ranges.len(), samples, seed)
            .into_iter()
            .map(|u| {
                ranges
                    .iter()
                    .zip(u)
                    .map(|(range, u)| range.quantile(u))
                    .collect()
            })
            .collect();
    }
    let sizes: Vec<usize> = ranges
        .iter()
        .map(|r| match r {
            Distribution::Values(values) => values.len(),
            _ => 1,
        })
        .collect();
    let count: usize = sizes.iter().product();
    (0..count)
        .map(|mut index| {
            // Mixed-radix digits of the point index, the last parameter least significant, so
            // that it varies fastest.
            let mut digits = vec![0; ranges.len()];
            for (j, &size) in sizes.iter().enumerate().rev() {
                digits[j] = index % size;
                index /= size;
            }
            ranges
                .iter()
                .zip(digits)
                .map(|(range, d)| match range {
                    Distribution::Values(values) => values[d].clone(),
                    other => other.quantile(0.0),
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(xs: &[i64]) -> Distribution {
        Distribution::Values(xs.iter().map(|&x| toml::Value::Integer(x)).collect())
    }

    #[test]
    fn quoted_and_nested_parameters_read_alike() {
        let quoted: toml::Table =
            toml::from_str(r#""adoption.imitation" = { min = 0.1, max = 0.5 }"#).unwrap();
        let nested: toml::Table =
            toml::from_str("adoption.imitation = { min = 0.1, max = 0.5 }").unwrap();
        let q = parameter_specs(&quoted);
        assert_eq!(q, parameter_specs(&nested));
        assert_eq!(q[0].0, "adoption.imitation");
        assert_eq!(
            parse_range(q[0].1).unwrap(),
            Distribution::Uniform { min: 0.1, max: 0.5 }
        );
    }

    #[test]
    fn specs_must_be_ranges_or_lists() {
        let bad = |text: &str| {
            let table: toml::Table = toml::from_str(text).unwrap();
            parse_range(parameter_specs(&table)[0].1).unwrap_err()
        };
        assert!(bad("a = 0.3").contains("expected a table"));
        assert!(bad("a = { min = 0.5, max = 0.1 }").contains("above max"));
        assert!(bad("a = { min = 0.1 }").contains("takes"));
        assert!(bad("a = { values = [] }").contains("at least one"));
        assert!(bad("a = { values = [1], step = 2 }").contains("unknown key 'step'"));
    }

    #[test]
    fn a_grid_is_the_product_with_the_last_parameter_fastest() {
        let points = design_points(Design::Grid, &[values(&[1, 2]), values(&[7, 8, 9])], 0, 0);
        let as_ints: Vec<Vec<i64>> = points
            .iter()
            .map(|p| p.iter().map(|v| v.as_integer().unwrap()).collect())
            .collect();
        assert_eq!(
            as_ints,
            [[1, 7], [1, 8], [1, 9], [2, 7], [2, 8], [2, 9]].map(Vec::from)
        );
        assert_eq!(grid_size(&[values(&[1, 2]), values(&[7, 8, 9])]), Some(6));
        let huge: Vec<Distribution> = (0..5).map(|_| values(&[0; 10])).collect();
        assert_eq!(grid_size(&huge), None);
    }

    #[test]
    fn latin_hypercube_hits_every_stratum_once_and_depends_on_its_seed() {
        let ranges = [
            Distribution::Uniform { min: 2.0, max: 4.0 },
            values(&[10, 20, 30, 40]),
        ];
        let points = design_points(Design::LatinHypercube, &ranges, 8, 7);
        let mut strata: Vec<usize> = points
            .iter()
            .map(|p| ((p[0].as_float().unwrap() - 2.0) / 2.0 * 8.0) as usize)
            .collect();
        strata.sort_unstable();
        assert_eq!(strata, (0..8).collect::<Vec<_>>());
        // 8 strata over 4 values: each value exactly twice.
        for value in [10, 20, 30, 40] {
            let hits = points
                .iter()
                .filter(|p| p[1].as_integer() == Some(value))
                .count();
            assert_eq!(hits, 2, "value {value}");
        }
        assert_eq!(points, design_points(Design::LatinHypercube, &ranges, 8, 7));
        assert_ne!(points, design_points(Design::LatinHypercube, &ranges, 8, 8));
    }

    #[test]
    fn random_points_stay_in_range() {
        let ranges = [Distribution::Uniform {
            min: -1.0,
            max: 1.0,
        }];
        for point in design_points(Design::Random, &ranges, 200, 3) {
            let x = point[0].as_float().unwrap();
            assert!((-1.0..=1.0).contains(&x), "{x}");
        }
    }
}
