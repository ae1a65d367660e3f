use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use zhijian::cli::{run, Cli, CliError, Status};

fn main() -> ExitCode {
    let cli = Cli::parse();
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
