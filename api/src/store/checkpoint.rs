//! SQLite's WAL checkpoints, moved off the request path.
//!
//! SQLite copies its write-ahead log back into the database file inside the
//! COMMIT of whichever write takes the log past 1,000 pages, so that write
//! waits for the copy of its own frames: on the 1M national demo set, a batch
//! of 10,000 new sessions spent 0.46 of its 1.56 s in its commit. A server
//! turns that off on its own connections ([`super::db::connect_server`]) and
//! checkpoints here instead, soon after each write, beside the requests
//! rather than inside one.
//!
//! PASSIVE, as SQLite's own: it never waits for a reader nor blocks a writer,
//! so a long export cannot hold up a nightly sync (RESTART and TRUNCATE wait
//! for readers while holding the write lock). Readers that start after it read
//! the database file; the next write starts the log over from its beginning.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sea_orm::{ConnectionTrait, DatabaseConnection};
use tokio::task::JoinHandle;

/// How often the log is looked at: a `stat`, and a checkpoint only when it
/// has been written to since the last one.
const LOOK_EVERY: Duration = Duration::from_millis(200);

/// The checkpointing task; stops when dropped.
pub struct Checkpoints(JoinHandle<()>);

impl Drop for Checkpoints {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Checkpoints the SQLite database at `database` through `db` whenever its
/// log has been written to; the first look also checkpoints what an earlier
/// process left in the log. `db` should be a connection of its own, not the
/// requests' pool: a checkpoint then never waits for one of their
/// connections, nor makes the pool open another. (Migrations no longer care
/// which connections the pool holds: `db::migrate_by` runs them on one.)
pub fn spawn(db: DatabaseConnection, database: &Path) -> Checkpoints {
    let wal = wal_path(database);
    Checkpoints(tokio::spawn(async move {
        let mut checkpointed = None;
        let mut every = tokio::time::interval(LOOK_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            // Taken before the checkpoint: a write committed during it moves
            // the stamp again, and the next look checkpoints that too.
            let stamp = stamp(&wal);
            if stamp.is_none() || stamp == checkpointed {
                continue;
            }
            match db
                .execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)")
                .await
            {
                Ok(_) => checkpointed = stamp,
                Err(e) => tracing::warn!(error = %e, "checkpointing the SQLite log failed"),
            }
        }
    }))
}

fn wal_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// The log's length and last write: a commit appends frames or, after a
/// complete checkpoint, rewrites the log from its start; a checkpoint only
/// reads it.
fn stamp(wal: &Path) -> Option<(u64, SystemTime)> {
    let meta = std::fs::metadata(wal).ok()?;
    Some((meta.len(), meta.modified().ok()?))
}
