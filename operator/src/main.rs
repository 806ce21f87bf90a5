//! `hello-operator`: `crd` prints the HelloApi CRD; `run` reconciles HelloApis.

use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use hello_operator::build::DefaultImages;
use hello_operator::{Context, controller};

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
    /// Reconcile HelloApi resources.
    Run(RunArgs),
}

#[derive(clap::Args)]
struct RunArgs {
    /// Watch only this namespace (default: all namespaces).
    #[arg(long, env = "HELLO_WATCH_NAMESPACE")]
    namespace: Option<String>,
    /// Image of the API pods when a HelloApi sets none.
    #[arg(long, env = "HELLO_API_IMAGE", default_value = "hello-api:latest")]
    api_image: String,
    /// Image of the consumer pods when a HelloApi sets none.
    #[arg(
        long,
        env = "HELLO_CONSUMER_IMAGE",
        default_value = "hello-consumer:latest"
    )]
    consumer_image: String,
    /// Log format.
    #[arg(long, env = "HELLO_LOG_FORMAT", value_enum, default_value_t = LogFormat::Json)]
    log_format: LogFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Json,
    Text,
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Crd => {
            print!("{}", hello_crds::crd_yaml());
            Ok(())
        }
        Command::Run(args) => run(args),
    }
}

#[tokio::main]
async fn run(args: RunArgs) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("HELLO_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match args.log_format {
        LogFormat::Json => logs.json().init(),
        LogFormat::Text => logs.init(),
    }
    let client = kube::Client::try_default().await?;
    let images = DefaultImages {
        api: args.api_image,
        consumer: args.consumer_image,
    };
    let instance = std::env::var("POD_NAME").ok();
    let ctx = Arc::new(Context::new(client.clone(), images, instance));
    controller::run(client, args.namespace, ctx).await;
    Ok(())
}
