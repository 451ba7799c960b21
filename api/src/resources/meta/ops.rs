//! Operational endpoints outside `/v1`: liveness, readiness, metrics. (`/`
//! is the public page, in `resources::page`.)

use poem::{IntoResponse, Request, Response};
use poem_openapi::payload::{Json, Payload};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::{ApiResponse, Object, OpenApi};
use subtle::ConstantTimeEq;

use crate::error::{ApiError, Problem};
use crate::http::openapi::tags::ApiTags;
use crate::state::AppState;

#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Health {
    /// `ok`.
    pub status: String,
}

impl poem_openapi::types::Example for Health {
    fn example() -> Self {
        Self {
            status: "ok".into(),
        }
    }
}

#[derive(ApiResponse)]
pub enum LiveResponse {
    /// The process is up.
    #[oai(status = 200)]
    Ok(Json<Health>),
    /// The server failed; the cause is logged with the request id.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
}

#[derive(ApiResponse)]
pub enum ReadyResponse {
    /// The database answers.
    #[oai(status = 200)]
    Ok(Json<Health>),
    /// The database does not answer.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<crate::error::Problem>),
}

/// Prometheus text exposition format, version 0.0.4.
pub struct PrometheusText(pub String);

impl Payload for PrometheusText {
    const CONTENT_TYPE: &'static str = "text/plain; version=0.0.4";
    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            example: Some(
                "# TYPE http_requests_total counter\nhttp_requests_total{method=\"GET\",route=\"listSessions\",status=\"200\"} 42\n"
                    .into(),
            ),
            ..MetaSchema::new("string")
        }))
    }
}

impl IntoResponse for PrometheusText {
    fn into_response(self) -> Response {
        Response::builder()
            .content_type(Self::CONTENT_TYPE)
            .body(self.0)
    }
}

#[derive(ApiResponse)]
pub enum MetricsResponse {
    /// Prometheus text exposition format.
    #[oai(status = 200, content_type = "text/plain; version=0.0.4")]
    Ok(PrometheusText),
    /// `METRICS_TOKEN` is set and the request does not carry it as a bearer token.
    #[oai(status = 401, content_type = "application/problem+json")]
    Unauthorized(Json<Problem>),
    /// No `METRICS_TOKEN` is set, and the request is not from this machine (loopback).
    #[oai(status = 403, content_type = "application/problem+json")]
    Forbidden(Json<Problem>),
    /// The server failed; the cause is logged with the request id.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
}

pub struct OpsApi;

#[OpenApi(tag = "ApiTags::Meta")]
impl OpsApi {
    /// Lever tjänsten? / Liveness
    ///
    /// 200 while the process runs; does not touch the database.
    #[oai(path = "/health/live", method = "get", operation_id = "healthLive")]
    async fn live(&self) -> LiveResponse {
        LiveResponse::Ok(Json(Health {
            status: "ok".into(),
        }))
    }

    /// Redo att svara? / Readiness
    ///
    /// 200 when the database answers a ping, 503 otherwise.
    #[oai(path = "/health/ready", method = "get", operation_id = "healthReady")]
    async fn ready(&self, state: poem::web::Data<&AppState>) -> ReadyResponse {
        use crate::store::db::{once_more_if_lost, ping};
        // A connection lost to a restart fails one ping; the database is
        // not down for that: ping again on a fresh one, as reads do.
        // Readiness always asks (it is how a load balancer, and the
        // breaker, learn the database is back).
        let answered = once_more_if_lost(
            || ping(&state.db),
            |_| true,
            || sea_orm::DbErr::Custom("no answer on a fresh connection in time".into()),
        )
        .await;
        match &answered {
            Ok(()) => state.breaker.answered(),
            Err(_) => state.breaker.away(true),
        }
        match answered {
            Ok(()) => ReadyResponse::Ok(Json(Health {
                status: "ok".into(),
            })),
            Err(e) => {
                tracing::warn!(error = %e, "readiness check failed");
                ReadyResponse::Unavailable(Json(
                    ApiError::unavailable("the database does not answer")
                        .to_problem(Some("/health/ready".into())),
                ))
            }
        }
    }

    /// Mätvärden / Metrics
    ///
    /// Request counts and latency histograms by route (operation id) and status,
    /// and the response cache's entries and bytes. Closed by default: served
    /// only to this machine (loopback), or, with `METRICS_TOKEN` set, to a
    /// request that carries it as `Authorization: Bearer <token>`.
    #[oai(path = "/metrics", method = "get", operation_id = "metrics")]
    async fn metrics(&self, req: &Request, state: poem::web::Data<&AppState>) -> MetricsResponse {
        let problem = |e: ApiError| Json(e.to_problem(Some("/metrics".into())));
        match state.settings.metrics_token.as_deref() {
            Some(token) => {
                let presented = req
                    .header("authorization")
                    .and_then(|h| h.strip_prefix("Bearer "))
                    .unwrap_or_default();
                if !bool::from(presented.as_bytes().ct_eq(token.as_bytes())) {
                    return MetricsResponse::Unauthorized(problem(ApiError::unauthorized(
                        "send METRICS_TOKEN as `Authorization: Bearer <token>`",
                    )));
                }
            }
            // A test client has no peer address; a served request always has one.
            None if req
                .remote_addr()
                .as_socket_addr()
                .is_some_and(|a| !a.ip().is_loopback()) =>
            {
                return MetricsResponse::Forbidden(problem(ApiError::forbidden(
                    "the metrics are served to this machine only; set METRICS_TOKEN to read them from elsewhere",
                )));
            }
            None => {}
        }
        let (entries, bytes) = state.responses.usage();
        state.metrics.record_response_cache(entries, bytes);
        MetricsResponse::Ok(PrometheusText(state.metrics.render()))
    }
}
