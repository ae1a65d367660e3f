//! The `zhijian` binary: the process's arguments → a command run through the library → an exit
//! status.
//!
//! In: the command line. Out: what the command writes, and exit 0, 1 or 2 ([`cli::Status`]).
//! Everything that belongs to a command-line front end and to no other lives here and under
//! `cli/`: the clap definitions and their Chinese wording, the progress bar, the signal handler
//! that removes unfinished reports, and the exit status.

mod cli;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::FromArgMatches as _;
use cli::{run, Cli, CliError, Status};

fn main() -> ExitCode {
    let matches = match cli::usage::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => return usage(&e),
    };
    // `zhijian help grade` prints what `zhijian grade --help` prints.
    if let Some(("help", asked)) = matches.subcommand() {
        return match cli::usage::help_for(asked) {
            Ok(help) => {
                print!("{help}");
                ExitCode::SUCCESS
            }
            Err(unknown) => {
                eprint!("{unknown}");
                ExitCode::from(Status::Failed as u8)
            }
        };
    }
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => return usage(&e),
    };
    let status = match run(cli) {
        Ok(status) => status,
        Err(CliError::Rules(errors)) => {
            eprint!("{}", errors.render(std::io::stderr().is_terminal()));
            Status::Failed
        }
        Err(e) => {
            eprintln!("zhijian: {e}");
            Status::Failed
        }
    };
    ExitCode::from(status as u8)
}

/// Help and version go to stdout and succeed; usage errors go to stderr, exit 2.
fn usage(e: &clap::Error) -> ExitCode {
    if e.use_stderr() {
        eprint!("{}", cli::usage::clap(e));
        ExitCode::from(Status::Failed as u8)
    } else {
        print!("{}", cli::usage::clap(e));
        ExitCode::SUCCESS
    }
}

// Every call allocates its folded turns, matches and evidence on whichever thread grades it and
// frees them there; glibc's allocator serialised the two threads on that (2 threads were 1.6×
// one) and spent an eighth of the run in malloc and free. Transparent huge pages are off: with
// them mimalloc kept a third more memory resident for no measurable speed.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
