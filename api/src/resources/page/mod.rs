//! The public page at `/` (Swedish) and `/en/` (English): what a parent, a
//! politician or a coordinator can read without an API client. Server-rendered
//! HTML and SVG from the same functions as `/v1/reach`, `/v1/indicators` and
//! `/v1/sessions`; cached like every public GET (`http::response_cache::is_page`). Each
//! municipality has its own page at `/kommun/{code}` (`/en/municipality/{code}`).

pub mod assets;
pub mod card;
pub mod chart;
pub mod course;
pub mod data;
mod denominator;
pub mod effects;
mod errors;
pub mod finder;
pub mod html;
pub mod layout;
pub mod municipality;
pub mod params;
mod population;
pub mod problems;
pub mod programme;
pub mod sections;
pub mod support;

use poem::http::StatusCode;
use poem::web::{Data, Html, Path, Redirect};
use poem::{handler, IntoResponse, Request, Response};
use poem_openapi::{payload, ApiResponse, OpenApi};

use self::html::Lang;
use self::layout::Site;
use self::params::PageParams;
use crate::error::{ApiError, ListError, Step};
use crate::http::openapi::tags::ApiTags;
use crate::http::paging::public_base;
use crate::resources::meta::api_info::api_info;
use crate::state::AppState;
use crate::vocab::{CountyCode, ProgrammeSlug};

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
    ) -> Result<PageResponse, ListError> {
        let params: PageParams = req
            .params()
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        let html = render(req, &state, params, Lang::Sv).await?;
        Ok(PageResponse::Ok(payload::Html(html)))
    }
}

/// `GET /en/`: the page in English.
#[handler]
pub async fn english(req: &Request, state: Data<&AppState>) -> Result<Response, ApiError> {
    let params: PageParams = req
        .params()
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(Html(render(req, &state, params, Lang::En).await?).into_response())
}

/// `GET /en`: the English page is `/en/`.
#[handler]
pub fn english_without_slash() -> Response {
    Redirect::permanent("/en/").into_response()
}

async fn render(
    req: &Request,
    state: &AppState,
    params: PageParams,
    path_lang: Lang,
) -> Result<String, ApiError> {
    let cat = state.reference.current(&state.db).await?;
    let q = params.parse(path_lang, cat.home_county())?;
    let k = state.settings.suppression_threshold;
    let notice = api_info(&state.db, &state.settings, &cat).await?.data;
    let rollups = state.rollups().await?;
    let d = data::load(&state.db, &rollups, &q, k, &cat, notice)
        .await
        .step("read the page's figures")?;
    let base = public_base(req, state.settings.public_base_url.as_deref());
    let site = Site {
        base: &base,
        publisher: &state.settings.publisher,
    };
    Ok(layout::page(&q, &d, &cat, &site))
}

pub use self::errors::people_error;

/// `GET /kommun/{code}`: one municipality's page in Swedish.
#[handler]
pub async fn municipality_sv(
    req: &Request,
    Path(code): Path<String>,
    state: Data<&AppState>,
) -> Result<Response, ApiError> {
    municipality_page(req, &code, &state, Lang::Sv).await
}

/// `GET /en/municipality/{code}`: one municipality's page in English.
#[handler]
pub async fn municipality_en(
    req: &Request,
    Path(code): Path<String>,
    state: Data<&AppState>,
) -> Result<Response, ApiError> {
    municipality_page(req, &code, &state, Lang::En).await
}

/// An unknown municipality is answered with a page in the visitor's
/// language that says what a code looks like, not with JSON.
async fn municipality_page(
    req: &Request,
    code: &str,
    state: &AppState,
    lang: Lang,
) -> Result<Response, ApiError> {
    let base = public_base(req, state.settings.public_base_url.as_deref());
    let site = Site {
        base: &base,
        publisher: &state.settings.publisher,
    };
    let person_error = |status: StatusCode, heading: &str, message: String| {
        let html = errors::error_page(lang, heading, &message, &site);
        Ok(Html(html).with_status(status).into_response())
    };
    // A bad parameter is answered as on every page (`people_error`).
    let params: PageParams = req
        .params()
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let cat = state.reference.current(&state.db).await?;
    let q = params.parse(lang, cat.home_county())?;
    let Some(m) = cat
        .municipality(code)
        .filter(|_| crate::vocab::MunicipalityCode::parse(code).is_ok())
    else {
        return person_error(
            StatusCode::NOT_FOUND,
            lang.t("Kommunen finns inte", "No such municipality"),
            match lang {
                Lang::Sv => format!("Det finns ingen kommun med koden {code}. Kommunkoder har fyra siffror, till exempel 1980 för Västerås."),
                Lang::En => format!("There is no municipality with the code {code}. Municipality codes have four digits, for example 1980 for Västerås."),
            },
        );
    };
    let mut q = q;
    q.county = CountyCode::of_stored(&m.county_code);
    let k = state.settings.suppression_threshold;
    let synthetic = api_info(&state.db, &state.settings, &cat)
        .await?
        .data
        .synthetic;
    let rollups = state.rollups().await?;
    let d = municipality::load(&state.db, &rollups, m, &q, k, &cat, synthetic)
        .await
        .step("read the municipality page's figures")?;
    Ok(Html(municipality::page(m, &q, &d, &cat, &site)).into_response())
}

/// `GET /hitta-stod`: the finder for parents, in Swedish.
#[handler]
pub async fn support_sv(req: &Request, state: Data<&AppState>) -> Result<Response, ApiError> {
    support_page(req, &state, Lang::Sv).await
}

/// `GET /en/find-support`: the finder for parents, in English.
#[handler]
pub async fn support_en(req: &Request, state: Data<&AppState>) -> Result<Response, ApiError> {
    support_page(req, &state, Lang::En).await
}

