//! Server assembly: routes, middleware, and the served OpenAPI document.

use std::sync::{Arc, Weak};

use poem::endpoint::make_sync;
use poem::{get, Endpoint, EndpointExt, Route};
use poem_openapi::OpenApiService;
use sea_orm::DatabaseConnection;
use tokio::sync::watch;

use crate::config::Settings;
use crate::http::allow::allow_on_405;
use crate::http::conditional::{conditional, Freshness};
use crate::http::openapi::{self, Document, Served};
use crate::http::operations::Operations;
use crate::http::security;
use crate::http::{
    body_limit, compression, cors, observe, origin, problems, query_string, rate_limit, retry,
};
use crate::resources::{self, page, Apis};
use crate::state::AppState;
use crate::store::memo::PerVersion;
use crate::store::reference::ReferenceData;
use crate::store::rollup::offers::OfferTable;
use crate::store::rollup::table::ReachTable;

/// The API's operations as one poem-openapi service.
pub fn service(settings: &Settings) -> OpenApiService<Apis, ()> {
    openapi::service(resources::apis(), settings)
}

/// The finished OpenAPI document (what `/openapi.json` serves; `openapi/`
/// commits it under the default settings).
pub fn document(settings: &Settings) -> Document {
    openapi::document(&service(settings))
}

/// The server as one endpoint. Must be called within a Tokio runtime: it
/// starts [`prepare_ahead`] beside it.
pub fn build(state: AppState) -> impl Endpoint {
    let doc = Arc::new(document(&state.settings));
    let operations = Arc::new(Operations::from_spec(&doc.json));
    let allowed = operations.clone();
    let described = operations.clone();
    let base_url: Option<Arc<str>> = state.settings.public_base_url.as_deref().map(Arc::from);
    let publisher = state.settings.publisher.clone();
    let people: problems::PeoplePages =
        Arc::new(move |path, status, detail| page::people_error(path, status, detail, &publisher));
    let request_timeout = state.settings.request_timeout;
    let json = Served::new(doc.json.clone(), "application/json");
    let yaml = Served::new(doc.yaml.clone(), "application/yaml");
    let docs = doc.docs;
    let max_body = state.settings.max_body_bytes;
    let origin_rule = origin::OriginRule {
        fixed: state.settings.public_base_url.is_some(),
        trust_proxy: state.settings.trust_forwarded_for,
    };
    let limiters = state.limiters.clone();
    let limit_db = state.db.clone();
    let metrics = state.metrics.clone();
    let server_timing = state.settings.server_timing;
    tokio::spawn(prepare_ahead(
        state.db.clone(),
        state.versions.seen(),
        Arc::downgrade(&state.reference),
        Arc::downgrade(&state.reach),
        Arc::downgrade(&state.offers),
    ));
    let freshness = Freshness {
        db: state.db.clone(),
        suppression_threshold: state.settings.suppression_threshold,
        responses: state.responses.clone(),
        versions: state.versions.clone(),
        breaker: state.breaker.clone(),
    };
    let breaker = state.breaker.clone();
    Route::new()
        .at(
            "/openapi.json",
            get(make_sync(move |req| json.respond(&req))),
        )
        .at(
            "/openapi.yaml",
            get(make_sync(move |req| yaml.respond(&req))),
        )
        .at("/docs", get(make_sync(move |req| docs.page.respond(&req))))
        .at(
            "/docs/assets/:name",
            get(make_sync(move |req| docs_asset(docs, &req))),
        )
        .at("/en/", get(page::english))
        .at("/en", get(page::english_without_slash))
        .at(page::support::SV_PATH, get(page::support_sv))
        .at(page::support::EN_PATH, get(page::support_en))
        .at("/kommun/:code", get(page::municipality_sv))
        .at("/problems/:name", get(page::problem_type))
        .at("/kurs/:id", get(page::course_sv))
        .at("/en/course/:id", get(page::course_en))
        .at("/program/:slug", get(page::programme_sv))
        .at("/en/programme/:slug", get(page::programme_en))
        .at("/en/municipality/:code", get(page::municipality_en))
        .at("/assets/site.css", get(make_sync(|_| page::assets::css())))
        .at("/assets/site.js", get(make_sync(|_| page::assets::js())))
        .nest("/", service(&state.settings))
        // Innermost first. The timeout wraps only the handler (a cached answer
        // needs none). A read whose handler lost its database connection is
        // run again from the cache layer on (which retries its own version
        // read).
        // Empty query pairs are dropped before the cache keys on the query.
        // The cache sits inside the rate limit, so a cached answer still
        // counts against the client's quota; problems wraps everything that
        // can fail, so even a 413, 429 or 503 leaves as problem+json, and the
        // RateLimit-* fields go on outside it, on errors too; security
        // headers go on every response; observe is outermost, so its timing
        // and request id cover the rest.
        .around(move |ep, req| security::timeout(ep, req, request_timeout))
        .around(move |ep, req| conditional(ep, req, freshness.clone()))
        .around(move |ep, req| retry::retry_reads(ep, req, breaker.clone()))
        .around(query_string::drop_empty)
        .around(move |ep, req| query_string::refuse_undeclared(ep, req, operations.clone()))
        .around(move |ep, req| rate_limit::limit(ep, req, limiters.clone(), limit_db.clone()))
        // Boxed here and below: each layer's future holds the one inside it,
        // and a debug build polls them on the stack, so the whole chain
        // unboxed outgrew a 2 MB thread stack (2.09 MB measured with gdb).
        .boxed()
        .around(move |ep, req| body_limit::limit_body(ep, req, max_body))
        .around(move |ep, req| origin::sane_origin(ep, req, origin_rule))
        .around(move |ep, req| {
            let origin = (base_url.clone(), origin_rule.trust_proxy);
            problems::problems(ep, req, people.clone(), described.clone(), origin)
        })
        .boxed()
        .around(rate_limit::standing_headers)
        .around(move |ep, req| allow_on_405(ep, req, allowed.clone()))
        .around(compression::compression)
        .around(cors::cors)
        .around(security::headers)
        .around(move |ep, req| observe::observe(ep, req, metrics.clone(), server_timing))
        .data(state)
}

