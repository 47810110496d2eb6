//! `blockade completions SHELL` and `blockade man`: generated from the same clap definitions
//! that parse the command line, so they never fall behind it.

use super::{Cli, CompletionsArgs, ManArgs, Shell};
use blockade::{Error, InputError, Result};
use clap::CommandFactory;

pub fn completions(args: &CompletionsArgs) -> Result<()> {
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Powershell => clap_complete::Shell::PowerShell,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "blockade", &mut script);
    print(&script)
}

/// The page of blockade, which lists its commands as blockade-run(1) and so on, or the page
/// of one of them.
pub fn man(args: &ManArgs) -> Result<()> {
    let mut command = Cli::command();
    // Building gives each subcommand its display name, blockade-run, the page's title.
    command.build();
    let command = match &args.command {
        None => command,
        Some(name) => command.find_subcommand(name).cloned().ok_or_else(|| {
            let names: Vec<&str> = command
                .get_subcommands()
                .map(|c| c.get_name())
                .filter(|&n| n != "help")
                .collect();
            InputError::new(format!(
                "'{name}' is not a command (blockade has: {})",
                names.join(", ")
            ))
            .in_origin("COMMAND")
        })?,
    };
    let mut page = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut page)
        .map_err(|e| Error::io("rendering the manual page", e))?;
    print(&page)
}

fn print(bytes: &[u8]) -> Result<()> {
    super::write_stdout_bytes(bytes);
    Ok(())
}
