//! Server assembly: routes, middleware, and the served OpenAPI document.

use std::sync::Arc;

use poem::endpoint::make_sync;
use poem::middleware::Compression;
use poem::web::Html;
use poem::{get, Endpoint, EndpointExt, IntoResponse, Response, Route};
use poem_openapi::OpenApiService;

use crate::http::allow::{allow_on_405, AllowedMethods};
use crate::http::conditional::{conditional, Freshness};
use crate::http::openapi::{self, Document};
use crate::http::security::{self, Policies};
use crate::http::{body_limit, cors, observe, problems, query, rate_limit};
use crate::resources::reach::indicators::OfferTables;
use crate::resources::reach::table::ReachTables;
use crate::resources::{self, page, Apis};
use crate::state::AppState;

/// The API's operations as one poem-openapi service.
pub fn service() -> OpenApiService<Apis, ()> {
    openapi::service(resources::apis())
}

/// The finished OpenAPI document (what `/openapi.json` serves and `openapi/` commits).
pub fn document() -> Document {
    openapi::document(&service())
}

pub fn build(state: AppState) -> impl Endpoint {
    let doc = Arc::new(document());
    let allowed = Arc::new(AllowedMethods::from_spec(&doc.json));
    let policies = Arc::new(Policies::new(&doc.docs_html));
    let request_timeout = state.settings.request_timeout;
    let (json, yaml, html) = (doc.clone(), doc.clone(), doc);
    let max_body = state.settings.max_body_bytes;
    let limiters = state.limiters.clone();
    let metrics = state.metrics.clone();
    let reach_tables = Arc::new(ReachTables::new(state.versions.clone()));
    let offer_tables = Arc::new(OfferTables::new(state.versions.clone()));
    let freshness = Freshness {
        db: state.db.clone(),
        suppression_threshold: state.settings.suppression_threshold,
        responses: state.responses.clone(),
        versions: state.versions.clone(),
    };
    Route::new()
        .at(
            "/openapi.json",
            get(make_sync(move |_| {
                Response::builder()
                    .content_type("application/json")
                    .body(json.json.clone())
            })),
        )
        .at(
            "/openapi.yaml",
            get(make_sync(move |_| {
                Response::builder()
                    .content_type("application/yaml")
                    .body(yaml.yaml.clone())
            })),
        )
        .at(
            "/docs",
            get(make_sync(move |_| {
                Html(html.docs_html.clone()).into_response()
            })),
        )
        .at("/en/", get(page::english))
        .at("/en", get(page::english_without_slash))
        .at("/assets/site.css", get(make_sync(|_| page::assets::css())))
        .at("/assets/site.js", get(make_sync(|_| page::assets::js())))
        .nest("/", service())
        // Innermost first. The timeout wraps only the handler (a cached answer
        // needs none). Empty query pairs are dropped before the cache keys on
        // the query. The cache sits inside the rate limit, so a cached
        // answer still counts against the client's quota; problems wraps
        // everything that can fail, so even a 413, 429 or 503 leaves as
        // problem+json; security headers go on every response, errors too;
        // observe is outermost, so its timing and request id cover the rest.
        .around(move |ep, req| security::timeout(ep, req, request_timeout))
        .around(move |ep, req| conditional(ep, req, freshness.clone()))
        .around(query::drop_empty)
        .around(move |ep, req| rate_limit::limit(ep, req, limiters.clone()))
        .around(move |ep, req| body_limit::limit_body(ep, req, max_body))
        .around(problems::problems)
        .around(move |ep, req| allow_on_405(ep, req, allowed.clone()))
        .with(Compression::new())
        .around(cors::cors)
        .around(move |ep, req| security::headers(ep, req, policies.clone()))
        .around(move |ep, req| observe::observe(ep, req, metrics.clone()))
        .data(reach_tables)
        .data(offer_tables)
        .data(state)
}
