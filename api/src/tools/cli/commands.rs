//! The subcommands' arguments (`keys`, `sync`, `population`, `outcomes`,
//! `audit`, `demo-data`).

use clap::{Args, Subcommand};

use crate::config::Settings;
use crate::tools::population::AgeBand;
use crate::tools::{demo_data, outcomes_fetch, population_fetch};

#[derive(Debug, Subcommand)]
pub(super) enum KeysCommand {
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
pub(super) enum AuditCommand {
    /// Delete the records older than the retention now (`serve` also does it hourly).
    Prune {
        /// Keep this many days of records (0 keeps everything).
        #[arg(long, env = "AUDIT_RETENTION_DAYS", default_value_t = Settings::default().audit_retention_days)]
        audit_retention_days: u32,
    },
}

#[derive(Debug, Subcommand)]
pub(super) enum SyncCommand {
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
pub(super) enum PopulationCommand {
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
pub(super) enum OutcomesCommand {
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
pub(super) struct DemoArgs {
    /// Number of sessions to generate.
    #[arg(long, default_value_t = 5000)]
    pub(super) sessions: u64,
    /// Random seed: the same seed gives the same data.
    #[arg(long, default_value_t = 42)]
    pub(super) seed: u64,
    /// Delete every existing session first.
    #[arg(long)]
    pub(super) replace: bool,
    /// `county`: the home county's municipalities (`in_collaboration`), by their children;
    /// `national`: all 290, by their population.
    #[arg(long, value_enum, default_value_t = demo_data::Scope::County)]
    pub(super) scope: demo_data::Scope,
}
