//! `tracelens serve`: receives OTLP (HTTP and gRPC), keeps every
//! acknowledged request in the data folder, and answers the app's Tempo
//! and Loki queries on the same origin as the app it serves.

mod api;
mod otlp;
mod store;
mod traceql;

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_server::LogsServiceServer;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::TraceServiceServer;
use tonic::codec::CompressionEncoding;
use tower_http::services::ServeDir;
use tracelens_core::units::counted;

use store::Store;

/// `tracelens serve`'s options.
#[derive(clap::Args)]
pub struct Args {
    /// Where the app and the Tempo and Loki API answer.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Where OTLP/HTTP is received (`POST /v1/traces`, `/v1/logs`).
    #[arg(long, default_value = "127.0.0.1:4318")]
    otlp_http: SocketAddr,
    /// Where OTLP/gRPC is received.
    #[arg(long, default_value = "127.0.0.1:4317")]
    otlp_grpc: SocketAddr,
    /// The data folder (default: tracelens/serve under the user's data
    /// directory, e.g. ~/.local/share).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// The app to serve: the folder `cargo xtask dist DIR` writes.
    #[arg(long, value_name = "DIR", default_value = "target/dist")]
    app: PathBuf,
    /// Past this size the oldest files of the data folder are removed
    /// (bytes, or with KiB, MiB, GiB).
    #[arg(long, value_name = "SIZE", default_value = "1GiB", value_parser = crate::parse_size)]
    max_data_size: usize,
    /// Larger requests are refused (413 / RESOURCE_EXHAUSTED), before and
    /// after gzip is undone.
    #[arg(long, value_name = "SIZE", default_value = "16MiB", value_parser = crate::parse_size)]
    max_request_size: usize,
}

/// What every handler shares.
pub struct Shared {
    store: Store,
    max_request: usize,
    /// The app's folder.
    app: PathBuf,
}

impl Shared {
    /// One line of the server's log, on standard error.
    fn log(&self, line: &str) {
        eprintln!("tracelens serve: {line}");
    }
}

/// Runs the server until it is stopped.
pub fn run(args: Args) -> anyhow::Result<()> {
    let data = match args.data {
        Some(dir) => dir,
        None => dirs::data_dir()
            .context("there is no data directory for this user: pass --data DIR")?
            .join("tracelens")
            .join("serve"),
    };
    let (store, replayed) = Store::open(&data, args.max_data_size as u64)
        .with_context(|| format!("could not open the data folder {}", data.display()))?;
    let shared = Arc::new(Shared {
        store,
        max_request: args.max_request_size,
        app: args.app,
    });
    for note in &replayed.notes {
        shared.log(note);
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(serve(
            shared,
            args.listen,
            args.otlp_http,
            args.otlp_grpc,
            replayed,
        ))
}

async fn serve(
    shared: Arc<Shared>,
    listen: SocketAddr,
    otlp_http: SocketAddr,
    otlp_grpc: SocketAddr,
    replayed: store::Replayed,
) -> anyhow::Result<()> {
    let bind = |address: SocketAddr, what: &'static str| async move {
        tokio::net::TcpListener::bind(address)
            .await
            .with_context(|| {
                format!("could not listen on {address} for {what}: pass another address")
            })
    };
    let web = bind(listen, "the app (--listen)").await?;
    let http = bind(otlp_http, "OTLP/HTTP (--otlp-http)").await?;
    let grpc = bind(otlp_grpc, "OTLP/gRPC (--otlp-grpc)").await?;

    let api = Router::new()
        .route("/api/echo", get(api::echo))
        .route("/api/status/buildinfo", get(api::buildinfo))
        .route("/api/v2/traces/{id}", get(api::trace_v2))
        .route("/api/traces/{id}", get(api::trace_v1))
        .route("/api/search", get(api::search))
        .route("/api/v2/search/tags", get(api::tags))
        .route("/api/v2/search/tag/{tag}/values", get(api::tag_values))
        .route("/loki/api/v1/query_range", get(api::query_range))
        .route("/", get(index))
        .route("/index.html", get(index))
        .fallback_service(ServeDir::new(&shared.app))
        .with_state(shared.clone());
    let receiver = Router::new()
        .route("/v1/traces", post(otlp::http_traces))
        .route("/v1/logs", post(otlp::http_logs))
        .with_state(shared.clone());
    let services = tonic::service::Routes::new(
        TraceServiceServer::new(otlp::Grpc(shared.clone()))
            .accept_compressed(CompressionEncoding::Gzip)
            .max_decoding_message_size(shared.max_request.saturating_mul(4)),
    )
    .add_service(
        LogsServiceServer::new(otlp::Grpc(shared.clone()))
            .accept_compressed(CompressionEncoding::Gzip)
            .max_decoding_message_size(shared.max_request.saturating_mul(4)),
    );

    let (traces, spans) = shared.store.counts();
    let mut banner = format!(
        "tracelens serve\n  app, Tempo and Loki API  http://{}\n  OTLP/HTTP                http://{}\n  \
         OTLP/gRPC                http://{}\n  data                     {} ({}, {}, {}, {} bytes \
         replayed)\n",
        web.local_addr()?,
        http.local_addr()?,
        grpc.local_addr()?,
        shared.store.dir().display(),
        counted(traces as u64, "trace"),
        counted(spans, "span"),
        counted(replayed.log_records, "log record"),
        replayed.bytes,
    );
    let app = &shared.app;
    if !app.join("index.html").is_file() {
        banner.push_str(&format!(
            "  app missing              {} has no index.html: run `cargo xtask dist {}` or pass --app DIR\n",
            app.display(),
            app.display()
        ));
    }
    // Nobody reading standard output is no reason to stop serving.
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(banner.as_bytes()).and_then(|()| out.flush());
    drop(out);

    let grpc_incoming = tonic::transport::server::TcpIncoming::from(grpc);
    tokio::select! {
        result = axum::serve(web, api) => result.context("the app's server stopped")?,
        result = axum::serve(http, receiver) => result.context("the OTLP/HTTP receiver stopped")?,
        result = tonic::transport::Server::builder()
            .add_routes(services)
            .serve_with_incoming(grpc_incoming) => result.context("the OTLP/gRPC receiver stopped")?,
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}

/// The app's page, marked as served by `tracelens serve` so that the app
/// asks this origin for Tempo and Loki; or how to build the app.
async fn index(State(shared): State<Arc<Shared>>) -> Response {
    match std::fs::read_to_string(shared.app.join("index.html")) {
        Ok(page) => Html(mark_served(&page)).into_response(),
        Err(_) => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            missing_app(&shared.app),
        )
            .into_response(),
    }
}

/// The meta element the app looks for.
const SERVED: &str = r#"<meta name="tracelens-serve" content="same-origin">"#;

fn mark_served(page: &str) -> String {
    match page.find("<head>") {
        Some(at) => format!("{}{SERVED}{}", &page[..at + 6], &page[at + 6..]),
        None => format!("{SERVED}{page}"),
    }
}

fn missing_app(dir: &Path) -> String {
    let dir = html_text(&dir.display().to_string());
    format!(
        "<!doctype html><title>tracelens serve</title><h1>tracelens serve is running</h1>\
         <p>It receives OTLP and answers Tempo and Loki queries, but there is no app in \
         <code>{dir}</code> to show them. Build it with <code>cargo xtask dist {dir}</code> (from the \
         tracelens repository) or pass <code>--app DIR</code>, then reload.</p>",
    )
}

fn html_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
