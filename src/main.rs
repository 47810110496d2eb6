//! The `blockade` command: a thin layer over the library that parses flags, shows progress,
//! prints tables and maps errors to exit statuses. See `cli/` for the commands.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
