//! The library's error types. The CLI maps them to exit statuses (docs/FORMAT.md, Exit status): bad input and
//! refusals before simulating are 2, failures after work began are 1, interruptions 130/143.

use std::fmt;
use std::path::PathBuf;

/// A problem with what the user gave us: a scenario file, an override, a flag.
///
/// Displays as one line, `FILE:LINE: KEY: message`, with the parts that are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file, or the flag (`--set 'a.b=1'`), the problem is in.
    pub origin: Option<String>,
    /// The 1-based line in `origin`, where the parser knows it.
    pub line: Option<usize>,
    /// The key, as a dotted path (`providers.qwen.price`).
    pub key: Option<String>,
    /// What is wrong, and where it helps, how to fix it.
    pub message: String,
}

impl InputError {
    /// A problem with no file, line or key yet.
    pub fn new(message: impl Into<String>) -> InputError {
        InputError {
            origin: None,
            line: None,
            key: None,
            message: message.into(),
        }
    }

    /// A problem with a key.
    pub fn at_key(key: impl Into<String>, message: impl Into<String>) -> InputError {
        InputError {
            key: Some(key.into()),
            ..InputError::new(message)
        }
    }

    /// The same problem, said to be in `origin`.
    pub fn in_origin(mut self, origin: impl Into<String>) -> InputError {
        self.origin = Some(origin.into());
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.origin, self.line) {
            (Some(origin), Some(line)) => write!(f, "{origin}:{line}: ")?,
            (Some(origin), None) => write!(f, "{origin}: ")?,
            (None, Some(line)) => write!(f, "line {line}: ")?,
            (None, None) => {}
        }
        if let Some(key) = &self.key {
            write!(f, "{key}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for InputError {}

/// Everything that can stop a blockade command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input, refused before any simulation (exit status 2).
    #[error("{0}")]
    Input(#[from] InputError),
    /// An output folder that blockade did not write and will not replace (exit status 2).
    #[error("refusing to replace {}: not a blockade output folder", .0.display())]
    ForeignOutput(PathBuf),
    /// An existing empty folder named as the output folder (exit status 2): it may be the
    /// user's, so it is not replaced, but the message says how to go on.
    #[error(
        "refusing to replace {}: an empty folder, not a blockade output folder (remove it \
         with `rmdir {}`, or name a folder that does not exist yet)",
        .0.display(),
        .0.display()
    )]
    EmptyOutput(PathBuf),
    /// A folder blockade did not write appeared at the output folder while the run worked
    /// (exit status 1): it is left alone, and the run's complete results are kept beside it.
    #[error(
        "refusing to replace {}: a folder blockade did not write appeared there during the \
         run; this run's results are in {}",
        .target.display(),
        .kept.display()
    )]
    OutputAppeared {
        /// The output folder, as it was resolved.
        target: PathBuf,
        /// Where the run's results are.
        kept: PathBuf,
    },
    /// A resource the run would need and the machine does not have (exit status 2).
    #[error("{0}")]
    Resources(String),
    /// A failure of the file system after work began (exit status 1).
    #[error("{context}: {source}")]
    Io {
        /// What was being done, naming the file.
        context: String,
        /// The underlying failure.
        source: std::io::Error,
    },
    /// The run was interrupted by a signal; nothing was written.
    #[error("interrupted")]
    Interrupted,
}

impl Error {
    /// An I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// True for errors refused before simulating: the CLI exits with status 2.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Error::Input(_) | Error::ForeignOutput(_) | Error::EmptyOutput(_) | Error::Resources(_)
        )
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_errors_print_the_known_parts_on_one_line() {
        let e = InputError {
            origin: Some("s.toml".into()),
            line: Some(12),
            key: Some("providers.qwen.price".into()),
            message: "must be >= 0, not -1".into(),
        };
        assert_eq!(
            e.to_string(),
            "s.toml:12: providers.qwen.price: must be >= 0, not -1"
        );
        let e = InputError::at_key("x", "bad").in_origin("--set 'x=1'");
        assert_eq!(e.to_string(), "--set 'x=1': x: bad");
    }
}
