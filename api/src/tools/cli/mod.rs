//! The command line: `serve` (default), `migrate`, `backup`, `demo-data`, `keys`, `sync`,
//! `population`, `outcomes`, `audit`, `openapi`.

mod commands;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use self::commands::{
    AuditCommand, DemoArgs, KeysCommand, OutcomesCommand, PopulationCommand, SyncCommand,
};
use self::serve::{serve, ServeArgs};
use super::population;
use super::{audit, demo_data, outcomes, outcomes_fetch, population_fetch, sync_client, telemetry};
use crate::app;
use crate::config::Settings;
use crate::store::db::{self, DEFAULT_DATABASE_URL};
use crate::store::keys;
use crate::vocab::MunicipalityCode;

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
    Serve(Box<ServeArgs>),
    /// Apply database migrations and exit.
    Migrate,
    /// Copy the SQLite database into a new file, online (the server may keep
    /// running). PostgreSQL: use pg_dump instead (see the README).
    Backup {
        /// The backup file to create; an existing file is never overwritten.
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Fill the database with deterministic synthetic sessions.
    DemoData(DemoArgs),
    /// Create, list or revoke API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// The nightly client: push a municipality's export, pull the change feed.
    #[command(subcommand)]
    Sync(SyncCommand),
    /// Load population figures into the municipalities' series.
    #[command(subcommand)]
    Population(PopulationCommand),
    /// Load outcome statistics (Kolada) for the decision's long-term effects.
    #[command(subcommand)]
    Outcomes(OutcomesCommand),
    /// Keep the audit trail within its retention.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write the OpenAPI document (openapi.json, openapi.yaml) into a folder.
    Openapi {
        #[arg(long, default_value = "openapi")]
        out_dir: std::path::PathBuf,
    },
}

