//! Connecting to SQLite or PostgreSQL and bringing the schema up to date.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The schema's migrations, for tools and tests that step through them.
pub use migration::{Migrator, MigratorTrait};

use sea_orm::sqlx::pool::PoolOptions;
use sea_orm::sqlx::postgres::PgConnectOptions;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::sqlx::{self, ConnectOptions, Connection};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, RuntimeErr, SqlxPostgresConnector,
    SqlxSqliteConnector, Statement, TransactionTrait,
};

/// The embedded default: a SQLite file under `data/` in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/foraldraskapsstod.db?mode=rwc";

/// How much of a SQLite file is read through a memory map: more than the
/// national demo data set (470 MB for 1M sessions) with room to grow.
const SQLITE_MMAP_BYTES: u64 = 4 << 30;

/// Rows the SQLite worker thread may send ahead of the task reading them:
/// a whole page (at most 1,000 + 1 rows) without the worker stopping for the
/// reader. sqlx's default of 50 stopped it twice per 100-row page, which cost
/// throughput on the mixed read set (tests/bench/LOG.md, "Settings in the code").
const SQLITE_ROW_BUFFER: usize = 1024;

/// A connection pool for tools, which leave checkpointing the SQLite log to
/// SQLite, in the commit that fills it.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, true, None).await
}

/// A connection pool for the server, whose commits never checkpoint the
/// SQLite log: [`super::checkpoint`] does, beside the requests. At most
/// `connections` at once, or [`default_connections`].
pub async fn connect_server(
    url: &str,
    connections: Option<u32>,
) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, false, connections).await
}

/// [`connect_server`], waiting up to `wait` for a database that does not
/// answer yet (a container started beside it, a PostgreSQL restarting): the
/// attempts back off from a quarter of a second to 5 s, each logged, so a
/// server started first does not exit, nor hammer the database.
pub async fn connect_server_waiting(
    url: &str,
    connections: Option<u32>,
    wait: Duration,
) -> Result<DatabaseConnection, DbErr> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(250);
    loop {
        match connect_server(url, connections).await {
            Ok(db) => return Ok(db),
            Err(e) if crate::error::database_away(&e) && start.elapsed() + pause <= wait => {
                tracing::warn!(
                    error = %e,
                    retry_in_ms = pause.as_millis() as u64,
                    "the database does not answer yet; waiting (DATABASE_WAIT_SECONDS)"
                );
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            Err(e) => return Err(e),
        }
    }
}

/// The pool's size unless told otherwise.
///
/// SQLite: each connection is a thread of its own, with its own page cache
/// and statements; on the mixed read set 4 served as much as 8 with less
/// memory, and 2 no more.
///
/// PostgreSQL: twice the cores, from 4 to 16. Connections beyond what
/// PostgreSQL has cores to run only queue inside it, and sqlx hands out the
/// longest idle connection first, so each of them prepares every statement
/// anew: on 2 cores 4 connections beat 16, 8 and 6 on throughput and p99.
/// (The runs: tests/bench/LOG.md, "Settings in the code".) At most 16, the
/// size before: on a large host, a few instances on one database stay within
/// PostgreSQL's default of 100 connections.
pub fn default_connections(backend: DbBackend) -> u32 {
    match backend {
        DbBackend::Sqlite => 4,
        _ => {
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
            (2 * cores).clamp(4, 16)
        }
    }
}

