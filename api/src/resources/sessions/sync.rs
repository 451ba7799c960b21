//! Writes by municipal systems: single sessions, batches, the nightly full
//! replace, deletes, and the owner's read-back with breakdowns.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use poem::Request;
use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use poem_openapi::types::{ParseFromJSON, ToJSON};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect};
use serde_json::Value;

use crate::config::MAX_BATCH_SESSIONS;
use crate::error::{ApiError, FieldError, Problem, WriteError};
use crate::http::auth::ApiKeyAuth;
use crate::http::openapi::tags::ApiTags;
use crate::http::raw_json::RawJson;
use crate::resources::sessions::record::SessionRecord;
use crate::resources::sessions::validate::{
    session_fields, Context, SessionFields, MAX_EXTERNAL_ID,
};
use crate::resources::sessions::write::{
    delete_session, find_own, write_sessions, Counts, Mode, Outcome, Scope,
};
use crate::state::AppState;
use crate::store::idempotency::{self, Begin};
use crate::store::keys::{authenticate, Principal};
use crate::vocab::{Delivery, MunicipalityCode, SessionStatus};

/// A session as a municipality sends it. Unknown fields are rejected.
#[derive(Debug, Clone, Object)]
#[oai(example, deny_unknown_fields)]
pub struct SessionWrite {
    /// The municipality's own id, unique within the municipality (1–128 characters).
    /// Optional in a PUT (taken from the path; must match it when given).
    pub external_id: Option<String>,
    /// Programme slug (see `/v1/programmes`).
    pub programme: String,
    pub provider: Option<String>,
    pub status: SessionStatus,
    pub start_date: NaiveDate,
    /// On or after `start_date`.
    pub end_date: Option<NaiveDate>,
    pub meetings: Option<i32>,
    /// ISO 639-1 codes.
    pub languages: Option<Vec<String>>,
    pub delivery: Delivery,
    pub area: Option<String>,
    /// Municipality codes of co-hosting municipalities (not the own one).
    pub co_hosts: Option<Vec<String>>,
    pub open_to_other_municipalities: Option<bool>,
    pub capacity: Option<i32>,
    /// Default 0.
    pub enrolled: Option<i32>,
    /// At most `enrolled`. Default 0.
    pub completed: Option<i32>,
    /// Breakdowns: stored, never published per session; each at most `enrolled`, women + men too.
    pub women: Option<i32>,
    pub men: Option<i32>,
    pub vulnerable_area: Option<i32>,
    pub satisfaction_respondents: Option<i32>,
    /// At most `satisfaction_respondents`.
    pub satisfied: Option<i32>,
}

