//! Sweeps (docs/MODEL.md, 11. Sweeps and shards): the `[sweep]` table read into a design, and the design's points.
//!
//! A point is one value per swept parameter. Validation (in `validate.rs`) writes each point
//! over the file, after the command line and before each variant's `set`, and checks the
//! result as a whole file; this module only reads the table and draws the points. The draws
//! come from a generator keyed by the sweep's own seed ([`crate::rng::design`]); the model's
//! draws never see the point, so every point of a replicate shares its random numbers.

use crate::rng;
use crate::spec::{Setup, named_enum};
use rand::RngExt;
use rand::seq::SliceRandom;

/// The most points a sweep may have: every point's setups are validated and kept in memory
/// before anything runs, which at this size takes seconds and a few hundred MB.
pub const MAX_POINTS: usize = 10_000;

named_enum! {
    /// How the points are chosen (`sweep.design`).
    pub enum Design {
        /// Every combination of the values lists, the last parameter varying fastest.
        Grid = "grid",
        /// `samples` points; each parameter's range is cut into `samples` equal strata and each
        /// stratum is hit exactly once (McKay, Beckman & Conover 1979).
        LatinHypercube = "latin_hypercube",
        /// `samples` independent uniform points.
        Random = "random",
    }
}

/// What one parameter may take.
#[derive(Debug, Clone, PartialEq)]
pub enum Range {
    /// `{ min, max }`: uniform on [min, max].
    Uniform {
        /// The lower end.
        min: f64,
        /// The upper end, >= min.
        max: f64,
    },
    /// `{ values = [...] }`: one of the values; for latin_hypercube and random, a uniform
    /// index into the list.
    Values(Vec<toml::Value>),
}

/// One swept parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepParameter {
    /// The path, as a variant's `set` would name it (`adoption.imitation`).
    pub path: String,
    /// What it may take.
    pub range: Range,
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

/// A validated `[sweep]`.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// How the points were chosen.
    pub design: Design,
    /// `samples`, for latin_hypercube and random.
    pub samples: Option<u32>,
    /// The design's seed, for latin_hypercube and random.
    pub seed: Option<u64>,
    /// The parameters, in file order.
    pub parameters: Vec<SweepParameter>,
    /// The points, numbered from 0 in this order.
    pub points: Vec<Point>,
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
pub(crate) fn parse_range(spec: &toml::Value) -> Result<Range, String> {
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
        (Some(min), Some(max), None) if min <= max => Ok(Range::Uniform { min, max }),
        (Some(min), Some(max), None) => Err(format!("min ({min}) is above max ({max})")),
        (None, None, Some(toml::Value::Array(values))) if !values.is_empty() => {
            Ok(Range::Values(values.clone()))
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
pub(crate) fn grid_size(ranges: &[Range]) -> Option<usize> {
    ranges.iter().try_fold(1usize, |n, range| match range {
        Range::Values(values) => n.checked_mul(values.len()).filter(|&n| n <= MAX_POINTS),
        Range::Uniform { .. } => None,
    })
}

/// The value a uniform u in [0, 1) picks from a range.
fn pick(range: &Range, u: f64) -> toml::Value {
    match range {
        Range::Uniform { min, max } => {
            // min + u (max - min) can round up to max but never past it, as u < 1.
            toml::Value::Float((min + u * (max - min)).min(*max))
        }
        Range::Values(values) => {
            let i = ((u * values.len() as f64) as usize).min(values.len() - 1);
            values[i].clone()
        }
    }
}

/// The values of every point, in point order: one `Vec` per point, one value per range.
///
/// - grid: the Cartesian product of the values lists, the last parameter fastest (the ranges
///   must all be values lists);
/// - random: for each point in turn, one uniform per parameter in order;
/// - latin_hypercube: for each parameter in order, a uniform permutation of the `samples`
///   strata, then one uniform within the stratum per point; point i takes stratum
///   `perm[i]` as u = (`perm[i]` + v_i) / samples.
///
/// The draws come from one generator keyed by `seed`, in the order listed.
pub fn design_points(
    design: Design,
    ranges: &[Range],
    samples: usize,
    seed: u64,
) -> Vec<Vec<toml::Value>> {
    match design {
        Design::Grid => {
            let sizes: Vec<usize> = ranges
                .iter()
                .map(|r| match r {
                    Range::Values(values) => values.len(),
                    Range::Uniform { .. } => 1,
                })
                .collect();
            let count: usize = sizes.iter().product();
            (0..count)
                .map(|mut index| {
                    // Mixed-radix digits of the point index, the last parameter least
                    // significant, so that it varies fastest.
                    let mut digits = vec![0; ranges.len()];
                    for (j, &size) in sizes.iter().enumerate().rev() {
                        digits[j] = index % size;
                        index /= size;
                    }
                    ranges
                        .iter()
                        .zip(digits)
                        .map(|(range, d)| match range {
                            Range::Values(values) => values[d].clone(),
                            Range::Uniform { min, .. } => toml::Value::Float(*min),
                        })
                        .collect()
                })
                .collect()
        }
        Design::Random => {
            let mut rng = rng::design(seed);
            (0..samples)
                .map(|_| {
                    ranges
                        .iter()
                        .map(|range| pick(range, rng.random::<f64>()))
                        .collect()
                })
                .collect()
        }
        Design::LatinHypercube => {
            let mut rng = rng::design(seed);
            let n = samples as f64;
            let columns: Vec<Vec<toml::Value>> = ranges
                .iter()
                .map(|range| {
                    let mut strata: Vec<usize> = (0..samples).collect();
                    strata.shuffle(&mut rng);
                    strata
                        .into_iter()
                        .map(|stratum| {
                            let v: f64 = rng.random();
                            // (stratum + v) / n stays below (stratum + 1) / n for v < 1.
                            pick(range, ((stratum as f64 + v) / n).min(1.0 - f64::EPSILON))
                        })
                        .collect()
                })
                .collect();
            (0..samples)
                .map(|i| columns.iter().map(|column| column[i].clone()).collect())
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(xs: &[i64]) -> Range {
        Range::Values(xs.iter().map(|&x| toml::Value::Integer(x)).collect())
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
            Range::Uniform { min: 0.1, max: 0.5 }
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
        let huge: Vec<Range> = (0..5).map(|_| values(&[0; 10])).collect();
        assert_eq!(grid_size(&huge), None);
    }

    #[test]
    fn latin_hypercube_hits_every_stratum_once_and_depends_on_its_seed() {
        let ranges = [
            Range::Uniform { min: 2.0, max: 4.0 },
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
        let ranges = [Range::Uniform {
            min: -1.0,
            max: 1.0,
        }];
        for point in design_points(Design::Random, &ranges, 200, 3) {
            let x = point[0].as_float().unwrap();
            assert!((-1.0..=1.0).contains(&x), "{x}");
        }
    }
}
