//! Keeping the audit trail to its retention, and what operators see of keys.

use std::time::Duration;

use chrono::Utc;
use entity::api_key;
use sea_orm::DatabaseConnection;

use crate::error::ApiError;
use crate::store::audit;

/// How often `serve` prunes: the retention is counted in days, so an hour
/// keeps the trail within an hour of it at the cost of one small DELETE.
pub const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Deletes the records older than `retention_days` (0 keeps everything).
pub async fn prune(db: &DatabaseConnection, retention_days: u32) -> Result<u64, ApiError> {
    audit::prune_expired(db, retention_days, Utc::now()).await
}

/// The pruning job `serve` starts: once now, then every [`PRUNE_EVERY`]. A
/// failed round is logged and the next one tried; it never stops the server.
pub fn spawn_pruning(db: DatabaseConnection, retention_days: u32) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(PRUNE_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            match prune(&db, retention_days).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, retention_days, "pruned the audit trail"),
                Err(e) => tracing::warn!(error = %e, "pruning the audit trail failed"),
            }
        }
    })
}

/// `keys list`: one line per key, never its secret, with its last use.
pub fn keys_table(keys: &[api_key::Model]) -> String {
    let time = |t: Option<chrono::DateTime<Utc>>| {
        t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_else(|| "-".into())
    };
    let mut out = format!(
        "{:<36}  {:<12}  {:<12}  {:<8}  {:<20}  {:<20}  label\n",
        "id", "role", "municipality", "prefix", "last used", "revoked"
    );
    for k in keys {
        out.push_str(&format!(
            "{:<36}  {:<12}  {:<12}  {:<8}  {:<20}  {:<20}  {}\n",
            k.id,
            k.role,
            k.municipality_code.as_deref().unwrap_or_default(),
            k.prefix,
            time(k.last_used_at),
            time(k.revoked_at),
            k.label.as_deref().unwrap_or_default()
        ));
    }
    out
}
