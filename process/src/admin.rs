//! The admin server of every binary: `/metrics` (OpenMetrics text),
//! `/healthz` (alive) and `/readyz` (ready for work), on a port of its own
//! that is never routed through a Service's public port or an Ingress.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{App, HttpResponse, HttpServer, web};

/// The content type of `/metrics` (prometheus-client's text encoding).
pub const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// What one binary's admin port answers.
pub trait AdminEndpoints: Send + Sync + 'static {
    /// The body of `/metrics`.
    fn metrics(&self) -> String;
    /// `/healthz`: Ok while the process works, else why not (the kubelet
    /// restarts a container that stays unhealthy).
    fn liveness(&self) -> Result<(), String> {
        Ok(())
    }
    /// `/readyz`: Ok when it should get work, else why not.
    fn readiness(&self) -> Result<(), String>;
}

type Endpoints = web::Data<Arc<dyn AdminEndpoints>>;

/// Serves `endpoints` on `listener` (bound by the caller, so a taken port
/// fails the start with its own error) with one worker. The server handles
/// no signals: each binary stops it as part of its own shutdown.
pub fn server(
    listener: TcpListener,
    endpoints: Arc<dyn AdminEndpoints>,
) -> std::io::Result<actix_web::dev::Server> {
    let endpoints: Endpoints = web::Data::new(endpoints);
    Ok(
        HttpServer::new(move || App::new().app_data(endpoints.clone()).configure(routes))
            .workers(1)
            .disable_signals()
            .listen(listener)?
            .run(),
    )
}

fn routes(app: &mut web::ServiceConfig) {
    app.route("/metrics", web::get().to(metrics))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

async fn metrics(endpoints: Endpoints) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, OPENMETRICS))
        .body(endpoints.metrics())
}

async fn healthz(endpoints: Endpoints) -> HttpResponse {
    match endpoints.liveness() {
        Ok(()) => text(HttpResponse::Ok(), "ok".to_string()),
        Err(reason) => text(HttpResponse::ServiceUnavailable(), reason),
    }
}

async fn readyz(endpoints: Endpoints) -> HttpResponse {
    match endpoints.readiness() {
        Ok(()) => text(HttpResponse::Ok(), "ok".to_string()),
        Err(reason) => text(
            HttpResponse::ServiceUnavailable(),
            format!("not ready: {reason}"),
        ),
    }
}

fn text(mut response: actix_web::HttpResponseBuilder, body: String) -> HttpResponse {
    response
        .content_type("text/plain; charset=utf-8")
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test;
    use std::sync::Mutex;

    struct Fixed {
        live: Result<(), String>,
        ready: Mutex<Result<(), String>>,
    }

    impl AdminEndpoints for Fixed {
        fn metrics(&self) -> String {
            "# EOF\n".to_string()
        }
        fn liveness(&self) -> Result<(), String> {
            self.live.clone()
        }
        fn readiness(&self) -> Result<(), String> {
            self.ready.lock().unwrap().clone()
        }
    }

    async fn get(endpoints: Arc<dyn AdminEndpoints>, path: &str) -> (u16, String, String) {
        let app = test::init_service(
            App::new()
                .app_data(web::Data::new(endpoints))
                .configure(routes),
        )
        .await;
        let response =
            test::call_service(&app, test::TestRequest::get().uri(path).to_request()).await;
        let status = response.status().as_u16();
        let kind = response
            .headers()
            .get(header::CONTENT_TYPE)
            .expect("a content type")
            .to_str()
            .unwrap()
            .to_string();
        let body = test::read_body(response).await;
        (status, kind, String::from_utf8(body.to_vec()).unwrap())
    }

    #[actix_web::test]
    async fn metrics_are_openmetrics_text() {
        let ok = Arc::new(Fixed {
            live: Ok(()),
            ready: Mutex::new(Ok(())),
        });
        assert_eq!(
            get(ok, "/metrics").await,
            (200, OPENMETRICS.to_string(), "# EOF\n".to_string())
        );
    }

    #[actix_web::test]
    async fn health_and_readiness_answer_ok_or_503_with_the_reason() {
        let endpoints = Arc::new(Fixed {
            live: Err("the consumer loop has not turned for 90 s".to_string()),
            ready: Mutex::new(Ok(())),
        });
        let plain = "text/plain; charset=utf-8".to_string();
        assert_eq!(
            get(endpoints.clone(), "/readyz").await,
            (200, plain.clone(), "ok".to_string())
        );
        assert_eq!(
            get(endpoints.clone(), "/healthz").await,
            (
                503,
                plain.clone(),
                "the consumer loop has not turned for 90 s".to_string()
            )
        );
        *endpoints.ready.lock().unwrap() = Err("shutting down".to_string());
        assert_eq!(
            get(endpoints, "/readyz").await,
            (503, plain, "not ready: shutting down".to_string())
        );
    }
}
