//! blockade's sensitivity estimators against SALib's on the same designs and outputs: the test
//! writes blockade's designs, outputs and point estimates as JSON and runs
//! `scripts/salib_compare.py` on them, which recomputes the indices with SALib (pinned in
//! scripts/salib-requirements.txt, installed by .ci/run) and requires agreement to 1e-9.
//! Without python3 or SALib the test fails: it never skips.

use super::common::wait_within_hang_guard;
use blockade::sensitivity::{design, indices};
use serde_json::json;
use std::f64::consts::PI;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn values(estimates: &[indices::Estimate]) -> Vec<f64> {
    estimates.iter().map(|e| e.value).collect()
}

/// Ishigami's function on [-π, π]^3 over a Saltelli design: blockade's Sobol indices.
fn sobol_case(dir: &Path) -> PathBuf {
    let (k, n) = (3, 512);
    let x = design::saltelli(k, n, 11);
    let y: Vec<f64> = x
        .iter()
        .map(|u| {
            let x: Vec<f64> = u.iter().map(|u| -PI + 2.0 * PI * u).collect();
            x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
        })
        .collect();
    let result = indices::sobol(&y, k, 20, 1);
    let path = dir.join("sobol.json");
    let case = json!({
        "method": "sobol", "parameters": k, "x": x, "y": y,
        "indices": { "first": values(&result.first), "total": values(&result.total) },
    });
    std::fs::write(&path, serde_json::to_vec(&case).unwrap()).unwrap();
    path
}

/// A function with a linear, a nonlinear, an interacting and an idle parameter over Morris
/// trajectories: blockade's mu, mu* and sigma.
fn morris_case(dir: &Path) -> PathBuf {
    let (k, r, levels) = (4, 25, 6);
    let x = design::morris(k, r, levels, 5);
    let y: Vec<f64> = x
        .iter()
        .map(|u| 4.0 * u[0] - 2.0 * u[1] * u[1] + 3.0 * u[1] * u[2] + 0.0 * u[3])
        .collect();
    let result = indices::morris(&x, &y, levels, 20, 1);
    let path = dir.join("morris.json");
    let case = json!({
        "method": "morris", "parameters": k, "levels": levels, "x": x, "y": y,
        "indices": {
            "mu": values(&result.mu),
            "mu_star": values(&result.mu_star),
            "sigma": values(&result.sigma),
        },
    });
    std::fs::write(&path, serde_json::to_vec(&case).unwrap()).unwrap();
    path
}

#[test]
fn sobol_and_morris_estimates_agree_with_salib() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [sobol_case(dir.path()), morris_case(dir.path())];
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/salib_compare.py");
    let child = Command::new("python3")
        .arg(&script)
        .args(&cases)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("python3 is needed to compare with SALib and cannot be started: {e}")
        });
    let output = wait_within_hang_guard(child, "salib_compare.py");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "salib_compare.py failed ({}):\n{stdout}{stderr}",
        output.status
    );
    // Both cases were compared, estimate by estimate.
    assert!(
        stdout.contains("sobol, 3 parameters, 2560 outputs: 6 point estimates"),
        "{stdout}"
    );
    assert!(
        stdout.contains("morris, 4 parameters, 125 outputs: 12 point estimates"),
        "{stdout}"
    );
}