/// Runs the command line; `before_serving` is called once the command is
/// known to be the server's, before it starts.
pub fn main(before_serving: fn()) -> ExitCode {
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
    match runtime.block_on(run(cli, before_serving)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type CliResult = Result<(), Box<dyn std::error::Error>>;

async fn run(cli: Cli, before_serving: fn()) -> CliResult {
    match cli.command.unwrap_or(Command::Serve(Box::new(cli.serve))) {
        Command::Serve(args) => {
            before_serving();
            serve(&cli.database_url, *args).await
        }
        Command::Migrate => {
            let db = db::connect(&cli.database_url).await?;
            db::migrate(&db).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Backup { out } => backup(&cli.database_url, &out).await,
        Command::DemoData(args) => {
            let db = db::connect(&cli.database_url).await?;
            db::migrate(&db).await?;
            let summary =
                demo_data::generate(&db, args.sessions, args.seed, args.replace, args.scope)
                    .await
                    .map_err(|e| e.detail)?;
            println!(
                "generated {} synthetic sessions (seed {}) in {:.1} s",
                summary.sessions, args.seed, summary.seconds
            );
            Ok(())
        }
        Command::Keys(cmd) => keys(&cli.database_url, cmd).await,
        Command::Sync(cmd) => sync(cmd).await,
        Command::Population(PopulationCommand::Import {
            file,
            children,
            dry_run,
        }) => {
            let db = db::connect(&cli.database_url).await?;
            db::migrate(&db).await?;
            let summary = population::import_file(&db, &file, children, dry_run).await?;
            println!("{}", population::report(&summary));
            Ok(())
        }
        Command::Population(PopulationCommand::Fetch {
            years,
            children,
            dry_run,
            base_url,
            table,
            max_cells,
            retries,
        }) => {
            let db = db::connect(&cli.database_url).await?;
            db::migrate(&db).await?;
            let opts = population_fetch::FetchOptions {
                years,
                band: children,
                dry_run,
                table,
                max_cells,
                retries,
                ..population_fetch::FetchOptions::new(base_url)
            };
            let fetched = population_fetch::fetch(&db, &opts).await?;
            println!("{}", population_fetch::report(&fetched, &opts));
            Ok(())
        }
        Command::Outcomes(OutcomesCommand::Import { file, dry_run }) => {
            let db = db::connect(&cli.database_url).await?;
            db::migrate(&db).await?;
            let summary = outcomes::import_file(&db, &file, dry_run).await?;
            println!("{}", outcomes::report(&summary));
            Ok(())
        }
        Command::Outcomes(OutcomesCommand::Fetch {
            kpi,
            years,
            base_url,
            from_date,
            dry_run,
            retries,
        }) => {
            let kpi = outcomes_fetch::parse_kpis(&kpi).map_err(|e| format!("--kpi: {e}"))?;
            let years = outcomes_fetch::parse_years(&years).map_err(|e| format!("--years: {e}"))?;
            let db = db::connect(&cli.database_url).await?;
            db::migrate(&db).await?;
            let opts = outcomes_fetch::FetchOptions {
                from_date,
                dry_run,
                retries,
                ..outcomes_fetch::FetchOptions::new(base_url, kpi, years)
            };
            let fetched = outcomes_fetch::fetch(&db, &opts).await?;
            println!("{}", outcomes_fetch::report(&fetched, &opts));
            Ok(())
        }
        Command::Audit(AuditCommand::Prune {
            audit_retention_days,
        }) => {
            let db = db::connect(&cli.database_url).await?;
            db::migrate(&db).await?;
            let n = audit::prune(&db, audit_retention_days)
                .await
                .map_err(|e| e.detail)?;
            println!("deleted {n} audit record(s) older than {audit_retention_days} days");
            Ok(())
        }
        Command::Openapi { out_dir } => {
            let doc = app::document(&Settings::default());
            std::fs::create_dir_all(&out_dir)?;
            std::fs::write(out_dir.join("openapi.json"), doc.json)?;
            std::fs::write(out_dir.join("openapi.yaml"), doc.yaml)?;
            println!("wrote {}/openapi.json and openapi.yaml", out_dir.display());
            Ok(())
        }
    }
}

async fn backup(database_url: &str, out: &std::path::Path) -> CliResult {
    // Connecting with `mode=rwc` would create an empty database where none
    // is, and back that up: a typo in the URL must be an error instead.
    if let Some(path) = db::sqlite_path(database_url) {
        if !path.exists() {
            return Err(format!("no database at {}", path.display()).into());
        }
    }
    let db = db::connect(database_url).await?;
    let started = std::time::Instant::now();
    db::backup(&db, out).await?;
    let bytes = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    println!(
        "backed up to {} ({bytes} bytes) in {:.1} s",
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn keys(database_url: &str, cmd: KeysCommand) -> CliResult {
    let db = db::connect(database_url).await?;
    db::migrate(&db).await?;
    match cmd {
        KeysCommand::Create {
            municipality,
            admin: _,
            label,
        } => {
            let code = municipality
                .as_deref()
                .map(MunicipalityCode::parse)
                .transpose()?;
            let (key, secret) = keys::create_key(&db, code.as_ref(), label)
                .await
                .map_err(|e| e.detail)?;
            let whom = key
                .municipality_code
                .as_deref()
                .map_or("admin".to_owned(), |c| format!("municipality {c}"));
            eprintln!(
                "Created key {} for {whom}. It is shown only this once; store it now:",
                key.id
            );
            println!("{secret}");
        }
        KeysCommand::List => {
            let all = keys::list_keys(&db).await.map_err(|e| e.detail)?;
            print!("{}", audit::keys_table(&all));
        }
        KeysCommand::Revoke { id } => {
            keys::revoke_key(&db, id).await.map_err(|e| e.detail)?;
            println!("revoked {id}");
        }
    }
    Ok(())
}

async fn sync(cmd: SyncCommand) -> CliResult {
    match cmd {
        SyncCommand::Push {
            url,
            key,
            municipality,
            file,
            mode,
            allow_mass_delete,
            batch_size,
        } => {
            MunicipalityCode::parse(&municipality)?;
            let opts = sync_client::PushOptions {
                url,
                key,
                municipality,
                file,
                replace: mode == "replace",
                allow_mass_delete,
                batch_size,
            };
            let c = sync_client::push(&opts).await?;
            println!(
                "created {}, updated {}, unchanged {}, deleted {}",
                c.created, c.updated, c.unchanged, c.deleted
            );
        }
        SyncCommand::Pull {
            url,
            state,
            out,
            limit,
        } => {
            let opts = sync_client::PullOptions {
                url,
                state,
                out,
                limit: limit.clamp(1, 1000),
            };
            let n = sync_client::pull(&opts).await?;
            println!(
                "{n} change(s) appended to {}; cursor saved in {}",
                opts.out.display(),
                opts.state.display()
            );
        }
    }
    Ok(())
}