/// One of the docs' assets by its hashed name; an old or unknown name is a
/// 404 (a page that named it is from another release: reload it).
fn docs_asset(docs: &openapi::docs::Docs, req: &poem::Request) -> poem::Result<poem::Response> {
    let name = req.path_params::<String>().unwrap_or_default();
    match docs.asset(&name) {
        Some(asset) => Ok(asset.respond(req)),
        None => Err(crate::error::ApiError::not_found(format!(
            "no documentation asset '{name}' in this release; reload /docs"
        ))
        .into()),
    }
}

/// Loads what reads derive per data version (the reference data, the reach and
/// offer tables) as soon as any request has seen a new version, instead of
/// in the first request that needs each. On the 1M national set the first
/// indicators answer of a version took 0.5 s, and every request arriving
/// meanwhile that needed the same table waited for it: on the mixed read set
/// those waits made the p99 (140 vs 36 ms with the tables loaded). Runs
/// until the endpoint is dropped (`seen` then closes); holds only weak
/// references, so it does not keep the tables alive.
async fn prepare_ahead(
    db: DatabaseConnection,
    mut seen: watch::Receiver<i64>,
    reference: Weak<PerVersion<ReferenceData>>,
    reach: Weak<PerVersion<ReachTable>>,
    offers: Weak<PerVersion<OfferTable>>,
) {
    while seen.changed().await.is_ok() {
        let (Some(reference), Some(reach), Some(offers)) =
            (reference.upgrade(), reach.upgrade(), offers.upgrade())
        else {
            return;
        };
        // A failed load is left for the next request that needs it, which
        // loads again and answers with the error if it persists.
        let loaded = tokio::try_join!(
            reference.current(&db),
            reach.current(&db),
            offers.current(&db)
        );
        if let Err(e) = loaded {
            tracing::warn!(error = %e, "preparing the data version's tables ahead failed");
        }
    }
}
