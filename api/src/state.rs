//! What every handler shares.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::config::Settings;
use crate::http::metrics::Metrics;
use crate::http::rate_limit::Limiters;
use crate::http::response_cache::ResponseCache;
use crate::store::catalogue::CatalogueCache;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub metrics: Arc<Metrics>,
    pub limiters: Arc<Limiters>,
    pub catalogues: Arc<CatalogueCache>,
    pub responses: Arc<ResponseCache>,
}

impl AppState {
    pub fn new(db: DatabaseConnection, settings: Settings) -> Self {
        let limiters = Limiters::new(
            settings.read_rate_per_minute,
            settings.write_rate_per_minute,
            settings.trust_forwarded_for,
        );
        Self {
            db,
            settings: Arc::new(settings),
            metrics: Arc::new(Metrics::new()),
            limiters,
            catalogues: Arc::default(),
            responses: Arc::default(),
        }
    }
}
