//! `hello-operator`: `crd` prints the HelloApi CRD; `run` reconciles HelloApis.

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use hello_operator::admin::{self, Readiness};
use hello_operator::build::DefaultImages;
use hello_operator::fargate::FargateProfiles;
use hello_operator::leader::{LeaderElector, LeaseTiming};
use hello_operator::{Context, controller};
use hello_process::log::LogArgs;

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
    #[command(flatten)]
    images: DefaultImages,
    /// Elect a leader on a Lease, so that of several replicas only one reconciles.
    #[arg(long, env = "HELLO_LEADER_ELECT")]
    leader_elect: bool,
    /// Namespace of the leader Lease (default: the pod's namespace, from POD_NAMESPACE).
    #[arg(long, env = "POD_NAMESPACE", default_value = "default")]
    leader_election_namespace: String,
    /// Address of /metrics, /healthz and /readyz.
    #[arg(long, env = "HELLO_METRICS_ADDR", default_value = "0.0.0.0:9090")]
    metrics_addr: std::net::SocketAddr,
    /// EKS cluster whose Fargate profiles are checked for `compute: fargate`
    /// resources (condition FargateProfileMatched). Unset: no check.
    #[arg(long, env = "HELLO_EKS_CLUSTER_NAME")]
    eks_cluster_name: Option<String>,
    /// AWS region of that cluster (default: the AWS default chain's region).
    #[arg(long, env = "HELLO_AWS_REGION")]
    aws_region: Option<String>,
    /// How long the Fargate profile listing is cached.
    #[arg(long, env = "HELLO_FARGATE_CACHE_SECONDS", default_value_t = 60)]
    fargate_cache_seconds: u64,
    /// HelloApis reconciled at once (at least 1). After a restart every
    /// resource is due at the same moment; this bounds the memory that takes.
    #[arg(long, env = "HELLO_MAX_CONCURRENT_RECONCILES", default_value_t = controller::DEFAULT_MAX_CONCURRENT_RECONCILES, value_parser = clap::value_parser!(u16).range(1..))]
    max_concurrent_reconciles: u16,
    #[command(flatten)]
    log: LogArgs,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Crd => {
            print!("{}", hello_crds::crd_yaml());
            ExitCode::SUCCESS
        }
        // `{:#}`: the whole chain of causes, on one line.
        Command::Run(args) => hello_process::exit(
            "hello-operator",
            run(args).map_err(|e| format!("{e:#}")),
            |_| 1,
        ),
    }
}

#[tokio::main]
async fn run(args: RunArgs) -> anyhow::Result<()> {
    hello_process::log::init("hello-operator", args.log.log_format, std::io::stderr);
    let client = kube::Client::try_default().await?;
    let images = args.images.clone();
    let instance = std::env::var("POD_NAME").ok();
    let mut ctx = Context::new(client.clone(), images, instance.clone());
    if let Some(cluster) = &args.eks_cluster_name {
        // Credentials, region and endpoint (AWS_ENDPOINT_URL_EKS) come from
        // the default AWS chain, which covers IRSA and EKS Pod Identity.
        let mut loader = aws_config::from_env();
        if let Some(region) = &args.aws_region {
            loader = loader.region(aws_config::Region::new(region.clone()));
        }
        let eks = aws_sdk_eks::Client::new(&loader.load().await);
        let ttl = std::time::Duration::from_secs(args.fargate_cache_seconds);
        ctx = ctx.with_fargate(FargateProfiles::new(eks, cluster, ttl));
    }
    let ctx = Arc::new(ctx);
    // Ready once connected: a follower waiting for the Lease is healthy too.
    // Set before the admin server starts: its worker answers at once, and a
    // first /readyz must not see a process that is only between two lines.
    let readiness = Arc::new(Readiness::default());
    readiness.set(true);
    let admin = admin::serve(args.metrics_addr, ctx.metrics.clone(), readiness.clone())?;
    let admin_handle = admin.handle();
    tokio::spawn(admin);
    let result = reconcile_until_shutdown(args, client, ctx, instance).await;
    readiness.set(false);
    admin_handle.stop(true).await;
    result
}

async fn reconcile_until_shutdown(
    args: RunArgs,
    client: kube::Client,
    ctx: Arc<Context>,
    instance: Option<String>,
) -> anyhow::Result<()> {
    let options = controller::Options {
        namespace: args.namespace.clone(),
        max_concurrent_reconciles: args.max_concurrent_reconciles,
    };
    if !args.leader_elect {
        controller::run(client, options, ctx).await;
        return Ok(());
    }
    let identity = instance.unwrap_or_else(|| format!("hello-operator-{}", std::process::id()));
    let elector = LeaderElector::new(
        client.clone(),
        &args.leader_election_namespace,
        "hello-operator",
        &identity,
        LeaseTiming::default(),
    );
    if !controller::run_as_leader(client, options, ctx, &elector).await? {
        anyhow::bail!("lost the leader Lease");
    }
    Ok(())
}
