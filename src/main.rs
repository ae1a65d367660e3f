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

use clap::Parser;
use cli::{run, Cli, CliError, Status};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version go to stdout and succeed; usage errors go to stderr, exit 2.
        Err(e) if !e.use_stderr() => {
            print!("{}", cli::usage::clap(&e));
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprint!("{}", cli::usage::clap(&e));
            return ExitCode::from(Status::Failed as u8);
        }
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

// Every call allocates its folded turns, matches and evidence on whichever thread grades it and
// frees them there; glibc's allocator serialised the two threads on that (2 threads were 1.6×
// one) and spent an eighth of the run in malloc and free. Transparent huge pages are off: with
// them mimalloc kept a third more memory resident for no measurable speed.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
