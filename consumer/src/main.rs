//! `hello-consumer`: logs every record of a Kafka topic as one JSON line.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = hello_consumer::cli::Cli::parse();
    hello_consumer::run(cli)
}
