//! The command line: `serve` (default), `migrate`, `demo-data`, `openapi`.

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::Settings;
use crate::db::{self, DEFAULT_DATABASE_URL};
use crate::{app, demo_data, openapi_doc, telemetry, AppState};

#[derive(Debug, Parser)]
#[command(
    name = "foraldraskapsstod",
    version,
    about = "Open-data API for parenting support in Swedish municipalities"
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    /// `sqlite://path?mode=rwc` (embedded, default) or `postgres://user@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    database_url: String,
    /// `json` for one JSON object per log line; anything else for human-readable logs.
    #[arg(long, env = "LOG_FORMAT", default_value = "text", global = true)]
    log_format: String,
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (the default): applies migrations, loads demo data into an empty database.
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Fill the database with deterministic synthetic sessions.
    DemoData(DemoArgs),
    /// Write the OpenAPI document (openapi.json, openapi.yaml) into a folder.
    Openapi {
        #[arg(long, default_value = "openapi")]
        out_dir: std::path::PathBuf,
    },
}

#[derive(Debug, Clone, Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// Do not load demo data into an empty database.
    #[arg(long)]
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
    /// Base URL for `next` links, e.g. `https://api.example.org` (default: from the request).
    #[arg(long, env = "PUBLIC_BASE_URL")]
    public_base_url: Option<String>,
}

#[derive(Debug, Clone, Args)]
struct DemoArgs {
    /// Number of sessions to generate.
    #[arg(long, default_value_t = 5000)]
    sessions: u64,
    /// Random seed: the same seed gives the same data.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Delete every existing session first.
    #[arg(long)]
    replace: bool,
}

impl ServeArgs {
    fn settings(&self) -> Settings {
        Settings {
            suppression_threshold: self.suppression_threshold.max(1),
            read_rate_per_minute: self.read_rate_per_minute,
            write_rate_per_minute: self.write_rate_per_minute,
            public_base_url: self.public_base_url.clone(),
            ..Settings::default()
        }
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.log_format.eq_ignore_ascii_case("json"));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type CliResult = Result<(), Box<dyn std::error::Error>>;

async fn run(cli: Cli) -> CliResult {
    match cli.command {
        None => serve(&cli.database_url, cli.serve).await,
        Some(Command::Serve(args)) => serve(&cli.database_url, args).await,
        Some(Command::Migrate) => {
            let db = db::connect(&cli.database_url).await?;
            db::migrate(&db).await?;
            println!("migrations applied");
            Ok(())
        }
        Some(Command::DemoData(args)) => {
            let db = db::connect(&cli.database_url).await?;
            db::migrate(&db).await?;
            let summary = demo_data::generate(&db, args.sessions, args.seed, args.replace)
                .await
                .map_err(|e| e.detail)?;
            println!(
                "generated {} synthetic sessions (seed {}) in {:.1} s",
                summary.sessions, args.seed, summary.seconds
            );
            Ok(())
        }
        Some(Command::Openapi { out_dir }) => {
            let doc = openapi_doc::document();
            std::fs::create_dir_all(&out_dir)?;
            std::fs::write(out_dir.join("openapi.json"), doc.json)?;
            std::fs::write(out_dir.join("openapi.yaml"), doc.yaml)?;
            println!("wrote {}/openapi.json and openapi.yaml", out_dir.display());
            Ok(())
        }
    }
}

async fn serve(database_url: &str, args: ServeArgs) -> CliResult {
    let db = db::connect(database_url).await?;
    db::migrate(&db).await?;
    if !args.no_demo {
        use sea_orm::{EntityTrait, PaginatorTrait};
        if entity::session::Entity::find().count(&db).await? == 0 {
            let s = demo_data::generate(&db, args.demo_sessions, 42, false)
                .await
                .map_err(|e| e.detail)?;
            tracing::info!(sessions = s.sessions, seconds = s.seconds, "empty database: loaded SYNTHETIC demo data (see /v1/api-info); --no-demo skips this");
        }
    }
    let state = AppState::new(db, args.settings());
    tracing::info!(bind = %args.bind, "listening; docs at http://{}/docs", args.bind);
    poem::Server::new(poem::listener::TcpListener::bind(args.bind.clone()))
        .run_with_graceful_shutdown(
            app::build(state),
            shutdown_signal(),
            Some(std::time::Duration::from_secs(10)),
        )
        .await?;
    Ok(())
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("shutting down");
}
