//! Server assembly: routes, middleware, and the served OpenAPI document.

use std::sync::Arc;

use poem::endpoint::make_sync;
use poem::middleware::Compression;
use poem::web::Html;
use poem::{get, Endpoint, EndpointExt, IntoResponse, Response, Route};

use crate::state::AppState;
use crate::{body_limit, cors, middleware, openapi_doc, rate_limit};

pub fn build(state: AppState) -> impl Endpoint {
    let doc = Arc::new(openapi_doc::document());
    let (json, yaml, html) = (doc.clone(), doc.clone(), doc);
    let max_body = state.settings.max_body_bytes;
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
        .nest("/", openapi_doc::service())
        .around(middleware::conditional)
        .around(rate_limit::limit)
        .around(move |ep, req| body_limit::limit_body(ep, req, max_body))
        .around(middleware::problems)
        .with(Compression::new())
        .around(cors::cors)
        .around(middleware::observe)
        .data(state)
}
