//! Start-up, serving, and graceful shutdown.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::KeepAlive;
use actix_web::{App, HttpServer, web};

use crate::access_log::AccessLog;
use crate::cli::Cli;
use crate::config::{self, Config, ConfigStore};
use crate::error::Error;
use crate::events::{EventSink, ProducerTuning};
use crate::http::public;
use crate::logging;
use crate::metrics::Metrics;
use crate::state::AppState;

/// Longer than an ALB's 60 s idle timeout, so the load balancer, not the
/// API, closes idle connections (no race on a reused connection).
const KEEP_ALIVE: Duration = Duration::from_secs(75);
/// How long a client may take to send the request head (slowloris guard).
const REQUEST_HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// How long queued Kafka events get at shutdown.
const KAFKA_FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs `hello-api` until SIGTERM/SIGINT; exit code 0 after a clean stop.
pub fn run(cli: Cli) -> ExitCode {
    let logs = logging::init(cli.log.log_format, cli.access_log);
    let result = actix_web::rt::System::new().block_on(serve(cli, logs.access.clone()));
    hello_process::exit("hello-api", result, |_| 1)
}

async fn serve(cli: Cli, access_log: Option<Arc<AccessLog>>) -> Result<(), Error> {
    let metrics = Arc::new(Metrics::new());
    let store = Arc::new(if cli.config.is_none() && cli.configmap.is_none() {
        tracing::info!("no --config or --configmap: serving the built-in default configuration");
        ConfigStore::with(Config::default(), metrics.clone())
    } else {
        ConfigStore::empty(metrics.clone())
    });
    start_config_source(&cli, store.clone()).await?;

    let events = match cli.kafka.settings()? {
        Some(settings) => Some(Arc::new(EventSink::start(
            &settings,
            &ProducerTuning {
                queue_messages: cli.kafka_queue_messages,
                linger_ms: cli.kafka_linger_ms,
                compression: cli.kafka_compression,
            },
            metrics.clone(),
        )?)),
        None => {
            tracing::info!("Kafka not configured: no events");
            None
        }
    };
    let state = web::Data::new(AppState::new(store, metrics, events.clone(), access_log));
    let shutdown_timeout = cli.shutdown_timeout_seconds;

    let public_state = state.clone();
    let mut public = HttpServer::new(move || {
        App::new()
            .app_data(public_state.clone())
            .default_service(web::to(public::handle))
    })
    .disable_signals()
    .shutdown_timeout(shutdown_timeout)
    .keep_alive(KeepAlive::Timeout(KEEP_ALIVE))
    .client_request_timeout(REQUEST_HEAD_TIMEOUT);
    if let Some(workers) = cli.workers {
        public = public.workers(workers.max(1));
    }
    let public = public
        .bind(cli.listen)
        .map_err(|source| Error::Bind {
            what: "the public port",
            addr: cli.listen,
            source,
        })?
        .run();

    let admin_bind_error = |source| Error::Bind {
        what: "the admin port",
        addr: cli.admin_listen,
        source,
    };
    let admin_listener = std::net::TcpListener::bind(cli.admin_listen).map_err(admin_bind_error)?;
    let admin = hello_process::admin::server(admin_listener, state.clone().into_inner())
        .map_err(admin_bind_error)?;
    tracing::info!(listen = %cli.listen, admin_listen = %cli.admin_listen, "serving");

    let (public_handle, admin_handle) = (public.handle(), admin.handle());
    let delay = Duration::from_secs(cli.shutdown_delay_seconds);
    let shutdown_state = state.clone();
    actix_web::rt::spawn(async move {
        let signal = hello_process::wait_for_signal().await;
        tracing::info!(
            signal,
            delay_seconds = delay.as_secs(),
            "shutting down: not ready; finishing in-flight requests"
        );
        shutdown_state.begin_shutdown();
        tokio::time::sleep(delay).await;
        // Graceful: stop accepting, let in-flight requests finish.
        public_handle.stop(true).await;
        admin_handle.stop(true).await;
    });

    let (public_result, admin_result) = futures::join!(public, admin);
    public_result.map_err(Error::Serve)?;
    admin_result.map_err(Error::Serve)?;

    if let Some(events) = events {
        let flushed = tokio::task::spawn_blocking(move || events.flush(KAFKA_FLUSH_TIMEOUT)).await;
        if flushed.is_err() {
            tracing::warn!("flushing Kafka events did not finish");
        }
    }
    Ok(())
}

async fn start_config_source(cli: &Cli, store: Arc<ConfigStore>) -> Result<(), Error> {
    if let Some(path) = cli.config.clone() {
        tracing::info!(path = %path.display(), "serving the configuration file, reloaded on change");
        actix_web::rt::spawn(config::watch_file(path, store));
    } else if let Some(name) = cli.configmap.clone() {
        let namespace = config::resolve_namespace(cli.namespace.as_deref())?;
        let client = kube::Client::try_default().await?;
        tracing::info!(%namespace, configmap = %name, key = config::CONFIGMAP_KEY, "serving the ConfigMap, reloaded on change");
        actix_web::rt::spawn(config::watch_configmap(client, namespace, name, store));
    }
    Ok(())
}
