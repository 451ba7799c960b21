//! Writes by municipal systems: single sessions, batches, the nightly full
//! replace, deletes, and the owner's read-back with breakdowns.

use poem::Request;
use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::batch::{external_id_param, parse_batch, put_item};
use super::record::OwnSession;
use super::record::WrittenSession;
use super::requests::{BatchResult, SessionBatch, SessionWrite};
use super::validate::KnownCodes;
use super::write::{delete_session, find_own, put_one, write_sessions, Outcome};
use crate::error::{ApiError, Step, WriteError};
use crate::http::auth::ApiKeyAuth;
use crate::http::idempotency::{self, Attempt};
use crate::http::observe::RequestId;
use crate::http::openapi::tags::ApiTags;
use crate::http::raw_json::RawJson;
use crate::state::AppState;
use crate::store::audit::Actor;
use crate::store::keys::{authenticate, Principal};
use crate::vocab::MunicipalityCode;

#[derive(ApiResponse)]
pub enum PutSessionResponse {
    /// Created: the stored session with its breakdowns.
    #[oai(status = 201)]
    Created(
        Json<OwnSession>,
        #[oai(header = "Location")] String,
        #[oai(header = "Write-Result")] String,
    ),
    /// Updated, or unchanged (`Write-Result: unchanged`; `updated_at` did not move).
    #[oai(status = 200)]
    Ok(Json<OwnSession>, #[oai(header = "Write-Result")] String),
}

#[derive(ApiResponse)]
pub enum OwnSessionResponse {
    /// The session with its breakdowns.
    #[oai(status = 200)]
    Ok(Json<OwnSession>),
}

#[derive(ApiResponse)]
pub enum DeleteSessionResponse {
    /// Deleted; a tombstone enters the change feed.
    #[oai(status = 204)]
    Deleted,
}

#[derive(ApiResponse)]
pub enum BatchResponse {
    /// Written, all of it, in one transaction.
    #[oai(status = 200)]
    Ok(Json<BatchResult>),
}

/// The reference sets validation checks against, from the cached catalogues.
async fn context(
    state: &AppState,
    municipality: &MunicipalityCode,
) -> Result<KnownCodes, ApiError> {
    let cat = state.reference.current(&state.db).await?;
    KnownCodes::for_municipality(&cat, municipality.as_str())
}

/// The idempotency store's view of this request.
fn attempt<'a>(
    state: &'a AppState,
    principal: &Principal,
    key: &'a Header<Option<String>>,
    req: &'a Request,
    body: &'a [u8],
) -> Attempt<'a> {
    Attempt {
        db: &state.db,
        ttl: state.settings.idempotency_ttl,
        api_key_id: principal.key_id,
        key: key.0.as_deref(),
        req,
        body,
    }
}

/// The municipality in the path, and a key that may write it.
async fn authorize(
    state: &AppState,
    auth: &ApiKeyAuth,
    code: &str,
) -> Result<(MunicipalityCode, Principal), ApiError> {
    let code = MunicipalityCode::parse(code).map_err(|e| ApiError::invalid_parameter("code", e))?;
    let principal = authenticate(&state.db, &auth.0.token)
        .await
        .step("check the API key")?;
    principal.require_municipality(&code)?;
    Ok((code, principal))
}

