//! What every handler shares.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::config::Settings;
use crate::metrics::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    pub fn new(db: DatabaseConnection, settings: Settings) -> Self {
        Self {
            db,
            settings: Arc::new(settings),
            metrics: Arc::new(Metrics::new()),
        }
    }
}