impl poem_openapi::types::Example for SessionWrite {
    fn example() -> Self {
        Self {
            external_id: Some("VAS-2025-014".into()),
            programme: "abc".into(),
            provider: Some("Familjecentralen Bäckby".into()),
            status: SessionStatus::Completed,
            start_date: NaiveDate::from_ymd_opt(2025, 2, 3).unwrap_or_default(),
            end_date: NaiveDate::from_ymd_opt(2025, 3, 24),
            meetings: Some(4),
            languages: Some(vec!["sv".into(), "ar".into()]),
            delivery: Delivery::InPerson,
            area: Some("Bäckby".into()),
            co_hosts: Some(vec![]),
            open_to_other_municipalities: Some(false),
            capacity: Some(14),
            enrolled: Some(12),
            completed: Some(10),
            women: Some(8),
            men: Some(4),
            vulnerable_area: Some(5),
            satisfaction_respondents: Some(9),
            satisfied: Some(8),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum BatchMode {
    /// Create or update the given sessions; leave the others.
    Upsert,
    /// Make the municipality's sessions (in `scope`) equal to the batch: absent ones are deleted.
    Replace,
}

/// Limits a `replace` to sessions whose `start_date` lies in the range.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct BatchScope {
    pub start_from: Option<NaiveDate>,
    pub start_to: Option<NaiveDate>,
}

/// Many sessions of one municipality, written all-or-nothing.
#[derive(Debug, Clone, Object)]
#[oai(example, deny_unknown_fields)]
pub struct SessionBatch {
    pub mode: BatchMode,
    /// Only with `replace`.
    pub scope: Option<BatchScope>,
    /// A replace that would delete more than half of the sessions in scope (and
    /// more than 20) is refused unless this is true.
    pub allow_mass_delete: Option<bool>,
    /// At most 10,000 sessions; `external_id` is required and unique within the batch.
    pub sessions: Vec<SessionWrite>,
}

impl poem_openapi::types::Example for SessionBatch {
    fn example() -> Self {
        Self {
            mode: BatchMode::Replace,
            scope: Some(BatchScope {
                start_from: NaiveDate::from_ymd_opt(2025, 1, 1),
                start_to: NaiveDate::from_ymd_opt(2025, 12, 31),
            }),
            allow_mass_delete: Some(false),
            sessions: vec![<SessionWrite as poem_openapi::types::Example>::example()],
        }
    }
}

/// What a batch did.
#[derive(Debug, Clone, Object)]
pub struct BatchResult {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub deleted: u64,
}

impl From<Counts> for BatchResult {
    fn from(c: Counts) -> Self {
        Self {
            created: c.created,
            updated: c.updated,
            unchanged: c.unchanged,
            deleted: c.deleted,
        }
    }
}

/// A PUT's answer as stored for idempotent replay.
#[derive(Debug, Clone, Object)]
struct WrittenSession {
    outcome: String,
    record: SessionRecord,
}

#[derive(ApiResponse)]
pub enum PutSessionResponse {
    /// Created: the stored session with its breakdowns.
    #[oai(status = 201)]
    Created(
        Json<SessionRecord>,
        #[oai(header = "Location")] String,
        #[oai(header = "Write-Result")] String,
    ),
    /// Updated, or unchanged (`Write-Result: unchanged`; `updated_at` did not move).
    #[oai(status = 200)]
    Ok(Json<SessionRecord>, #[oai(header = "Write-Result")] String),
}

#[derive(ApiResponse)]
pub enum OwnSessionResponse {
    /// The session with its breakdowns.
    #[oai(status = 200)]
    Ok(Json<SessionRecord>),
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

/// The reference sets validation checks against.
async fn context(
    db: &impl ConnectionTrait,
    municipality: &MunicipalityCode,
) -> Result<Context, ApiError> {
    let programmes: Vec<String> = entity::programme::Entity::find()
        .select_only()
        .column(entity::programme::Column::Slug)
        .into_tuple()
        .all(db)
        .await?;
    let municipalities: Vec<String> = entity::municipality::Entity::find()
        .select_only()
        .column(entity::municipality::Column::Code)
        .into_tuple()
        .all(db)
        .await?;
    if !municipalities.iter().any(|m| m == municipality.as_str()) {
        return Err(ApiError::not_found(format!(
            "no municipality with code {}",
            municipality.as_str()
        )));
    }
    Ok(Context {
        municipality: Some(municipality.as_str().to_owned()),
        programmes: Some(programmes.into_iter().collect()),
        municipalities: Some(municipalities.into_iter().collect()),
    })
}

/// The municipality in the path, and a key that may write it.
async fn authorize(
    state: &AppState,
    auth: &ApiKeyAuth,
    code: &str,
) -> Result<(MunicipalityCode, Principal), ApiError> {
    let code = MunicipalityCode::parse(code).map_err(|e| ApiError::invalid_parameter("code", e))?;
    let principal = authenticate(&state.db, &auth.0.token).await?;
    principal.require_municipality(&code)?;
    Ok((code, principal))
}

fn external_id_param(raw: &str) -> Result<String, ApiError> {
    if raw.is_empty() || raw.chars().count() > MAX_EXTERNAL_ID || raw.chars().any(char::is_control)
    {
        return Err(ApiError::invalid_parameter(
            "external_id",
            format!("must be 1–{MAX_EXTERNAL_ID} printable characters"),
        ));
    }
    Ok(raw.to_owned())
}

/// A validated batch: the fields of every session, plus mode and scope.
pub struct ParsedBatch {
    pub mode: Mode,
    pub scope: Scope,
    pub allow_mass_delete: bool,
    pub sessions: Vec<SessionFields>,
}

/// Validates a whole batch body, listing every problem of every item.
pub fn parse_batch(body: &Value, ctx: &Context) -> Result<ParsedBatch, ApiError> {
    let mut errors = Vec::new();
    let Some(obj) = body.as_object() else {
        return Err(ApiError::unprocessable(
            "the body must be a JSON object",
            vec![FieldError::at("", "must be a JSON object")],
        ));
    };
    for key in obj.keys() {
        if !["mode", "scope", "allow_mass_delete", "sessions"].contains(&key.as_str()) {
            errors.push(FieldError::at(
                format!("/{key}"),
                "is not a field of a batch",
            ));
        }
    }
    let mode = match obj.get("mode").and_then(Value::as_str) {
        Some("upsert") => Some(Mode::Upsert),
        Some("replace") => Some(Mode::Replace),
        _ => {
            errors.push(FieldError::at("/mode", "must be \"upsert\" or \"replace\""));
            None
        }
    };
    let mut scope = Scope::default();
    match obj.get("scope") {
        None | Some(Value::Null) => {}
        Some(Value::Object(s)) => {
            for key in s
                .keys()
                .filter(|k| !["start_from", "start_to"].contains(&k.as_str()))
            {
                errors.push(FieldError::at(
                    format!("/scope/{key}"),
                    "is not a field of a scope",
                ));
            }
            for (field, slot) in [
                ("start_from", &mut scope.start_from),
                ("start_to", &mut scope.start_to),
            ] {
                match s.get(field) {
                    None | Some(Value::Null) => {}
                    Some(v) => match v
                        .as_str()
                        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                    {
                        Some(d) => *slot = Some(d),
                        None => errors.push(FieldError::at(
                            format!("/scope/{field}"),
                            "must be a date (YYYY-MM-DD)",
                        )),
                    },
                }
            }
            if let (Some(f), Some(t)) = (scope.start_from, scope.start_to) {
                if f > t {
                    errors.push(FieldError::at(
                        "/scope/start_to",
                        format!("{t} is before start_from {f}"),
                    ));
                }
            }
            if mode == Some(Mode::Upsert) {
                errors.push(FieldError::at("/scope", "only applies to mode \"replace\""));
            }
        }
        Some(_) => errors.push(FieldError::at("/scope", "must be an object")),
    }
    let allow_mass_delete = match obj.get("allow_mass_delete") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            errors.push(FieldError::at(
                "/allow_mass_delete",
                "must be true or false",
            ));
            false
        }
    };
    let mut sessions = Vec::new();
    match obj.get("sessions") {
        Some(Value::Array(items)) if items.len() > MAX_BATCH_SESSIONS => {
            errors.push(FieldError::at(
                "/sessions",
                format!(
                    "has {} sessions; at most {MAX_BATCH_SESSIONS} per batch",
                    items.len()
                ),
            ));
        }
        Some(Value::Array(items)) => {
            let mut seen: HashMap<String, usize> = HashMap::new();
            for (i, item) in items.iter().enumerate() {
                let at = format!("/sessions/{i}");
                if item.get("external_id").is_none_or(Value::is_null) && item.is_object() {
                    errors.push(FieldError::at(
                        format!("{at}/external_id"),
                        "is required in a batch",
                    ));
                }
                if let Some(fields) = session_fields(item, &at, ctx, &mut errors) {
                    if let Some(first) = seen.insert(fields.external_id.clone(), i) {
                        errors.push(FieldError::at(
                            format!("{at}/external_id"),
                            format!(
                                "'{}' already appears at /sessions/{first}",
                                fields.external_id
                            ),
                        ));
                    }
                    sessions.push(fields);
                }
            }
        }
        _ => errors.push(FieldError::at(
            "/sessions",
            "is required: an array of sessions",
        )),
    }
    if !errors.is_empty() {
        let bad_items: HashSet<&str> = errors
            .iter()
            .filter_map(|e| e.pointer.as_deref())
            .filter_map(|p| p.strip_prefix("/sessions/"))
            .filter_map(|p| p.split('/').next())
            .collect();
        return Err(ApiError::unprocessable(
            format!(
                "{} problem(s) in {} session(s); nothing was written",
                errors.len(),
                bad_items.len()
            ),
            errors,
        ));
    }
    Ok(ParsedBatch {
        mode: mode.unwrap_or(Mode::Upsert),
        scope,
        allow_mass_delete,
        sessions,
    })
}

/// Runs `work` at most once per Idempotency-Key, replaying the stored answer to retries.
async fn idempotent<T, F, Fut>(
    state: &AppState,
    principal: &Principal,
    key: Option<&str>,
    req: &Request,
    body: &[u8],
    work: F,
) -> Result<(u16, T), WriteError>
where
    T: ToJSON + ParseFromJSON,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(u16, T), ApiError>>,
{
    let Some(key) = key else {
        return work().await.map_err(WriteError::from);
    };
    let hash = idempotency::request_hash(req.method().as_str(), req.uri().path(), body);
    let claim = match idempotency::begin(
        &state.db,
        principal.key_id,
        key,
        &hash,
        state.settings.idempotency_ttl,
    )
    .await?
    {
        Begin::Replay { status, body } => {
            let value: Value =
                serde_json::from_str(&body).map_err(|e| WriteError::from(ApiError::internal(e)))?;
            if status < 300 {
                let parsed = T::parse_from_json(Some(value))
                    .map_err(|e| WriteError::from(ApiError::internal(e.into_message())))?;
                return Ok((status, parsed));
            }
            let problem: Problem = serde_json::from_value(value)
                .map_err(|e| WriteError::from(ApiError::internal(e)))?;
            return Err(problem.into());
        }
        Begin::Proceed(claim) => claim,
    };
    let result = work().await;
    let (status, stored) = match &result {
        Ok((status, v)) => (*status, v.to_json_string()),
        Err(e) => (
            e.status.as_u16(),
            serde_json::to_string(&e.to_problem(Some(req.uri().path().to_owned())))
                .unwrap_or_default(),
        ),
    };
    claim.finish(&state.db, status, stored).await?;
    result.map_err(WriteError::from)
}

pub struct SyncApi;

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Sync")]
impl SyncApi {
    /// Create or update a session
    ///
    /// Idempotent upsert of one session of the key's municipality, addressed by the
    /// municipality's own `external_id`. 201 when created, 200 when updated or
    /// unchanged (`Write-Result` says which; an unchanged write moves neither
    /// `updated_at` nor the change feed). With `Idempotency-Key`, a retry gets the
    /// first answer replayed.
    #[oai(
        path = "/municipalities/:code/sessions/:external_id",
        method = "put",
        operation_id = "putSession"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn put_session(
        &self,
        req: &Request,
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
        let (status, written) = idempotent(
            &state,
            &principal,
            idempotency_key.0.as_deref(),
            req,
            &body.bytes,
            || async {
                let ctx = context(&state.db, &code).await?;
                let mut value = body.value.clone();
                if let Some(obj) = value.as_object_mut() {
                    match obj.get("external_id") {
                        None | Some(Value::Null) => {
                            obj.insert("external_id".into(), Value::String(external_id.clone()));
                        }
                        Some(Value::String(s)) if *s == external_id => {}
                        Some(_) => {
                            return Err(ApiError::unprocessable(
                                "external_id in the body differs from the path",
                                vec![FieldError::at(
                                    "/external_id",
                                    format!(
                                        "must equal the path's '{external_id}' (or be left out)"
                                    ),
                                )],
                            ))
                        }
                    }
                }
                let mut errors = Vec::new();
                let fields = session_fields(&value, "", &ctx, &mut errors).ok_or_else(|| {
                    ApiError::unprocessable(
                        format!(
                            "{} problem(s) in the session; nothing was written",
                            errors.len()
                        ),
                        errors.clone(),
                    )
                })?;
                let written = write_sessions(
                    &state.db,
                    code.as_str(),
                    vec![fields],
                    Mode::Upsert,
                    Scope::default(),
                    false,
                )
                .await?;
                let (row, outcome) = written
                    .rows
                    .into_iter()
                    .next()
                    .ok_or_else(|| ApiError::internal("write returned no row"))?;
                let status = if outcome == Outcome::Created {
                    201
                } else {
                    200
                };
                Ok((
                    status,
                    WrittenSession {
                        outcome: outcome_name(outcome).to_owned(),
                        record: SessionRecord::from(row),
                    },
                ))
            },
        )
        .await?;
        let WrittenSession { outcome, record } = written;
        Ok(if status == 201 {
            let location = format!(
                "/v1/municipalities/{}/sessions/{}",
                code.as_str(),
                external_id
            );
            PutSessionResponse::Created(Json(record), location, outcome)
        } else {
            PutSessionResponse::Ok(Json(record), outcome)
        })
    }

    /// Read back an own session
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
            find_own(&state.db, code.as_str(), &external_id)
                .await?
                .into(),
        )))
    }

    /// Delete a session
    ///
    /// Removes the session; the change feed gets a tombstone (`op: delete`).
    #[oai(
        path = "/municipalities/:code/sessions/:external_id",
        method = "delete",
        operation_id = "deleteSession"
    )]
    async fn delete_session(
        &self,
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
        let (code, _) = authorize(&state, &auth, &code.0).await?;
        delete_session(&state.db, code.as_str(), &external_id).await?;
        Ok(DeleteSessionResponse::Deleted)
    }

    /// Write a batch of sessions
    ///
    /// Up to 10,000 sessions of one municipality in one transaction: all or nothing.
    /// Any invalid item gives a 422 listing every problem of every item by JSON
    /// pointer (`/sessions/7/end_date`), and nothing is written. `upsert` creates or
    /// updates the given sessions; `replace` also deletes the municipality's
    /// sessions (within `scope`, if given) that the batch does not contain — the
    /// nightly full sync. A replace that would delete more than half of the
    /// sessions in scope (and more than 20) needs `"allow_mass_delete": true`.
    #[oai(
        path = "/municipalities/:code/sessions/batch",
        method = "post",
        operation_id = "postSessionBatch"
    )]
    async fn post_batch(
        &self,
        req: &Request,
        state: poem::web::Data<&AppState>,
        auth: ApiKeyAuth,
        #[oai(example = "example_code", validator(pattern = "^[0-9]{4}$"))] code: Path<String>,
        /// Makes retries safe: the same key and body replay the first answer for 24 h.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        idempotency_key: Header<Option<String>>,
        body: RawJson<SessionBatch>,
    ) -> Result<BatchResponse, WriteError> {
        let (code, principal) = authorize(&state, &auth, &code.0).await?;
        let (_, result) = idempotent(
            &state,
            &principal,
            idempotency_key.0.as_deref(),
            req,
            &body.bytes,
            || async {
                let ctx = context(&state.db, &code).await?;
                let batch = parse_batch(&body.value, &ctx)?;
                let written = write_sessions(
                    &state.db,
                    code.as_str(),
                    batch.sessions,
                    batch.mode,
                    batch.scope,
                    batch.allow_mass_delete,
                )
                .await?;
                Ok((200, BatchResult::from(written.counts)))
            },
        )
        .await?;
        Ok(BatchResponse::Ok(Json(result)))
    }
}

fn outcome_name(o: Outcome) -> &'static str {
    match o {
        Outcome::Created => "created",
        Outcome::Updated => "updated",
        Outcome::Unchanged => "unchanged",
    }
}

fn example_code() -> String {
    "1980".into()
}

fn example_external_id() -> String {
    "VAS-2025-014".into()
}
