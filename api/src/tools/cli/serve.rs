//! `serve`: its settings (flags and environment) and the server's life,
//! from migrations to a graceful shutdown.

use clap::Args;
use poem::listener::Listener as _;

use super::CliResult;
use crate::config::{Publisher, Settings};
use crate::http::deadlines::Deadlines;
use crate::resources::municipalities;
use crate::store::checkpoint;
use crate::store::db;
use crate::tools::{audit, demo_data};
use crate::{app, AppState};

#[derive(Debug, Clone, Args)]
pub(super) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// Do not load demo data into an empty database (a production deployment: set it).
    #[arg(long, env = "NO_DEMO")]
    no_demo: bool,
    /// How many demo sessions to load into an empty database.
    #[arg(long, default_value_t = 5000)]
    demo_sessions: u64,
    /// Counts of people below this (and above 0) are hidden in aggregates.
    #[arg(long, env = "SUPPRESSION_THRESHOLD", default_value_t = 5)]
    suppression_threshold: i64,
    /// Anonymous reads per client IP per minute (0: unlimited).
    #[arg(long, env = "READ_RATE_PER_MINUTE", default_value_t = 6000)]
    read_rate_per_minute: u32,
    /// Writes per API key per minute (0: unlimited).
    #[arg(long, env = "WRITE_RATE_PER_MINUTE", default_value_t = 600)]
    write_rate_per_minute: u32,
    /// Count reads per the last `X-Forwarded-For` entry, the one the proxy added (only behind a trusted proxy).
    #[arg(long, env = "TRUST_FORWARDED_FOR")]
    trust_forwarded_for: bool,
    /// Base URL for `next` links, e.g. `https://api.example.org` (default: from the request).
    #[arg(long, env = "PUBLIC_BASE_URL")]
    public_base_url: Option<String>,
    /// Largest accepted request body, in bytes (beyond it: 413).
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = Settings::default().max_body_bytes)]
    max_body_bytes: usize,
    /// How long a stored `Idempotency-Key` answer is replayed, in seconds.
    #[arg(long, env = "IDEMPOTENCY_TTL_SECONDS", default_value_t = Settings::default().idempotency_ttl.as_secs())]
    idempotency_ttl_seconds: u64,
    /// A request without its response after this many seconds is answered 503.
    #[arg(long, env = "REQUEST_TIMEOUT_SECONDS", default_value_t = Settings::default().request_timeout.as_secs())]
    request_timeout_seconds: u64,
    /// On SIGTERM or SIGINT, how long requests in flight may still finish.
    #[arg(long, env = "SHUTDOWN_GRACE_SECONDS", default_value_t = Settings::default().shutdown_grace.as_secs())]
    shutdown_grace_seconds: u64,
    /// The publisher's contact page, shown in `/v1/api-info` and the catalogue's contact point.
    #[arg(long, env = "API_CONTACT_URL")]
    contact_url: Option<String>,
    /// The publisher's contact e-mail, shown in `/v1/api-info` and the
    /// catalogue's contact point (DCAT-AP-SE requires it; warned at start when unset).
    #[arg(long, env = "API_CONTACT_EMAIL")]
    contact_email: Option<String>,
    /// A bearer token that opens `/metrics` to other machines (without it, loopback only).
    #[arg(long, env = "METRICS_TOKEN")]
    metrics_token: Option<String>,
    /// Audit records older than this many days are pruned, at start and hourly (0 keeps them all).
    #[arg(long, env = "AUDIT_RETENTION_DAYS", default_value_t = Settings::default().audit_retention_days)]
    audit_retention_days: u32,
    /// Memory for cached public GET answers, in MiB (0 turns the cache off).
    #[arg(long, env = "RESPONSE_CACHE_MB", default_value_t = Settings::default().response_cache_bytes / (1024 * 1024))]
    response_cache_mb: u64,
    /// Database connections at most (default: 4 on SQLite; on PostgreSQL twice the cores, from 4 to 16).
    #[arg(long, env = "DATABASE_CONNECTIONS", value_parser = clap::value_parser!(u32).range(1..))]
    database_connections: Option<u32>,
    /// How long start-up waits for the database to answer, in seconds (0: fail at once).
    #[arg(long, env = "DATABASE_WAIT_SECONDS", default_value_t = 60)]
    database_wait_seconds: u64,
    /// Most rows one /v1/reach answer holds (more: 400 that says how to narrow the question).
    #[arg(long, env = "MAX_REACH_ROWS", default_value_t = Settings::default().max_reach_rows, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    max_reach_rows: usize,
    /// `Server-Timing: app;dur=<ms>` on every answer (for benchmarks; it hands clients a clock).
    #[arg(long, env = "SERVER_TIMING")]
    server_timing: bool,
    /// Seconds without traffic after which a client's connection is closed (at least
    /// REQUEST_TIMEOUT_SECONDS + 1: a handler may send nothing until then).
    #[arg(long, env = "IDLE_TIMEOUT_SECONDS", default_value_t = Settings::default().idle_timeout.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout_seconds: u64,
    /// Seconds a client has to send a request's headers, from their first byte.
    #[arg(long, env = "HEADER_TIMEOUT_SECONDS", default_value_t = Settings::default().header_timeout.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    header_timeout_seconds: u64,
    /// The county this deployment is for (2-digit SCB code): the page's and every default
    /// county, the municipalities `in_collaboration`, the catalogue's spatial coverage.
    #[arg(long, env = "HOME_COUNTY", default_value = crate::config::DEFAULT_HOME_COUNTY)]
    home_county: String,
    /// The publisher's name in Swedish (required with another HOME_COUNTY than 19).
    #[arg(long, env = "PUBLISHER_NAME_SV")]
    publisher_name_sv: Option<String>,
    /// The publisher's name in English (required with another HOME_COUNTY than 19).
    #[arg(long, env = "PUBLISHER_NAME_EN")]
    publisher_name_en: Option<String>,
    /// The publisher's web site (http or https).
    #[arg(long, env = "PUBLISHER_URL")]
    publisher_url: Option<String>,
    /// The page's title for the home county in Swedish (default: "Föräldraskapsstöd i {county}").
    #[arg(long, env = "SITE_TITLE_SV")]
    site_title_sv: Option<String>,
    /// The page's title for the home county in English (default: "Parenting support in {county}").
    #[arg(long, env = "SITE_TITLE_EN")]
    site_title_en: Option<String>,
    /// The page's short description in Swedish (its `<meta name="description">`).
    #[arg(long, env = "SITE_DESCRIPTION_SV")]
    site_description_sv: Option<String>,
    /// The page's short description in English.
    #[arg(long, env = "SITE_DESCRIPTION_EN")]
    site_description_en: Option<String>,
}