async fn connect_with(
    url: &str,
    checkpoint_on_commit: bool,
    connections: Option<u32>,
) -> Result<DatabaseConnection, DbErr> {
    if let Some(path) = sqlite_file_path(url) {
        if let Some(dir) = std::path::Path::new(&path).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", dir.display())))?;
            }
        }
    }
    if url.starts_with("sqlite:") {
        // WAL lets readers run beside the one writer; the busy timeout makes a
        // second writer wait for the first instead of failing at once.
        // Reads through a memory map instead of read(2) into each
        // connection's page cache: on the mixed read set of 1M sessions,
        // 2,277 vs 1,324 req/s. The mapped pages are the OS page cache,
        // shared and reclaimable, not the server's own memory (they show as
        // RssFile, once per connection, beside RssAnon). Writes still go
        // through the WAL.
        let options = SqliteConnectOptions::from_str(url)
            .map_err(connection_error)?
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(30))
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .pragma("mmap_size", SQLITE_MMAP_BYTES.to_string())
            .row_buffer_size(SQLITE_ROW_BUFFER)
            // SQLite's default: at 1,000 pages of log, or never.
            .pragma(
                "wal_autocheckpoint",
                if checkpoint_on_commit { "1000" } else { "0" },
            )
            .disable_statement_logging();
        let size = connections.unwrap_or(default_connections(DbBackend::Sqlite));
        let pool = pool_options(size)
            .connect_with(options)
            .await
            .map_err(connection_error)?;
        Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
    } else {
        // Every statement is the server's own, with its values bound: one plan
        // per statement serves every value. PostgreSQL's default plans the
        // first five executions on each connection for their values, a
        // third of a cold page's time inside PostgreSQL (from its log);
        // generic plans made mixed reads faster and the cold page cheaper
        // (tests/bench/LOG.md, "Settings in the code").
        let options = PgConnectOptions::from_str(url)
            .map_err(connection_error)?
            .options([("plan_cache_mode", "force_generic_plan")])
            .disable_statement_logging();
        let size = connections.unwrap_or(default_connections(DbBackend::Postgres));
        let pool = pool_options(size)
            .connect_with(options)
            .await
            .map_err(connection_error)?;
        Ok(SqlxPostgresConnector::from_sqlx_postgres_pool(pool))
    }
}

/// A connection idle this long is checked before it is handed out; one in
/// use within it is not (see [`pool_options`]).
const CHECK_AFTER_IDLE: Duration = Duration::from_secs(1);

/// sqlx checks every connection before handing it out: a round trip to
/// PostgreSQL (and a hand-off to SQLite's worker thread) before every query,
/// a second one for each query: on the mixed read set PostgreSQL served a
/// fifth less with the check (tests/bench/LOG.md, "Settings in the code").
/// What the check is for, a connection the server closed (PostgreSQL
/// restarted, or an idle timeout on the way), is found in time on one that
/// has been idle; one in steady use fails its next query once instead, and is
/// replaced.
///
/// Once a statement has found its connection dead, every connection is
/// checked for a while ([`suspect_connections`]): the others opened before
/// the same restart are dead too, and a read asked again must not meet one.
fn pool_options<DB: sqlx::Database>(max_connections: u32) -> PoolOptions<DB> {
    PoolOptions::new()
        .max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .test_before_acquire(false)
        .before_acquire(|connection: &mut DB::Connection, meta| {
            Box::pin(async move {
                if meta.idle_for >= CHECK_AFTER_IDLE || checking_all() {
                    connection.ping().await?;
                }
                Ok(true)
            })
        })
}

/// How long a request waits for a connection, a new one included. sqlx
/// keeps trying to connect to a server that refuses (one restarting) until
/// then: at 30 s, every read during a 10 s PostgreSQL restart waited for the
/// restart, cached ones too, and no answer said "retry". A request that has
/// waited this long on a healthy database is queued behind an overloaded
/// pool, where a 503 with `Retry-After` is the honest answer as well.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long every connection is checked after one was found dead: long
/// enough for a read asked again at once, and for the requests meanwhile.
pub const CHECK_ALL_FOR: Duration = Duration::from_secs(2);

/// Until when (milliseconds since [`epoch`]) every connection is checked.
static CHECK_ALL_UNTIL: AtomicU64 = AtomicU64::new(0);

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Milliseconds since the process's first use of this clock: deadlines in
/// an atomic (here and in `store::breaker`).
pub(crate) fn now_ms() -> u64 {
    epoch().elapsed().as_millis() as u64
}

fn checking_all() -> bool {
    now_ms() < CHECK_ALL_UNTIL.load(Ordering::Relaxed)
}

