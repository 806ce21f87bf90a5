//! `hello-operator`: `crd` prints the HelloApi CRD; `run` reconciles HelloApis.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "hello-operator",
    version,
    about = "The HelloApi Kubernetes operator"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the HelloApi CustomResourceDefinition as YAML.
    Crd,
    /// Reconcile HelloApi resources (arrives with the reconciler).
    Run,
}

fn main() -> std::process::ExitCode {
    match Cli::parse().command {
        Command::Crd => {
            print!("{}", hello_crds::crd_yaml());
            std::process::ExitCode::SUCCESS
        }
        Command::Run => {
            eprintln!("hello-operator run: the reconciler is not built yet (issue #3)");
            std::process::ExitCode::from(2)
        }
    }
}
