//! The memory check before a run (docs/FORMAT.md, Exit status): a run that cannot fit in the memory
//! the machine has available is refused with exit status 2 before anything is allocated, saying how
//! much it needs and how much there is; an ordinary run is not refused.

use crate::common;

use assert_cmd::assert::OutputAssertExt;
use predicates::prelude::*;

/// Four billion agents need hundreds of gigabytes: refused before anything is allocated (a
/// run that tried would be killed or abort, not exit 2), with both figures, and without leaving
/// a staging folder behind.
#[cfg(target_os = "linux")]
#[test]
fn a_population_that_cannot_fit_is_refused_with_exit_2() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("huge");
    let output = common::output_within_hang_guard(
        common::blockade()
            .arg("run")
            .arg(common::bundled("openai-api-block-2024.toml"))
            .args(["--population", "4000000000", "--replicates", "1"])
            .args(["--variant", "baseline", "--out"])
            .arg(&out),
        "a run of four billion agents",
    );
    output.assert().code(2).stderr(
        predicate::str::contains("not enough memory")
            .and(predicate::str::contains("GiB per task"))
            .and(predicate::str::contains("available")),
    );
    assert!(!out.exists());
    let left: Vec<_> = std::fs::read_dir(tmp.path()).expect("dir").collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// An ordinary run passes the check.
#[test]
fn an_ordinary_run_is_not_refused() {
    let tmp = tempfile::tempdir().expect("temp dir");
    common::blockade()
        .arg("run")
        .arg(common::bundled("openai-api-block-2024.toml"))
        .args([
            "--population",
            "2000",
            "--replicates",
            "2",
            "--quiet",
            "--out",
        ])
        .arg(tmp.path().join("ok"))
        .assert()
        .success();
}
