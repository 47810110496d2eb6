//! A points file for `run --points` (docs/FORMAT.md, Points file): a header of `set` paths
//! (and optionally `weight`), then one row per point.

use super::format::sha256_hex;
use super::rows::{refuse, refuse_line};
use crate::error::Result;
use crate::scenario::GivenPoints;
use std::path::Path;

/// The column that holds each point's weight rather than a parameter.
pub const WEIGHT_COLUMN: &str = "weight";

/// Reads a points file: each cell a number, a boolean or else a string; a `weight` column, if
/// any, is each point's weight. The paths and values are checked when the scenario is loaded
/// with the points ([`crate::scenario::Overrides::points`]), each problem naming its line.
pub fn read_given_points(path: &Path) -> Result<GivenPoints> {
    let bytes = std::fs::read(path).map_err(|e| refuse(path, format!("cannot read: {e}")))?;
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes.as_slice());
    let header = reader
        .headers()
        .map_err(|e| refuse(path, format!("not CSV: {e}")))?
        .clone();
    let weight = header.iter().position(|c| c == WEIGHT_COLUMN);
    if header.iter().filter(|c| *c == WEIGHT_COLUMN).count() > 1 {
        return Err(refuse_line(path, 1, "the weight column appears twice"));
    }
    let paths: Vec<String> = header
        .iter()
        .enumerate()
        .filter(|&(j, _)| Some(j) != weight)
        .map(|(_, c)| c.trim().to_owned())
        .collect();
    let mut rows = Vec::new();
    let mut weights = Vec::new();
    let mut lines = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            refuse_line(path, line, format!("malformed CSV: {e}"))
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let mut row = Vec::with_capacity(paths.len());
        for (j, cell) in record.iter().enumerate() {
            if Some(j) == weight {
                let w = cell.trim().parse::<f64>().map_err(|_| {
                    refuse_line(
                        path,
                        line,
                        format!("weight: expected a number, found '{cell}'"),
                    )
                })?;
                weights.push(w);
            } else {
                row.push(GivenPoints::cell(cell));
            }
        }
        rows.push(row);
        lines.push(line as usize);
    }
    Ok(GivenPoints {
        origin: path.display().to_string(),
        paths,
        rows,
        weights: weight.map(|_| weights),
        sha256: Some(sha256_hex(&bytes)),
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_points_file_reads_paths_values_weights_and_lines() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.csv");
        std::fs::write(
            &file,
            "adoption.imitation,weight,network.kind\n0.2,0.5,complete\n3,1.5,small_world\n",
        )
        .unwrap();
        let points = read_given_points(&file).unwrap();
        assert_eq!(points.paths, ["adoption.imitation", "network.kind"]);
        assert_eq!(points.rows[0][0], toml::Value::Float(0.2));
        assert_eq!(points.rows[1][0], toml::Value::Integer(3));
        assert_eq!(points.rows[1][1], toml::Value::from("small_world"));
        assert_eq!(points.weights, Some(vec![0.5, 1.5]));
        assert_eq!(points.lines, [2, 3]);
        assert_eq!(
            points.sha256.as_deref(),
            Some(sha256_hex(&std::fs::read(&file).unwrap()).as_str())
        );
        std::fs::write(&file, "adoption.imitation,weight\n0.2,heavy\n").unwrap();
        let error = read_given_points(&file).unwrap_err().to_string();
        assert!(
            error.ends_with("p.csv:2: weight: expected a number, found 'heavy'"),
            "{error}"
        );
    }
}
