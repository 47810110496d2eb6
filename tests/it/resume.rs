//! Resuming a sweep (docs/FORMAT.md, `run --resume`): a sweep interrupted by SIGINT or killed
//! by SIGKILL keeps its complete points in `DIR.partial`; `--resume` computes only the others,
//! and the files are the bytes of a run never interrupted. A partial folder of another run is
//! refused.
//!
//! The moments are chosen by the progress the run records (`partial.json`'s `next_point`),
//! never by a clock, so that a loaded machine only makes the test slower.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The tiny sweep with more points, more agents and steps: long enough to stop it part way.
fn long_sweep(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/tiny-sweep.toml"),
    )
    .expect("tiny-sweep.toml");
    let text = text
        .replacen("samples = 3", "samples = 40", 1)
        .replacen("population = 300", "population = 3000", 1)
        .replacen("steps = 8", "steps = 40", 1)
        .replacen(
            "\"segments.startup.capabilities.vpn\" = { values = [0.2, 0.5, 0.8] }",
            "\"segments.startup.capabilities.vpn\" = { min = 0.2, max = 0.8 }",
            1,
        );
    let path = dir.join("long.toml");
    std::fs::write(&path, text).expect("written");
    path
}

/// The next point the run in `partial` recorded, if any.
fn next_point(partial: &Path) -> Option<u64> {
    let bytes = std::fs::read(partial.join("partial.json")).ok()?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    json["next_point"].as_u64()
}

/// Starts `blockade run FILE --out OUT EXTRA...` and sends `signal` once the run has recorded
/// at least `points` complete points; returns whether the signal came before the run ended.
pub(crate) fn stop_after(
    file: &Path,
    out: &Path,
    extra: &[&str],
    points: u64,
    signal: &str,
) -> bool {
    let partial = out.with_file_name(format!(
        "{}.partial",
        out.file_name().expect("a name").to_string_lossy()
    ));
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("blockade"))
        .arg("run")
        .arg(file)
        .args(["--quiet", "--threads", "2", "--out"])
        .arg(out)
        .args(extra)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("status").is_some() {
            return false;
        }
        if next_point(&partial).is_some_and(|n| n >= points) {
            break;
        }
        assert!(
            started.elapsed() < common::HANG_GUARD,
            "hang guard: no progress recorded"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    let sent = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    let output = common::wait_within_hang_guard(child, "the stopped run");
    assert!(!output.status.success(), "{output:?}");
    assert!(!out.exists(), "a stopped sweep wrote its output folder");
    assert!(partial.is_dir(), "a stopped sweep left no partial folder");
    true
}

#[test]
fn a_sweep_stopped_at_several_moments_resumes_to_the_same_bytes() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = long_sweep(tmp.path());
    let whole = tmp.path().join("whole");
    common::run_quiet(&file, &whole, &["--tables", "summary,metrics,adoption"]);
    let out = tmp.path().join("out");
    let extra = ["--tables", "summary,metrics,adoption"];
    let mut stops = 0;
    for (points, signal) in [(1, "-INT"), (8, "-KILL"), (20, "-INT"), (30, "-KILL")] {
        let resume: &[&str] = if stops == 0 { &[] } else { &["--resume"] };
        let args: Vec<&str> = extra.iter().chain(resume).copied().collect();
        stops += usize::from(stop_after(&file, &out, &args, points, signal));
    }
    assert!(stops >= 2, "the run ended before it could be stopped");
    common::run_quiet(
        &file,
        &out,
        &["--tables", "summary,metrics,adoption", "--resume"],
    );
    let (a, b) = (common::csv_bytes(&whole), common::csv_bytes(&out));
    assert_eq!(
        a.iter().map(|(n, _)| n).collect::<Vec<_>>(),
        b.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{name} differs from the uninterrupted run's");
    }
    assert!(!out.with_file_name("out.partial").exists());
    // A resume of a folder that holds a complete run starts again.
    let output = common::blockade()
        .arg("run")
        .arg(&file)
        .args(["--tables", "summary,metrics,adoption", "--resume", "--out"])
        .arg(&out)
        .output()
        .expect("runs");
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("nothing to resume"));
}

#[test]
fn a_partial_folder_of_another_run_is_refused() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = long_sweep(tmp.path());
    let out = tmp.path().join("out");
    assert!(
        stop_after(&file, &out, &[], 1, "-KILL"),
        "the run ended first"
    );
    for (flags, named) in [
        (vec!["--seed", "5"], "seed"),
        (vec!["--tables", "summary"], "tables"),
        (vec!["--population", "2000"], "scenario"),
    ] {
        let output = common::blockade()
            .arg("run")
            .arg(&file)
            .args(&flags)
            .args(["--resume", "--out"])
            .arg(&out)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{flags:?}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains(named) && stderr.contains(".partial"),
            "{stderr}"
        );
    }
    // Without --resume the run starts again and ends with the uninterrupted bytes.
    common::run_quiet(&file, &out, &[]);
    let whole = tmp.path().join("whole");
    common::run_quiet(&file, &whole, &[]);
    assert_eq!(common::csv_bytes(&out), common::csv_bytes(&whole));
}