impl ServeArgs {
    fn settings(&self) -> Settings {
        Settings {
            suppression_threshold: self.suppression_threshold.max(1),
            read_rate_per_minute: self.read_rate_per_minute,
            write_rate_per_minute: self.write_rate_per_minute,
            public_base_url: self.public_base_url.clone(),
            trust_forwarded_for: self.trust_forwarded_for,
            max_body_bytes: self.max_body_bytes,
            idempotency_ttl: std::time::Duration::from_secs(self.idempotency_ttl_seconds),
            request_timeout: std::time::Duration::from_secs(self.request_timeout_seconds.max(1)),
            shutdown_grace: std::time::Duration::from_secs(self.shutdown_grace_seconds),
            contact_url: self.contact_url.clone(),
            contact_email: self.contact_email.clone(),
            metrics_token: self.metrics_token.clone().filter(|t| !t.is_empty()),
            audit_retention_days: self.audit_retention_days,
            response_cache_bytes: self.response_cache_mb * 1024 * 1024,
            publisher: self.publisher(),
            server_timing: self.server_timing,
            max_reach_rows: self.max_reach_rows,
            idle_timeout: std::time::Duration::from_secs(
                self.idle_timeout_seconds
                    .max(self.request_timeout_seconds.max(1) + 1),
            ),
            header_timeout: std::time::Duration::from_secs(self.header_timeout_seconds),
        }
    }

