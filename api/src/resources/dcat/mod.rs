//! `GET /v1/catalog`: what the Swedish data portal (dataportal.se) harvests.

mod datasets;
pub mod jsonld;

use poem::{IntoResponse, Request, Response};
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::{ApiResponse, OpenApi};

use self::jsonld::{catalog, CatalogInput};
use crate::error::{ListError, Step};
use crate::http::openapi::tags::ApiTags;
use crate::http::paging::public_base;
use crate::resources::meta::api_info::api_info;
use crate::state::AppState;
use crate::store::holdings::holdings;

/// A JSON-LD document.
pub struct JsonLd(pub serde_json::Value);

impl Payload for JsonLd {
    const CONTENT_TYPE: &'static str = "application/ld+json";
    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            description: Some("DCAT-AP-SE catalogue as JSON-LD with an inline @context."),
            example: Some(serde_json::json!({
                "@context": { "dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/" },
                "@id": "https://api.example.org/v1/catalog",
                "@type": "dcat:Catalog",
                "dct:license": "http://creativecommons.org/publicdomain/zero/1.0/",
                "dcat:dataset": [{ "@type": "dcat:Dataset", "dct:identifier": "sessions" }]
            })),
            ..MetaSchema::new("object")
        }))
    }
}

impl IntoResponse for JsonLd {
    fn into_response(self) -> Response {
        Response::builder()
            .content_type(Self::CONTENT_TYPE)
            .body(self.0.to_string())
    }
}

#[derive(ApiResponse)]
pub enum CatalogResponse {
    /// The catalogue.
    #[oai(status = 200, content_type = "application/ld+json")]
    Ok(JsonLd),
}

pub struct CatalogApi;

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Meta")]
impl CatalogApi {
    /// Datakatalog (DCAT-AP-SE) / Data catalogue (DCAT-AP-SE)
    ///
    /// The datasets of this API — sessions, reach, indicators, outcome
    /// measures, the evaluation view, programmes, municipalities and the
    /// reference population — as a DCAT-AP-SE catalogue in JSON-LD that
    /// conforms to the EU's DCAT-AP 3.0.0 shapes: publisher (configured:
    /// `PUBLISHER_NAME_SV`, `PUBLISHER_NAME_EN`, `PUBLISHER_URL`), contact
    /// point (`API_CONTACT_EMAIL`, `API_CONTACT_URL`), licence CC0-1.0,
    /// public access, daily accrual periodicity, EU data themes, keywords in
    /// Swedish and English, spatial coverage, the API as a data service, and
    /// each dataset's distributions (JSON through the API; CSV, NDJSON, XLSX
    /// and iCalendar downloads of the whole dataset) with IANA media types.
    ///
    /// Dates come from the data: `dct:issued` is the earliest time recorded
    /// on what a dataset holds (a session's creation, else the oldest row's
    /// last change), `dct:modified` its latest change (deletions included),
    /// `dct:temporal` the days its data covers (whole years for reach,
    /// indicators, population and outcomes); absent while a dataset is
    /// empty. The `@context` is inline, so the document expands offline.
    /// URLs are absolute, from `PUBLIC_BASE_URL` or the request's `Host`.
    #[oai(path = "/catalog", method = "get", operation_id = "getCatalog")]
    async fn get(
        &self,
        req: &Request,
        state: poem::web::Data<&AppState>,
    ) -> Result<CatalogResponse, ListError> {
        let cat = state.reference.current(&state.db).await?;
        let info = api_info(&state.db, &state.settings, &cat).await?;
        let holdings = holdings(&state.db)
            .await
            .step("read what the tables hold")?;
        let base = public_base(req, state.settings.public_base_url.as_deref());
        Ok(CatalogResponse::Ok(JsonLd(catalog(&CatalogInput {
            base: &base,
            publisher: &info.publisher,
            contact_url: state.settings.contact_url.as_deref(),
            contact_email: state.settings.contact_email.as_deref(),
            synthetic: info.data.synthetic,
            holdings: &holdings,
        }))))
    }
}
