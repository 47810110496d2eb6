//! The command-line conventions: `blockade new` writes a starter scenario that `check` accepts
//! and `run` runs, the bash completion loads, and `man -l` renders the manual page.

use crate::common::{self, output_within_hang_guard};
use std::path::Path;

/// `blockade ARGS` run in `dir`, within the hang guard.
fn blockade(dir: &Path, args: &[&str]) -> std::process::Output {
    let what = format!("blockade {}", args.join(" "));
    output_within_hang_guard(common::blockade().current_dir(dir).args(args), &what)
}

fn assert_success(output: &std::process::Output, what: &str) {
    assert!(
        output.status.success(),
        "{what}: {:?}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_new_scenario_checks_and_runs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    assert_success(&blockade(tmp.path(), &["new", "x"]), "new x");
    let text = std::fs::read_to_string(tmp.path().join("x.toml")).expect("x.toml written");
    assert!(
        text.contains("name = \"x\""),
        "the name is replaced: {text}"
    );
    assert_success(&blockade(tmp.path(), &["check", "x.toml"]), "check x.toml");
    let run = blockade(tmp.path(), &["run", "x.toml", "--quiet"]);
    assert_success(&run, "run x.toml");
    let metrics = std::fs::read_to_string(tmp.path().join("output/x/metrics.csv"))
        .expect("the run wrote output/x/metrics.csv");
    assert!(metrics.contains("no-block"), "the variant ran");
}

#[test]
fn the_closing_table_says_what_its_interval_covers() {
    let tmp = tempfile::tempdir().expect("tempdir");
    assert_success(&blockade(tmp.path(), &["new", "x"]), "new x");
    let run = blockade(tmp.path(), &["run", "x.toml", "--population", "500"]);
    assert_success(&run, "run x.toml");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.contains("mean [95% interval] over")
            && stdout.contains("simulation noise only")
            && stdout.contains("assumed parameters"),
        "the table names what its interval covers and what it leaves out: {stdout}"
    );
}

#[test]
fn new_never_overwrites_and_refuses_a_bad_name() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("x.toml"), "mine").expect("write");
    let again = blockade(tmp.path(), &["new", "x"]);
    assert_eq!(again.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("x.toml"), "names the file: {stderr}");
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("x.toml")).expect("read"),
        "mine"
    );

    let bad = blockade(tmp.path(), &["new", "../Up"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(!tmp.path().join("../Up.toml").exists());
    assert_eq!(std::fs::read_dir(tmp.path()).expect("dir").count(), 1);
}

#[test]
fn bash_loads_the_completion() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let completion = blockade(tmp.path(), &["completions", "bash"]);
    assert_success(&completion, "completions bash");
    let script = tmp.path().join("blockade.bash");
    std::fs::write(&script, &completion.stdout).expect("write");
    let shown = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source '{}' && complete -p blockade",
            script.display()
        ))
        .output()
        .expect("bash runs");
    assert_success(&shown, "bash sources the completion");
    let line = String::from_utf8_lossy(&shown.stdout);
    assert!(line.contains("_blockade blockade"), "{line}");
}

#[test]
fn every_shell_gets_a_script_naming_the_commands() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let output = blockade(tmp.path(), &["completions", shell]);
        assert_success(&output, shell);
        let script = String::from_utf8_lossy(&output.stdout);
        for command in ["run", "compare", "completions"] {
            assert!(script.contains(command), "{shell} lacks {command}");
        }
    }
}

#[test]
fn man_renders_the_manual_pages() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (args, title) in [
        (&["man"][..], "blockade"),
        (&["man", "run"][..], "blockade-run"),
    ] {
        let page = blockade(tmp.path(), args);
        assert_success(&page, "man");
        let file = tmp.path().join(format!("{title}.1"));
        std::fs::write(&file, &page.stdout).expect("write");
        let rendered = std::process::Command::new("man")
            .arg("-l")
            .arg(&file)
            .env("MANPAGER", "cat")
            .env("PAGER", "cat")
            .env("MANWIDTH", "100")
            .output()
            .expect("man-db is installed (apt-get install man-db)");
        assert_success(&rendered, "man -l");
        let text = String::from_utf8_lossy(&rendered.stdout);
        assert!(text.contains(&format!("{title}(1)")), "{text}");
        assert!(text.contains("SYNOPSIS"), "{text}");
    }
    let unknown = blockade(tmp.path(), &["man", "nope"]);
    assert_eq!(unknown.status.code(), Some(2));
}
