//! The price reference (docs/MODEL.md, 7.4 Choice): the price term is
//! ln(1 + price / price_reference), so expressing every price and the reference in another
//! unit changes no result.
//!
//! What holds exactly: a factor that is a power of two scales every price and the reference
//! without rounding, so each ratio, each term and every CSV keep their bits. Any other factor k
//! (7.1, a CNY/USD-like rate) rounds p k and r k: the ratio moves by at most 2 ulp and each term
//! by at most 4 eps (1 + p / r) (unit-tested in `spec::params`); a choice can only change where
//! its uniform falls within about 1e-15 of the boundary between two options, which a run of a
//! few million choices meets with probability about 1e-9. The test asserts byte identity for
//! 7.1 too, on its fixed seed, as the practical statement; only the power of two is a proof.

use crate::common;

use std::path::{Path, PathBuf};

/// Multiplies a number (integer or float) by `factor`.
fn scale(value: &mut toml::Value, factor: f64) {
    let x = match value {
        toml::Value::Float(x) => *x,
        toml::Value::Integer(i) => *i as f64,
        other => panic!("not a number: {other}"),
    };
    *value = toml::Value::Float(x * factor);
}

/// Scales the values of a `set` table whose paths name a provider's price.
fn scale_set(table: &mut toml::Table, prefix: &str, factor: f64) {
    for (key, value) in table.iter_mut() {
        let path = format!("{prefix}{key}");
        match value {
            toml::Value::Table(inner) => scale_set(inner, &format!("{path}."), factor),
            _ => {
                let parts: Vec<&str> = path.split('.').collect();
                if let ["providers", _, "price"] = parts.as_slice() {
                    scale(value, factor);
                }
            }
        }
    }
}

/// A copy of `file` with every price (providers, events, variants) and the price reference
/// multiplied by `factor`, written into `dir`.
fn rescaled(file: &Path, dir: &Path, factor: f64, reference_too: bool) -> PathBuf {
    let text = std::fs::read_to_string(file).expect("file");
    let mut doc: toml::Table = toml::from_str(&text).expect("TOML");
    for provider in doc["providers"].as_array_mut().expect("providers") {
        scale(&mut provider["price"], factor);
    }
    let mut sets: Vec<&mut toml::Table> = Vec::new();
    let (events, variants) = {
        let (mut events, mut variants) = (None, None);
        for (key, value) in doc.iter_mut() {
            match key.as_str() {
                "events" => events = value.as_array_mut(),
                "variants" => variants = value.as_array_mut(),
                _ => {}
            }
        }
        (events, variants)
    };
    for event in events.into_iter().flatten() {
        sets.push(event["set"].as_table_mut().expect("set"));
    }
    for variant in variants.into_iter().flatten() {
        let variant = variant.as_table_mut().expect("variant");
        for (key, value) in variant.iter_mut() {
            match key.as_str() {
                "set" => sets.push(value.as_table_mut().expect("set")),
                "events" => {
                    for event in value.as_array_mut().expect("events") {
                        sets.push(event["set"].as_table_mut().expect("set"));
                    }
                }
                _ => {}
            }
        }
    }
    for set in sets {
        scale_set(set, "", factor);
    }
    if reference_too {
        doc["adoption"]
            .as_table_mut()
            .expect("[adoption]")
            .insert("price_reference".into(), toml::Value::Float(factor));
    }
    let out = dir.join(format!("scaled-{factor}-{reference_too}.toml"));
    std::fs::write(&out, toml::to_string(&doc).expect("TOML text")).expect("write");
    out
}

/// The CSV files of a run of `file`, by name.
fn csv_of_run(file: &Path, out: &Path) -> Vec<(String, Vec<u8>)> {
    common::run_quiet(file, out, &["--population", "3000", "--replicates", "2"]);
    common::csv_bytes(out)
}

#[test]
fn every_price_and_the_reference_in_another_unit_give_the_same_files() {
    let dir = tempfile::tempdir().expect("temporary folder");
    // The flagship: prices from 0 to 120 on providers, in events and in variants.
    let file = common::bundled("openai-api-block-2024.toml");
    let original = csv_of_run(&file, &dir.path().join("original"));
    assert!(original.iter().any(|(name, _)| name == "adoption.csv"));
    for factor in [0.125, 1024.0, 7.1, 1.0 / 7.1] {
        let scaled = rescaled(&file, dir.path(), factor, true);
        let run = csv_of_run(&scaled, &dir.path().join(format!("run-{factor}")));
        assert!(run == original, "prices and reference x {factor}");
    }
    // The test can fail: prices scaled without their reference change the results.
    let unreferenced = rescaled(&file, dir.path(), 7.1, false);
    let run = csv_of_run(&unreferenced, &dir.path().join("unreferenced"));
    assert!(run != original, "prices x 7.1 alone changed nothing");
}