async fn support_page(req: &Request, state: &AppState, lang: Lang) -> Result<Response, ApiError> {
    let params: support::SupportParams = req
        .params()
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let q = params.parse()?;
    let cat = state.reference.current(&state.db).await?;
    let base = public_base(req, state.settings.public_base_url.as_deref());
    let site = Site {
        base: &base,
        publisher: &state.settings.publisher,
    };
    let html = support::render(&state.db, &cat, lang, &q, &site).await?;
    Ok(Html(html).into_response())
}

/// `GET /problems/{name}`: what a problem type means and how to fix the
/// request; JSON for `Accept: application/json`.
#[handler]
pub async fn problem_type(
    req: &Request,
    Path(name): Path<String>,
    state: Data<&AppState>,
) -> Result<Response, ApiError> {
    let base = public_base(req, state.settings.public_base_url.as_deref());
    let site = Site {
        base: &base,
        publisher: &state.settings.publisher,
    };
    let Some(p) = problems::find(&name) else {
        let html = errors::error_page(
            Lang::Sv,
            "Problemtypen finns inte / No such problem type",
            &format!("Det finns ingen problemtyp som heter {name}. / There is no problem type called {name}."),
            &site,
        );
        return Ok(Html(html)
            .with_status(StatusCode::NOT_FOUND)
            .into_response());
    };
    let wants_json = req
        .header("accept")
        .is_some_and(|a| a.contains("application/json") || a.contains("+json"));
    if wants_json {
        return Ok(Response::builder()
            .content_type("application/json")
            .body(problems::as_json(p, &base)));
    }
    Ok(Html(problems::page(p, &site)).into_response())
}

/// `GET /kurs/{id}`: one session's page in Swedish.
#[handler]
pub async fn course_sv(
    req: &Request,
    Path(id): Path<String>,
    state: Data<&AppState>,
) -> Result<Response, ApiError> {
    course_page(req, &id, &state, Lang::Sv).await
}

/// `GET /en/course/{id}`: one session's page in English.
#[handler]
pub async fn course_en(
    req: &Request,
    Path(id): Path<String>,
    state: Data<&AppState>,
) -> Result<Response, ApiError> {
    course_page(req, &id, &state, Lang::En).await
}

async fn course_page(
    req: &Request,
    id: &str,
    state: &AppState,
    lang: Lang,
) -> Result<Response, ApiError> {
    let base = public_base(req, state.settings.public_base_url.as_deref());
    let site = Site {
        base: &base,
        publisher: &state.settings.publisher,
    };
    let found = match uuid::Uuid::parse_str(id) {
        Ok(id) => crate::resources::sessions::query::find_session(&state.db, id).await?,
        Err(_) => None,
    };
    let Some(session) = found else {
        let html = errors::error_page(
            lang,
            lang.t("Kursen finns inte", "No such course"),
            lang.t(
                "Det finns ingen kurs med den adressen. Den kan ha tagits bort av kommunen.",
                "There is no course at this address. The municipality may have removed it.",
            ),
            &site,
        );
        return Ok(Html(html)
            .with_status(StatusCode::NOT_FOUND)
            .into_response());
    };
    let cat = state.reference.current(&state.db).await?;
    Ok(Html(course::page(lang, &session, &cat, &site)).into_response())
}

/// `GET /program/{slug}`: one programme's page in Swedish.
#[handler]
pub async fn programme_sv(
    req: &Request,
    Path(slug): Path<String>,
    state: Data<&AppState>,
) -> Result<Response, ApiError> {
    programme_page(req, &slug, &state, Lang::Sv).await
}

/// `GET /en/programme/{slug}`: one programme's page in English.
#[handler]
pub async fn programme_en(
    req: &Request,
    Path(slug): Path<String>,
    state: Data<&AppState>,
) -> Result<Response, ApiError> {
    programme_page(req, &slug, &state, Lang::En).await
}

async fn programme_page(
    req: &Request,
    slug: &str,
    state: &AppState,
    lang: Lang,
) -> Result<Response, ApiError> {
    let base = public_base(req, state.settings.public_base_url.as_deref());
    let site = Site {
        base: &base,
        publisher: &state.settings.publisher,
    };
    let cat = state.reference.current(&state.db).await?;
    let Some(p) = cat.programme(slug) else {
        let html = errors::error_page(
            lang,
            lang.t("Programmet finns inte", "No such programme"),
            &match lang {
                Lang::Sv => format!("Det finns inget program som heter {slug} i katalogen."),
                Lang::En => format!("There is no programme called {slug} in the catalogue."),
            },
            &site,
        );
        return Ok(Html(html)
            .with_status(StatusCode::NOT_FOUND)
            .into_response());
    };
    let county = cat.home_county().to_owned();
    let filter = crate::resources::sessions::query::SessionFilter {
        municipalities: cat
            .county_members(&county)?
            .into_iter()
            .filter_map(|m| crate::vocab::MunicipalityCode::parse(&m.code).ok())
            .collect(),
        programmes: vec![ProgrammeSlug::of_stored(&p.slug)],
        ..Default::default()
    };
    let today = chrono::Utc::now().date_naive();
    let query = crate::resources::sessions::query::SessionQuery::resolve(
        crate::resources::calendar::upcoming::upcoming(filter, today),
        &cat,
    )?;
    let mut sessions = crate::resources::calendar::upcoming::first_sessions(
        &state.db,
        &query,
        data::FINDER_LIMIT + 1,
    )
    .await?;
    let more = sessions.len() as u64 > data::FINDER_LIMIT;
    sessions.truncate(data::FINDER_LIMIT as usize);
    Ok(Html(programme::page(lang, p, &sessions, more, &cat, &site)).into_response())
}
