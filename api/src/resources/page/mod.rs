//! The public page at `/` (Swedish) and `/en/` (English): what a parent, a
//! politician or a coordinator can read without an API client. Server-rendered
//! HTML and SVG from the same functions as `/v1/reach`, `/v1/indicators` and
//! `/v1/sessions`; cached like every public GET (`http::response_cache::PAGE_PATHS`).

pub mod assets;
pub mod chart;
pub mod data;
mod denominator;
pub mod finder;
pub mod html;
pub mod layout;
pub mod params;
pub mod sections;

use std::sync::Arc;

use poem::web::{Data, Html, Redirect};
use poem::{handler, IntoResponse, Request, Response};
use poem_openapi::{payload, ApiResponse, OpenApi};

use self::html::Lang;
use self::params::PageParams;
use crate::error::{ApiError, ListError};
use crate::http::openapi::tags::ApiTags;
use crate::http::paging::public_base;
use crate::resources::meta::api_info::api_info;
use crate::resources::reach::indicators::OfferTables;
use crate::resources::reach::table::ReachTables;
use crate::state::AppState;

#[derive(ApiResponse)]
pub enum PageResponse {
    /// The page.
    #[oai(status = 200)]
    Ok(payload::Html<String>),
}

/// `GET /` as a hidden operation: the API service is nested at `/` and owns
/// that path. The English page is a plain route (`app::build`), because
/// poem-openapi would normalise `/en/` to `/en`.
pub struct PageApi;

#[OpenApi(tag = "ApiTags::Meta")]
impl PageApi {
    /// The public page in Swedish (`?lang=en` for English).
    #[oai(path = "/", method = "get", hidden)]
    async fn swedish(
        &self,
        req: &Request,
        state: Data<&AppState>,
        tables: Data<&Arc<ReachTables>>,
        offers: Data<&Arc<OfferTables>>,
    ) -> Result<PageResponse, ListError> {
        let params: PageParams = req
            .params()
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        let html = render(req, &state, (&tables, &offers), params, Lang::Sv).await?;
        Ok(PageResponse::Ok(payload::Html(html)))
    }
}

/// `GET /en/`: the page in English.
#[handler]
pub async fn english(
    req: &Request,
    state: Data<&AppState>,
    tables: Data<&Arc<ReachTables>>,
    offers: Data<&Arc<OfferTables>>,
) -> Result<Response, ApiError> {
    let params: PageParams = req
        .params()
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(Html(render(req, &state, (&tables, &offers), params, Lang::En).await?).into_response())
}

/// `GET /en`: the English page is `/en/`.
#[handler]
pub fn english_without_slash() -> Response {
    Redirect::permanent("/en/").into_response()
}

async fn render(
    req: &Request,
    state: &AppState,
    (tables, offers): (&ReachTables, &OfferTables),
    params: PageParams,
    path_lang: Lang,
) -> Result<String, ApiError> {
    let q = params.parse(path_lang)?;
    let k = state.settings.suppression_threshold;
    let cat = state.catalogues.current(&state.db).await?;
    let notice = api_info(&state.db, &state.settings).await?.data;
    let table = tables.current(&state.db).await?;
    let offers = offers.current(&state.db).await?;
    let d = data::load(&state.db, (&table, &offers), &q, k, &cat, notice).await?;
    let base = public_base(req, state.settings.public_base_url.as_deref());
    Ok(layout::page(&q, &d, &cat, &base))
}
