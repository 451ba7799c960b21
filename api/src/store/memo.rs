//! A value derived from the database, computed once per data version and
//! shared by every request until the next write.
//!
//! Data changes once a night and is read all day: what a read derives from a
//! whole table (the reach rollup, say) is worth keeping in memory, as long as
//! no request is ever answered from before a write it must see. So each
//! request asks for the value as of the version it reads fresh
//! ([`VersionReads`]); a kept value of that version or a later one serves it,
//! an older one is replaced. One load runs at a time: requests arriving
//! during a load wait for it instead of each loading the same thing.

use std::future::Future;
use std::sync::Arc;

use prometheus::IntCounter;
use sea_orm::DatabaseConnection;
use tokio::sync::Mutex;

use super::feed::data_version;
use super::version::VersionReads;
use crate::error::{ApiError, Step};

/// What is kept per data version: how it is derived from the database.
/// `AppState` holds one `PerVersion` of each (the reference data, the reach
/// and offer tables), and every read asks it for the `current` value.
pub trait Derived: Sized + Send + Sync + 'static {
    /// The step a failed load is logged with.
    const STEP: &'static str;
    fn load(db: &DatabaseConnection) -> impl Future<Output = Result<Self, ApiError>> + Send;
}

pub struct PerVersion<T> {
    versions: Arc<VersionReads>,
    kept: Mutex<Option<(i64, Arc<T>)>>,
    /// Counts each load (`/metrics`).
    loads: IntCounter,
}

impl<T> PerVersion<T> {
    pub fn new(versions: Arc<VersionReads>, loads: IntCounter) -> Self {
        Self {
            versions,
            kept: Mutex::new(None),
            loads,
        }
    }

    /// The value as of the current data version, loading it if what is kept
    /// is older. A value loaded after the version was read may be newer than
    /// its tag, never older: the next request that reads a later version
    /// simply loads again.
    ///
    /// Takes the connection, never a transaction: the version read here is
    /// shared with other requests, and a transaction's own uncommitted
    /// version must not reach them.
    pub async fn current(&self, db: &DatabaseConnection) -> Result<Arc<T>, ApiError>
    where
        T: Derived,
    {
        let version = self
            .versions
            .current(|| data_version(db))
            .await
            .step("read the data version")?;
        let mut kept = self.kept.lock().await;
        if let Some((v, value)) = kept.as_ref() {
            // The version only grows: one kept from a later read is fresher still.
            if *v >= version {
                return Ok(value.clone());
            }
        }
        // No request will be answered from the older value again: let it go
        // before loading, not after, so the two are not held at once.
        *kept = None;
        let value = Arc::new(T::load(db).await.step(T::STEP)?);
        self.loads.inc();
        *kept = Some((version, value.clone()));
        Ok(value)
    }
}