/// Runs `attempt`, and once more if it found the database away (`lost`):
/// a restart leaves each pooled connection dead for one statement, so the
/// second attempt, after every connection is marked suspect, meets a fresh
/// one. Only a second failure says the database itself is away — and so
/// does a second attempt that gets no answer within [`AGAIN_WITHIN`]
/// (`timed_out` makes its error): a fresh connection to a live database
/// takes milliseconds, and waiting a whole acquire timeout again would be
/// waiting for the outage to end. (Seen in a 10 s PostgreSQL stop: the
/// first attempt's 5 s and a second 5 s covered the outage, every read hung
/// through it, and none was answered from the pause.)
pub async fn once_more_if_lost<T, E, Fut>(
    attempt: impl Fn() -> Fut,
    lost: impl Fn(&E) -> bool,
    timed_out: impl FnOnce() -> E,
) -> Result<T, E>
where
    Fut: std::future::Future<Output = Result<T, E>>,
{
    match attempt().await {
        Err(e) if lost(&e) => {
            suspect_connections();
            tokio::time::timeout(AGAIN_WITHIN, attempt())
                .await
                .unwrap_or_else(|_| Err(timed_out()))
        }
        done => done,
    }
}

/// How long the second attempt of [`once_more_if_lost`] may take.
pub const AGAIN_WITHIN: Duration = Duration::from_secs(1);

/// A statement found the database away: check every connection before use
/// for the next few seconds, so the dead ones are replaced, not handed out.
pub fn suspect_connections() {
    let until = now_ms() + CHECK_ALL_FOR.as_millis() as u64;
    CHECK_ALL_UNTIL.fetch_max(until, Ordering::Relaxed);
}

fn connection_error(e: sqlx::Error) -> DbErr {
    DbErr::Conn(RuntimeErr::SqlxError(e))
}

/// Applies every migration not yet applied.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    migrate_by(db, Steps::Up(None)).await
}

/// Which way to migrate, and how many migrations (`None`: all).
#[derive(Debug, Clone, Copy)]
pub enum Steps {
    Up(Option<u32>),
    Down(u32),
}

/// Migrates in one transaction, so on one connection. SQLite checks a new
/// table's or index's name against the schema its connection last read,
/// when the statement is prepared: statements handed to whichever pool
/// connection was free failed now and then ("index ... already exists") on
/// one that had read the schema before an earlier statement dropped that
/// name. On one connection each statement sees the one before. (On
/// PostgreSQL sea-orm-migration already runs them in one transaction; this
/// one is then its outer transaction.)
pub async fn migrate_by(db: &DatabaseConnection, steps: Steps) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    match steps {
        Steps::Up(n) => Migrator::up(&txn, n).await?,
        Steps::Down(n) => Migrator::down(&txn, Some(n)).await?,
    }
    txn.commit().await
}

pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.ping().await
}

/// Writes a consistent copy of a SQLite database to `out`, while the server
/// keeps serving: `VACUUM INTO` reads one snapshot (WAL lets the writer go on
/// beside it) and writes a compact, self-contained database file, with
/// nothing of the WAL left to replay. The copy is a database like any other:
/// restore it by pointing `DATABASE_URL` at it.
///
/// Never overwrites: a backup that silently replaced yesterday's would be
/// worse than none. Refuses PostgreSQL, whose own tools (`pg_dump`) do this
/// job properly. Does not migrate: a backup taken before an upgrade must be
/// of the schema as it was.
pub async fn backup(db: &DatabaseConnection, out: &std::path::Path) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Err(DbErr::Custom(
            "backup copies SQLite databases; for PostgreSQL use pg_dump \
             (pg_dump -Fc -f FILE DATABASE_URL; see \"Backups and restores\" in the README)"
                .into(),
        ));
    }
    if out.exists() {
        return Err(DbErr::Custom(format!(
            "{} already exists; a backup never overwrites a file (choose a new name)",
            out.display()
        )));
    }
    let target = out
        .to_str()
        .ok_or_else(|| DbErr::Custom(format!("{} is not a UTF-8 path", out.display())))?;
    // SQLite itself also refuses an existing non-empty target: a file that
    // appears between the check above and this statement is not overwritten.
    db.execute(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "VACUUM INTO ?",
        [target.into()],
    ))
    .await?;
    // VACUUM INTO does not sync the new file; a backup that a power cut can
    // lose after "done" is not one.
    std::fs::File::open(out)
        .and_then(|f| f.sync_all())
        .map_err(|e| DbErr::Custom(format!("cannot sync {}: {e}", out.display())))?;
    Ok(())
}

/// The SQLite file a `sqlite:` URL names, if any (not `:memory:`).
pub fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    sqlite_file_path(url).map(std::path::PathBuf::from)
}

fn sqlite_file_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.contains(":memory:")).then(|| path.to_owned())
}