    /// Who publishes, as configured; what is not set is the default
    /// publisher's (which `Publisher::check` refuses for another county).
    fn publisher(&self) -> Publisher {
        let default = Publisher::default();
        let given = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
        Publisher {
            home_county: self.home_county.trim().to_owned(),
            name_sv: given(&self.publisher_name_sv).unwrap_or(default.name_sv),
            name_en: given(&self.publisher_name_en).unwrap_or(default.name_en),
            url: given(&self.publisher_url),
            site_title_sv: given(&self.site_title_sv),
            site_title_en: given(&self.site_title_en),
            site_description_sv: given(&self.site_description_sv),
            site_description_en: given(&self.site_description_en),
        }
    }
}

pub(super) async fn serve(database_url: &str, args: ServeArgs) -> CliResult {
    let wait = std::time::Duration::from_secs(args.database_wait_seconds);
    let settings = args.settings();
    settings.publisher.check()?;
    let db = db::connect_server_waiting(database_url, args.database_connections, wait).await?;
    db::migrate(&db).await?;
    let county = &settings.publisher.home_county;
    let Some(county_name) = municipalities::make_home_county(&db, county)
        .await
        .map_err(|e| e.detail)?
    else {
        return Err(format!(
            "HOME_COUNTY={county}: no such county in the reference data (SCB's 21 county codes, \
             01 to 25)"
        )
        .into());
    };
    tracing::info!(home_county = %county, county_name, publisher = %settings.publisher.name_en, "serving");
    if !args.no_demo {
        use sea_orm::{EntityTrait, PaginatorTrait};
        if entity::session::Entity::find().count(&db).await? == 0 {
            let s =
                demo_data::generate(&db, args.demo_sessions, 42, false, demo_data::Scope::County)
                    .await
                    .map_err(|e| e.detail)?;
            tracing::info!(sessions = s.sessions, seconds = s.seconds, "empty database: loaded SYNTHETIC demo data (see /v1/api-info); --no-demo skips this");
        }
    }
    // A harvester (dataportal.se) requires the contact point's e-mail; demo
    // and development runs need none, so this is a warning, not a refusal.
    if settings.contact_email.is_none() || settings.contact_url.is_none() {
        tracing::warn!(
            "API_CONTACT_EMAIL or API_CONTACT_URL is unset: /v1/catalog's contact point lacks it, \
             and DCAT-AP-SE requires an e-mail; set both before a portal harvests this deployment"
        );
    }
    let grace = settings.shutdown_grace;
    let (header, idle) = (settings.header_timeout, settings.idle_timeout);
    let pruning = audit::spawn_pruning(db.clone(), settings.audit_retention_days);
    let _checkpoints = match db::sqlite_path(database_url) {
        Some(path) => Some(checkpoint::spawn(db::connect(database_url).await?, &path)),
        None => None,
    };
    let state = AppState::new(db, settings);
    tracing::info!(bind = %args.bind, "listening; docs at http://{}/docs", args.bind);
    let acceptor = poem::listener::TcpListener::bind(args.bind.clone())
        .into_acceptor()
        .await?;
    poem::Server::new_with_acceptor(Deadlines::new(acceptor, header, idle))
        .run_with_graceful_shutdown(app::build(state), shutdown_signal(), Some(grace))
        .await?;
    pruning.abort();
    tracing::info!("stopped");
    Ok(())
}

/// SIGTERM (what systemd, Kubernetes and container runtimes send) or SIGINT
/// (Ctrl-C): stop accepting connections, let requests in flight finish.
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops the server");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: draining requests in flight"),
        _ = terminate => tracing::info!("SIGTERM: draining requests in flight"),
    }
}
