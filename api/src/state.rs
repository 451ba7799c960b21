//! What every handler shares.

use std::sync::Arc;

use poem::Request;
use sea_orm::DatabaseConnection;

use crate::config::Settings;
use crate::error::ApiError;
use crate::http::metrics::Metrics;
use crate::http::paging::{self, PageRequest};
use crate::http::rate_limit::Limiters;
use crate::http::response_cache::ResponseCache;
use crate::http::workbook::{About, AboutLine};
use crate::store::breaker::Breaker;
use crate::store::memo::PerVersion;
use crate::store::reference::ReferenceData;
use crate::store::rollup::offers::OfferTable;
use crate::store::rollup::table::ReachTable;
use crate::store::rollup::Rollups;
use crate::store::version::VersionReads;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub metrics: Arc<Metrics>,
    pub limiters: Arc<Limiters>,
    /// What reads derive per data version (`store::memo`), loaded ahead
    /// by `app::prepare_ahead`.
    pub reference: Arc<PerVersion<ReferenceData>>,
    pub reach: Arc<PerVersion<ReachTable>>,
    pub offers: Arc<PerVersion<OfferTable>>,
    pub responses: Arc<ResponseCache>,
    pub versions: Arc<VersionReads>,
    /// Whether to leave the database alone for a moment (it was away).
    pub breaker: Arc<Breaker>,
}

impl AppState {
    /// Where a list page is asked for, with the configured public base URL.
    pub fn page_request<'a>(
        &'a self,
        req: &'a Request,
        canonical: String,
        limit: Option<u64>,
        cursor: Option<&'a str>,
    ) -> PageRequest<'a> {
        let base_url = self.settings.public_base_url.as_deref();
        PageRequest::new(req, base_url, canonical, limit, cursor)
    }

    /// What a workbook says about itself: the URL that returns it (with the
    /// configured public base URL) and the resource's own lines.
    pub fn about(&self, req: &Request, lines: Vec<AboutLine>) -> About {
        let base = paging::public_base(req, self.settings.public_base_url.as_deref());
        let path = req.uri().path_and_query().map_or("", |p| p.as_str());
        About {
            url: format!("{base}{path}"),
            lines,
        }
    }

    /// The rollups as of the current data version.
    pub async fn rollups(&self) -> Result<Rollups, ApiError> {
        Ok(Rollups {
            reach: self.reach.current(&self.db).await?,
            offers: self.offers.current(&self.db).await?,
        })
    }

    pub fn new(db: DatabaseConnection, settings: Settings) -> Self {
        let limiters = Limiters::new(
            settings.read_rate_per_minute,
            settings.write_rate_per_minute,
            settings.trust_forwarded_for,
        );
        let versions = Arc::new(VersionReads::default());
        let metrics = Arc::new(Metrics::new());
        Self {
            db,
            responses: Arc::new(ResponseCache::new(settings.response_cache_bytes)),
            settings: Arc::new(settings),
            reference: per_version(&versions, &metrics, "catalogues"),
            reach: per_version(&versions, &metrics, "reach_table"),
            offers: per_version(&versions, &metrics, "offer_table"),
            breaker: Arc::new(Breaker::new(
                metrics.database_backoff("opened"),
                metrics.database_backoff("rested"),
            )),
            metrics,
            limiters,
            versions,
        }
    }
}

/// One of what is kept per data version, its loads counted under `table`.
fn per_version<T>(
    versions: &Arc<VersionReads>,
    metrics: &Metrics,
    table: &str,
) -> Arc<PerVersion<T>> {
    Arc::new(PerVersion::new(
        versions.clone(),
        metrics.per_version_loads(table),
    ))
}
