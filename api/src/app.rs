//! Server assembly: routes, middleware, and the served OpenAPI document.

use std::sync::Arc;

use poem::endpoint::make_sync;
use poem::middleware::Compression;
use poem::web::Html;
use poem::{get, Endpoint, EndpointExt, IntoResponse, Response, Route};

use crate::allow::{allow_on_405, AllowedMethods};
use crate::state::AppState;
use crate::{body_limit, cors, middleware, openapi_doc, rate_limit};

pub fn build(state: AppState) -> impl Endpoint {
    let doc = Arc::new(openapi_doc::document());
    let allowed = Arc::new(AllowedMethods::from_spec(&doc.json));
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
        .around(move |ep, req| allow_on_405(ep, req, allowed.clone()))
        .with(Compression::new())
        .around(cors::cors)
        .around(middleware::observe)
        .data(state)
}
