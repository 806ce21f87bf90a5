//! `hello-api`: the configurable HTTP API of a HelloApi resource.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = hello_api::cli::Cli::parse();
    hello_api::run(cli)
}
