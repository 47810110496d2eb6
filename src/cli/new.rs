//! `blockade new NAME`: a commented starter scenario, `NAME.toml` in the current folder.

use super::NewArgs;
use blockade::{Error, InputError, Result};
use std::io::Write;
use std::path::PathBuf;

/// The starter scenario; `scenarios/minimal.toml` is its one source, so the file a user gets
/// is the one the repository's tests check and run.
const MINIMAL: &str = include_str!("../../scenarios/minimal.toml");

/// The line of [`MINIMAL`] that names the scenario.
const NAME_LINE: &str = "name = \"minimal\"";

pub fn new(args: &NewArgs) -> Result<()> {
    let name = &args.name;
    // The name becomes a file name and the scenario's name, which must be an identifier.
    let identifier = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if !identifier {
        return Err(InputError::new(format!(
            "'{name}' is not a scenario name: use lowercase letters, digits, _ and - (e.g. my-block)"
        ))
        .in_origin("NAME")
        .into());
    }
    let text = starter(name);
    let path = PathBuf::from(format!("{name}.toml"));
    // create_new refuses an existing file in the same system call that creates the new one.
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(
                InputError::new("already exists; blockade new never overwrites a file")
                    .in_origin(path.display().to_string())
                    .into(),
            );
        }
        Err(e) => return Err(Error::io(format!("creating {}", path.display()), e)),
    };
    file.write_all(text.as_bytes())
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    eprintln!(
        "wrote {}: check it with `blockade check {0}`, run it with `blockade run {0}`",
        path.display()
    );
    Ok(())
}

/// The starter scenario named `name`.
fn starter(name: &str) -> String {
    MINIMAL.replacen(NAME_LINE, &format!("name = \"{name}\""), 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_names_the_scenario_once() {
        assert_eq!(MINIMAL.matches(NAME_LINE).count(), 1);
        let text = starter("my-block");
        assert!(text.contains("name = \"my-block\""));
        assert!(!text.contains(NAME_LINE));
    }
}
