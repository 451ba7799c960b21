//! One folder per resource: its handlers, wire types and the plain functions
//! that do the work, which the CLI, the sync client and the tests call too.

pub mod audit;
pub mod calendar;
pub mod changes;
pub mod dcat;
pub mod evaluation;
pub mod fields;
pub mod meta;
pub mod municipalities;
pub mod outcomes;
pub mod page;
pub mod programmes;
pub mod reach;
pub mod sessions;

use audit::AuditApi;
use calendar::CalendarApi;
use changes::ChangesApi;
use dcat::CatalogApi;
use evaluation::EvaluationApi;
use meta::api_info::ApiInfoApi;
use meta::ops::OpsApi;
use municipalities::MunicipalitiesApi;
use outcomes::OutcomesApi;
use page::PageApi;
use programmes::ProgrammesApi;
use reach::ReachApi;
use sessions::sync::SyncApi;
use sessions::SessionsApi;

/// Every operation, in the order the document lists them.
pub type Apis = (
    MunicipalitiesApi,
    ProgrammesApi,
    SessionsApi,
    CalendarApi,
    SyncApi,
    ChangesApi,
    ReachApi,
    OutcomesApi,
    EvaluationApi,
    AuditApi,
    ApiInfoApi,
    CatalogApi,
    OpsApi,
    PageApi,
);

pub fn apis() -> Apis {
    (
        MunicipalitiesApi,
        ProgrammesApi,
        SessionsApi,
        CalendarApi,
        SyncApi,
        ChangesApi,
        ReachApi,
        OutcomesApi,
        EvaluationApi,
        AuditApi,
        ApiInfoApi,
        CatalogApi,
        OpsApi,
        PageApi,
    )
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    /// Two API structs declaring the same path make poem-openapi emit the path
    /// twice, and a JSON parser keeps only the last: operations would vanish
    /// from the document. Keep each path's operations in one `#[OpenApi]` impl.
    #[test]
    fn no_operation_is_lost_between_generation_and_the_document() {
        let svc = crate::http::openapi::service(apis(), &crate::config::Settings::default());
        let raw = svc.spec();
        let generated = raw.matches("\"operationId\"").count();
        let spec: Value = serde_json::from_str(&crate::http::openapi::document(&svc).json).unwrap();
        let documented: usize = spec["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|item| {
                item.as_object()
                    .unwrap()
                    .values()
                    .filter(|op| op.get("operationId").is_some())
                    .count()
            })
            .sum();
        assert_eq!(documented, generated);
    }
}