pub struct SyncApi;

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Sync")]
impl SyncApi {
    /// Skapa eller uppdatera ett tillfälle / Create or update a session
    ///
    /// Idempotent upsert of one session of the key's municipality, addressed by the
    /// municipality's own `external_id`. 201 when created, 200 when updated or
    /// unchanged (`Write-Result` says which; an unchanged write moves neither
    /// `updated_at` nor the change feed). With `Idempotency-Key`, a retry gets the
    /// first answer replayed.
    ///
    /// 422 also for rules no schema can state: `end_date` before `start_date`;
    /// `completed`, `women`, `men`, `vulnerable_area` or `satisfaction_respondents`
    /// above `enrolled` (women + men too); `satisfied` above or without
    /// `satisfaction_respondents`; a `programme` not in the catalogue; the
    /// municipality itself among `co_hosts`; a body `external_id` differing
    /// from the path; an `Idempotency-Key` reused with another request; and
    /// the details' rules: a `schedule` with neither or both of `weekday` and
    /// `dates`, a weekly rule without `meetings` (or over 104) or ending after
    /// `end_date`, `dates` outside the session or not `meetings` of them,
    /// `except_dates` without `weekday` or on another day, `end_time` not
    /// after `start_time`; a `venue` for a digital session, or without `name`
    /// and `street_address`, or with only one coordinate; a `registration`
    /// with no way to sign up or a `deadline` after `end_date`; a `cost` with a
    /// fee when `free`, or none when not; an empty `accessibility`;
    /// `places_left` above `capacity`.
    ///
    /// The details (`schedule`, `venue`, `registration`, `cost`,
    /// `places_left`, `accessibility`) are kept as stored when the body leaves
    /// them out, so a client that does not know them loses nothing; `null`
    /// clears one.
    #[oai(
        path = "/municipalities/:code/sessions/:external_id",
        method = "put",
        operation_id = "putSession"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn put_session(
        &self,
        req: &Request,
        request_id: RequestId,
        state: poem::web::Data<&AppState>,
        auth: ApiKeyAuth,
        /// The municipality (4-digit SCB code).
        #[oai(example = "example_code", validator(pattern = "^[0-9]{4}$"))]
        code: Path<String>,
        /// The municipality's own id of the session.
        #[oai(
            example = "example_external_id",
            validator(min_length = 1, max_length = 128)
        )]
        external_id: Path<String>,
        /// Makes retries safe: the same key and body replay the first answer for 24 h.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        idempotency_key: Header<Option<String>>,
        body: RawJson<SessionWrite>,
    ) -> Result<PutSessionResponse, WriteError> {
        let external_id = external_id_param(&external_id.0)?;
        let (code, principal) = authorize(&state, &auth, &code.0).await?;
        let body = body.read().await?;
        let at = attempt(&state, &principal, &idempotency_key, req, &body.bytes);
        let actor = Actor::key(principal.key_id, request_id.0);
        let prepare = async || put_item(&body.value, &external_id, &context(&state, &code).await?);
        let write = async |txn: &_, seqs, fields| {
            let (row, outcome) = put_one(txn, seqs, &code, fields, &actor)
                .await
                .step("write the session")?;
            let status = if outcome == Outcome::Created {
                201
            } else {
                200
            };
            let record = OwnSession::try_from(row)?;
            let outcome = outcome.as_str().to_owned();
            Ok((status, WrittenSession { outcome, record }))
        };
        let (status, written) = idempotency::run(at, prepare, write).await?;
        let WrittenSession { outcome, record } = written;
        Ok(if status == 201 {
            // The id is the municipality's own text: percent-encoded, so the
            // header is ASCII and names this resource (a space, `#`, `?` or
            // non-ASCII letter would otherwise break or redirect the URI).
            let location = format!(
                "/v1/municipalities/{}/sessions/{}",
                code.as_str(),
                crate::resources::page::html::url_value(&external_id)
            );
            PutSessionResponse::Created(Json(record), location, outcome)
        } else {
            PutSessionResponse::Ok(Json(record), outcome)
        })
    }

    /// Läs tillbaka ett eget tillfälle / Read back an own session
    ///
    /// The full stored record, including the breakdowns that are never published
    /// per session. Only the owning municipality's key (or admin).
    #[oai(
        path = "/municipalities/:code/sessions/:external_id",
        method = "get",
        operation_id = "getOwnSession"
    )]
    async fn get_own_session(
        &self,
        state: poem::web::Data<&AppState>,
        auth: ApiKeyAuth,
        #[oai(example = "example_code", validator(pattern = "^[0-9]{4}$"))] code: Path<String>,
        #[oai(
            example = "example_external_id",
            validator(min_length = 1, max_length = 128)
        )]
        external_id: Path<String>,
    ) -> Result<OwnSessionResponse, WriteError> {
        let external_id = external_id_param(&external_id.0)?;
        let (code, _) = authorize(&state, &auth, &code.0).await?;
        Ok(OwnSessionResponse::Ok(Json(
            find_own(&state.db, &code, &external_id).await?.try_into()?,
        )))
    }

    /// Ta bort ett tillfälle / Delete a session
    ///
    /// Removes the session; the change feed gets a tombstone (`op: delete`).
    #[oai(
        path = "/municipalities/:code/sessions/:external_id",
        method = "delete",
        operation_id = "deleteSession"
    )]
    async fn delete_session(
        &self,
        request_id: RequestId,
        state: poem::web::Data<&AppState>,
        auth: ApiKeyAuth,
        #[oai(example = "example_code", validator(pattern = "^[0-9]{4}$"))] code: Path<String>,
        #[oai(
            example = "example_external_id",
            validator(min_length = 1, max_length = 128)
        )]
        external_id: Path<String>,
    ) -> Result<DeleteSessionResponse, WriteError> {
        let external_id = external_id_param(&external_id.0)?;
        let (code, principal) = authorize(&state, &auth, &code.0).await?;
        let actor = Actor::key(principal.key_id, request_id.0);
        delete_session(&state.db, &code, &external_id, &actor)
            .await
            .step("delete the session")?;
        Ok(DeleteSessionResponse::Deleted)
    }

    /// Skriv tillfällen i en batch / Write a batch of sessions
    ///
    /// Up to 10,000 sessions of one municipality in one transaction: all or nothing.
    /// Any invalid item gives a 422 listing every problem of every item by JSON
    /// pointer (`/sessions/7/end_date`), and nothing is written. `upsert` creates or
    /// updates the given sessions; `replace` also deletes the municipality's
    /// sessions (within `scope`, if given) that the batch does not contain — the
    /// nightly full sync. A replace that would delete more than half of the
    /// sessions in scope (and more than 20) needs `"allow_mass_delete": true`.
    ///
    /// 422 also for rules no schema can state: `end_date` before `start_date`;
    /// `completed`, `women`, `men`, `vulnerable_area` or `satisfaction_respondents`
    /// above `enrolled` (women + men too); `satisfied` above or without
    /// `satisfaction_respondents`; a `programme` not in the catalogue; the
    /// municipality itself among `co_hosts`; an `external_id` twice in the batch;
    /// `scope` without `replace`; the mass-delete guard above; an `Idempotency-Key`
    /// reused with another request; the details' rules (as for `putSession`).
    ///
    /// In both modes a session that leaves a detail out (`schedule`, `venue`,
    /// `registration`, `cost`, `places_left`, `accessibility`) keeps the
    /// stored one, and `null` clears it: `replace` decides which sessions
    /// exist, not which of their fields a client knows.
    #[oai(
        path = "/municipalities/:code/sessions/batch",
        method = "post",
        operation_id = "postSessionBatch"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn post_batch(
        &self,
        req: &Request,
        request_id: RequestId,
        state: poem::web::Data<&AppState>,
        auth: ApiKeyAuth,
        #[oai(example = "example_code", validator(pattern = "^[0-9]{4}$"))] code: Path<String>,
        /// Makes retries safe: the same key and body replay the first answer for 24 h.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        idempotency_key: Header<Option<String>>,
        body: RawJson<SessionBatch>,
    ) -> Result<BatchResponse, WriteError> {
        let (code, principal) = authorize(&state, &auth, &code.0).await?;
        let body = body.read().await?;
        let at = attempt(&state, &principal, &idempotency_key, req, &body.bytes);
        let actor = Actor::key(principal.key_id, request_id.0);
        let prepare = async || parse_batch(&body.value, &context(&state, &code).await?);
        let write = async |txn: &_, seqs, batch| {
            let written = write_sessions(txn, seqs, &code, batch, &actor)
                .await
                .step("write the batch")?;
            Ok((200, BatchResult::from(written.counts)))
        };
        let (_, result) = idempotency::run(at, prepare, write).await?;
        Ok(BatchResponse::Ok(Json(result)))
    }
}

fn example_code() -> String {
    "1980".into()
}

fn example_external_id() -> String {
    "VAS-2025-014".into()
}
