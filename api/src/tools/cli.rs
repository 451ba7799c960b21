//! The command line: `serve` (default), `migrate`, `backup`, `demo-data`, `keys`, `sync`,
//! `population`, `outcomes`, `audit`, `openapi`.

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use super::population::{self, AgeBand};
use super::{audit, demo_data, outcomes, outcomes_fetch, population_fetch, sync_client, telemetry};
use crate::config::{Publisher, Settings};
use crate::http::deadlines::Deadlines;
use crate::resources::municipalities;
use crate::store::checkpoint;
use crate::store::db::{self, DEFAULT_DATABASE_URL};
use crate::store::keys;
use crate::vocab::MunicipalityCode;
use crate::{app, AppState};
use poem::listener::Listener as _;

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

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Create a key and print it once; only its hash is stored.
    Create {
        /// The municipality (4-digit SCB code) the key may write.
        #[arg(long, conflicts_with = "admin", required_unless_present = "admin")]
        municipality: Option<String>,
        /// An admin key: programmes and every municipality.
        #[arg(long)]
        admin: bool,
        /// A note to tell keys apart, e.g. the system that uses it.
        #[arg(long)]
        label: Option<String>,
    },
    /// List keys (never their secrets).
    List,
    /// Revoke a key by its id.
    Revoke { id: uuid::Uuid },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Delete the records older than the retention now (`serve` also does it hourly).
    Prune {
        /// Keep this many days of records (0 keeps everything).
        #[arg(long, env = "AUDIT_RETENTION_DAYS", default_value_t = Settings::default().audit_retention_days)]
        audit_retention_days: u32,
    },
}

#[derive(Debug, Subcommand)]
enum SyncCommand {
    /// Validate a municipality's export (CSV or JSON) and send it.
    Push {
        /// The API's base URL, e.g. https://api.example.org
        #[arg(long)]
        url: String,
        /// The municipality's API key.
        #[arg(long, env = "SYNC_API_KEY")]
        key: String,
        /// The municipality (4-digit SCB code).
        #[arg(long)]
        municipality: String,
        /// The export: CSV with the documented columns, or JSON.
        #[arg(long)]
        file: std::path::PathBuf,
        /// `replace` makes the municipality's sessions equal to the file (deletes absent ones).
        #[arg(long, default_value = "upsert", value_parser = ["upsert", "replace"])]
        mode: String,
        /// Let a replace delete more than half of the sessions.
        #[arg(long)]
        allow_mass_delete: bool,
        /// Sessions per request in upsert mode.
        #[arg(long, default_value_t = 5000)]
        batch_size: usize,
    },
    /// Follow the change feed from the saved cursor and append changes as NDJSON.
    Pull {
        #[arg(long)]
        url: String,
        /// Where the cursor is kept between runs (created on the first run).
        #[arg(long)]
        state: std::path::PathBuf,
        /// NDJSON file the changes are appended to.
        #[arg(long)]
        out: std::path::PathBuf,
        /// Changes per request.
        #[arg(long, default_value_t = 1000)]
        limit: u64,
    },
}

#[derive(Debug, Subcommand)]
enum PopulationCommand {
    /// Write every (municipality, year) of a file in one transaction, all or
    /// nothing; each replaces that year's stored row. Prints what changed.
    Import {
        /// SCB's table export (PxWeb CSV, long or wide, or PxWebApi 2.0
        /// JSON-stat2 of BE0101A/BefolkningNy), or a CSV with a header naming
        /// code, year, population_total (or total) and source; optionally name
        /// and a children column (children, or children_0_15 naming its band).
        file: std::path::PathBuf,
        /// The children's age band: the band of a CSV's `children` column, or
        /// the single ages an SCB export sums into children (default 0-17).
        #[arg(long, value_name = "FROM-TO")]
        children: Option<AgeBand>,
        /// Check the file and show what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Download the population of every municipality by age and year from
    /// SCB's PxWebApi 2.0 (table TAB638, BE0101A/BefolkningNy) and write it
    /// in one transaction, all or nothing, as `import` does. Keeps to the
    /// server's limits (cells per request, calls per time window) and tries
    /// again after a 429 or a server error.
    Fetch {
        /// Years: 2024, 2019-2024 or 2019,2022-2024; `latest` is the last
        /// year the table has.
        #[arg(long, value_name = "YEARS", default_value = "latest")]
        years: population_fetch::Years,
        /// The children's age band: the single ages summed into children.
        #[arg(long, value_name = "FROM-TO", default_value = "0-17")]
        children: AgeBand,
        /// Download and check everything, show what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// PxWebApi 2.0's root: SCB's, or a mirror's.
        #[arg(long, env = "SCB_BASE_URL", default_value = population_fetch::SCB_BASE_URL)]
        base_url: String,
        /// The table: SCB's id of BE0101A/BefolkningNy.
        #[arg(long, default_value = population_fetch::DEFAULT_TABLE)]
        table: String,
        /// Cells one request selects at most (the server's own limit wins
        /// when it is lower).
        #[arg(long, default_value_t = population_fetch::DEFAULT_MAX_CELLS, value_parser = clap::value_parser!(u64).range(1..))]
        max_cells: u64,
        /// How many times to try a call again after a 429, a server error or
        /// a dropped connection.
        #[arg(long, default_value_t = 3)]
        retries: u32,
    },
}

#[derive(Debug, Subcommand)]
enum OutcomesCommand {
    /// Write every value of a file in one transaction, all or nothing: a
    /// Kolada API answer (v3 or v2 JSON; one page or an array of pages) or a
    /// CSV with a header naming kpi, municipality (a Kolada area id), year,
    /// gender (T/K/M), value (empty: none), source, and optionally status,
    /// count, retrieved_at. Every bad line or JSON path is named.
    Import {
        file: std::path::PathBuf,
        /// Check the file and show what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Download KPIs from Kolada's API for all 290 municipalities, the
    /// counties and the country, and write them in one transaction, as
    /// `import` does. At most 25 ids per path segment; follows every page;
    /// tries again after a 429 or a server error.
    Fetch {
        /// KPI ids, comma-separated, e.g. N15428,N15507 (README: which serve which effect).
        #[arg(long, value_name = "ID[,ID…]")]
        kpi: String,
        /// Years: 2019-2023, or one year.
        #[arg(long, value_name = "A-B")]
        years: String,
        /// Kolada's API root.
        #[arg(long, env = "KOLADA_BASE_URL", default_value = outcomes_fetch::KOLADA_BASE_URL)]
        base_url: String,
        /// Only what changed since this day (YYYY-MM-DD), deletions included;
        /// without it, a stored value Kolada no longer gives is removed.
        #[arg(long, value_name = "YYYY-MM-DD")]
        from_date: Option<chrono::NaiveDate>,
        /// Download and check everything, show what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// How many times to try a call again after a 429, a server error or
        /// a dropped connection.
        #[arg(long, default_value_t = 3)]
        retries: u32,
    },
}

#[derive(Debug, Clone, Args)]
struct ServeArgs {
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
    /// `county`: the home county's municipalities (`in_collaboration`), by their children;
    /// `national`: all 290, by their population.
    #[arg(long, value_enum, default_value_t = demo_data::Scope::County)]
    scope: demo_data::Scope,
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

async fn serve(database_url: &str, args: ServeArgs) -> CliResult {
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
