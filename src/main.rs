//! `tradebot`: the dashboard server and the devops CLI in one binary.
//!
//! Kept thin on purpose: parse arguments, run, and turn any error into one line on stderr
//! and a non-zero exit code (never a panic trace).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = tradebot::cli::Cli::parse();
    match tradebot::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // `{:#}` prints the context chain on one line; our errors never carry secrets.
            eprintln!("tradebot: {err:#}");
            ExitCode::FAILURE
        }
    }
}
