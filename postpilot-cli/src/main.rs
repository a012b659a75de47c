//! `postpilot`: the command line. `main` only parses, wires and reports.

mod app;
mod cli;
mod commands;
mod csv_io;
mod error;
mod logging;
mod output;
mod parse;
mod password;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    logging::init();
    match app::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            error::report(&err);
            err.exit_code()
        }
    }
}
