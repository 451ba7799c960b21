//! RFC 9457 problem details: the one error type, its wire form, and the
//! per-operation error enums that put every status into the OpenAPI document.

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::Object;
use serde::Serialize;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem: what went wrong, for people and for programs.
#[derive(Debug, Clone, Serialize, serde::Deserialize, Object)]
#[oai(example)]
pub struct Problem {
    /// An absolute URI naming the kind of problem (`…/problems/not-found`);
    /// stable, safe to branch on by its last segment. It resolves: a page
    /// (JSON with `Accept: application/json`) saying what it means and how
    /// to fix the request.
    #[oai(rename = "type")]
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request path.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// One entry per invalid field or parameter: the first 100 found.
    #[oai(skip_serializing_if_is_empty, default, validator(max_items = 100))]
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub errors: Vec<FieldError>,
    /// How many errors were found in all, when `errors` lists only the first 100.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error_count: Option<u64>,
}

impl poem_openapi::types::Example for Problem {
    fn example() -> Self {
        Self {
            kind: "/problems/validation".into(),
            title: "Invalid request body".into(),
            status: 422,
            detail: Some("2 sessions are invalid; nothing was written".into()),
            instance: Some("/v1/municipalities/1980/sessions/batch".into()),
            errors: vec![FieldError {
                pointer: Some("/sessions/7/end_date".into()),
                parameter: None,
                detail: "end_date 2025-01-01 is before start_date 2025-02-01".into(),
            }],
            error_count: None,
        }
    }
}

/// One invalid input: a JSON pointer into the body, or a query parameter's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, Object)]
pub struct FieldError {
    /// JSON pointer (RFC 6901) to the invalid value in the request body.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// Name of the invalid query or path parameter.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// Why it is invalid.
    pub detail: String,
}

impl FieldError {
    pub fn at(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            pointer: Some(pointer.into()),
            parameter: None,
            detail: detail.into(),
        }
    }
    pub fn param(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            pointer: None,
            parameter: Some(name.into()),
            detail: detail.into(),
        }
    }
}

/// The error every operation returns internally. Named constructors keep the
/// `type` URIs and titles consistent across the API.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub title: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// The number of errors found, when more than `errors` holds.
    pub error_count: Option<u32>,
    pub retry_after: Option<u64>,
    /// What failed inside the server: logged once when the response is
    /// made (`report`), never sent. Boxed: errors travel in every `Result`.
    pub cause: Option<Box<Cause>>,
}

/// The cause of a server error and the step that failed.
#[derive(Debug, Clone)]
pub struct Cause {
    /// The error with its source chain.
    pub text: String,
    /// Named where the step was taken (`Step::step`).
    pub step: Option<&'static str>,
}

/// `500 Internal server error: … (read the sessions: <cause>)`: what the
/// command line prints and the log records; a client sees only the problem.
impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.title, self.detail)?;
        match self.cause.as_deref() {
            Some(Cause {
                text,
                step: Some(step),
            }) => write!(f, " ({step}: {text})"),
            Some(Cause { text, step: None }) => write!(f, " ({text})"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for ApiError {}

/// Names the step a fallible operation was, so that its failure is logged
/// with it: `store::read(db).await.step("read the sessions")?`.
pub trait Step<T> {
    fn step(self, name: &'static str) -> Result<T, ApiError>;
}

impl<T, E: Into<ApiError>> Step<T> for Result<T, E> {
    fn step(self, name: &'static str) -> Result<T, ApiError> {
        self.map_err(|e| {
            let mut e: ApiError = e.into();
            // Only a server error has a cause to log; a client's error (a
            // 404 passing through the step) is answered as it is.
            if let Some(cause) = e.cause.as_deref_mut() {
                cause.step.get_or_insert(name);
            }
            e
        })
    }
}

/// An error and its sources, outermost first: `a: b: c`.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let _ = std::fmt::Write::write_fmt(&mut out, format_args!(": {s}"));
        source = s.source();
    }
    out
}

/// At most this many errors are listed in a problem: a batch of 10,000 bad
/// sessions once answered with 190,000 errors (13.9 MB), stored again for
/// every `Idempotency-Key`. The total is given in `error_count`.
pub const MAX_LISTED_ERRORS: usize = 100;

/// Seconds a client is asked to wait when the database is away: a restart
/// or failover takes a few; the pool reconnects on the next request.
pub const DATABASE_RETRY_AFTER: u64 = 2;

impl ApiError {
    pub fn new(
        status: StatusCode,
        kind: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            kind,
            title,
            detail: detail.into(),
            errors: vec![],
            error_count: None,
            retry_after: None,
            cause: None,
        }
    }
    pub fn with_errors(mut self, mut errors: Vec<FieldError>) -> Self {
        if errors.len() > MAX_LISTED_ERRORS {
            self.error_count = Some(u32::try_from(errors.len()).unwrap_or(u32::MAX));
            errors.truncate(MAX_LISTED_ERRORS);
        }
        self.errors = errors;
        self
    }
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "/problems/bad-request",
            "Bad request",
            detail,
        )
    }
    /// An aggregate whose answer would exceed `max` rows: refused before it
    /// is built, with the ways to narrow it.
    pub fn too_many_rows(max: usize) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "/problems/too-many-rows",
            "Too many rows",
            format!(
                "this question has more than the {max} rows one answer holds; \
                 narrow it: group by fewer fields, or filter by county, municipality, programme \
                 or a shorter period (year, from, to), and ask in parts"
            ),
        )
    }
    pub fn invalid_parameter(name: &str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        Self::new(
            StatusCode::BAD_REQUEST,
            "/problems/invalid-parameter",
            "Invalid query parameter",
            format!("{name}: {detail}"),
        )
        .with_errors(vec![FieldError::param(name, detail)])
    }
    /// Query parameters the operation does not declare: refused rather than
    /// ignored, since a typo (`Limit`, `yaer`) would answer as if absent.
    pub fn unknown_parameters(unknown: &[String], declared: &[String]) -> Self {
        let accepted = if declared.is_empty() {
            "This operation takes no query parameters.".to_owned()
        } else {
            format!("This operation accepts: {}.", declared.join(", "))
        };
        let errors = unknown
            .iter()
            .map(|name| {
                let hint = declared
                    .iter()
                    .find(|d| d.eq_ignore_ascii_case(name))
                    .map(|d| format!(" Names are case-sensitive: did you mean '{d}'?"))
                    .unwrap_or_default();
                FieldError::param(name, format!("is not a parameter of this operation.{hint}"))
            })
            .collect();
        let names: Vec<String> = unknown.iter().map(|n| format!("'{n}'")).collect();
        Self::new(
            StatusCode::BAD_REQUEST,
            "/problems/invalid-parameter",
            "Invalid query parameter",
            format!(
                "Received unknown parameter {}. {accepted}",
                names.join(", ")
            ),
        )
        .with_errors(errors)
    }
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "/problems/not-found",
            "Not found",
            detail,
        )
    }
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "/problems/unauthorized",
            "Missing or unknown API key",
            detail,
        )
    }
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "/problems/forbidden",
            "Not allowed for this API key",
            detail,
        )
    }
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "/problems/conflict",
            "Conflict",
            detail,
        )
    }
    /// A change-feed cursor from a history that no longer exists.
    pub fn cursor_expired(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::GONE,
            "/problems/cursor-expired",
            "Cursor no longer valid",
            detail,
        )
    }
    /// A well-formed municipality code in a query that names no municipality.
    pub fn unknown_municipality(code: &str) -> Self {
        Self::invalid_parameter("municipality", no_municipality(code))
    }
    pub fn unknown_county(code: &str) -> Self {
        Self::invalid_parameter("county", format!("no county with code {code}"))
    }
    pub fn unknown_programme(slug: &str) -> Self {
        Self::invalid_parameter("programme", no_programme(slug))
    }
    /// The municipality a path names does not exist.
    pub fn municipality_not_found(code: &str) -> Self {
        Self::not_found(no_municipality(code))
    }
    pub fn programme_not_found(slug: &str) -> Self {
        Self::not_found(no_programme(slug))
    }
    pub fn unprocessable(detail: impl Into<String>, errors: Vec<FieldError>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "/problems/validation",
            "Invalid request body",
            detail,
        )
        .with_errors(errors)
    }
    pub fn too_many_requests(retry_after: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "/problems/rate-limited",
            "Too many requests",
            format!("Rate limit exceeded; retry after {retry_after} s"),
        );
        e.retry_after = Some(retry_after);
        e
    }
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "/problems/unavailable",
            "Service unavailable",
            detail,
        )
    }
    /// The database is away (see [`database_away`]): 503 with
    /// `Retry-After`. Nothing was written: a write runs in one transaction,
    /// and one whose commit was not confirmed is retried safely with the
    /// same `Idempotency-Key`, which replays it if it did commit.
    pub fn database_unavailable(cause: impl std::fmt::Display) -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "/problems/database-unavailable",
            "Database unavailable",
            "The database did not answer (it may be restarting). Retry after the seconds \
             `Retry-After` gives; a write with the same Idempotency-Key, which applies it \
             exactly once.",
        );
        e.retry_after = Some(DATABASE_RETRY_AFTER);
        e.cause = Some(Box::new(Cause {
            text: cause.to_string(),
            step: None,
        }));
        e
    }

    /// Whether this is [`ApiError::database_unavailable`].
    pub fn is_database_unavailable(&self) -> bool {
        self.kind == "/problems/database-unavailable"
    }

    /// The database's and the server's internals are kept for the log,
    /// never sent.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let mut e = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "/problems/internal",
            "Internal server error",
            "The server failed; the error has been logged with the request id.",
        );
        e.cause = Some(Box::new(Cause {
            text: cause.to_string(),
            step: None,
        }));
        e
    }

    /// Logs a server error once, as its response is made: the step that
    /// failed and the cause with its sources, in the request's span. A 500
    /// is a bug ("internal error", at error level, what alerts watch); a 503
    /// is the database away or the time limit, which the client is told to
    /// retry: a warning, so that a database restart does not read as bugs.
    pub fn report(&self) {
        if !self.status.is_server_error() {
            return;
        }
        let cause = self.cause.as_deref();
        let step = cause.and_then(|c| c.step).unwrap_or("unnamed");
        let text = cause.map_or(self.detail.as_str(), |c| c.text.as_str());
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            tracing::warn!(
                status = 503,
                kind = self.kind,
                step,
                cause = text,
                "unavailable"
            );
        } else {
            tracing::error!(
                status = self.status.as_u16(),
                step,
                cause = text,
                "internal error"
            );
        }
    }

    pub fn to_problem(&self, instance: Option<String>) -> Problem {
        Problem {
            kind: self.kind.to_owned(),
            title: self.title.to_owned(),
            status: self.status.as_u16(),
            detail: Some(self.detail.clone()),
            instance,
            errors: self.errors.clone(),
            error_count: self.error_count.map(u64::from),
        }
    }
}

/// One wording for an unknown reference, wherever it is checked (parameters,
/// paths, body fields), so that clients can match it.
pub fn no_municipality(code: &str) -> String {
    format!("no municipality with code {code}")
}

pub fn no_programme(slug: &str) -> String {
    format!("no programme with slug '{slug}'")
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        if database_away(&e) {
            return Self::database_unavailable(chain(&e));
        }
        Self::internal(chain(&e))
    }
}

/// Whether `e` says the database could not be reached or dropped the
/// connection (PostgreSQL restarting, failing over, an operator's
/// `pg_terminate_backend`; a SQLite file locked past the busy timeout),
/// rather than that the statement was wrong: a moment later the same
/// request may well succeed.
pub fn database_away(e: &sea_orm::DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    use sea_orm::{DbErr, RuntimeErr};
    let sqlx = match e {
        // Whatever stopped a connection from being made or handed out.
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        _ => return false,
    };
    match sqlx {
        Sqlx::Io(_)
        | Sqlx::Tls(_)
        | Sqlx::Protocol(_)
        | Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed => true,
        Sqlx::Database(db) => {
            let code = db.code();
            let code = code.as_deref().unwrap_or_default();
            // PostgreSQL: class 08 connection exceptions; 57P01-57P03
            // admin or crash shutdown, cannot connect now. SQLite: 5
            // SQLITE_BUSY and 6 SQLITE_LOCKED, with their extended codes.
            code.starts_with("08")
                || matches!(code, "57P01" | "57P02" | "57P03")
                || matches!(code.parse::<i32>().map(|c| c & 0xff), Ok(5 | 6))
        }
        _ => false,
    }
}

impl From<sea_orm::TransactionError<ApiError>> for ApiError {
    fn from(e: sea_orm::TransactionError<ApiError>) -> Self {
        match e {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(api) => api,
        }
    }
}

pub fn problem_response(problem: &Problem, retry_after: Option<u64>) -> Response {
    let body = serde_json::to_vec(problem).unwrap_or_default();
    let mut resp = Response::builder()
        .status(StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .content_type(PROBLEM_JSON)
        .body(body);
    if let Some(secs) = retry_after {
        resp.headers_mut().insert("Retry-After", secs.into());
    }
    resp
}

impl poem::error::ResponseError for ApiError {
    fn status(&self) -> StatusCode {
        self.status
    }
    fn as_response(&self) -> Response {
        problem_response(&self.to_problem(None), self.retry_after)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.report();
        poem::error::ResponseError::as_response(&self)
    }
}

/// Declares an operation's error responses, so that the OpenAPI document lists
/// exactly the statuses the operation can answer with. A status the enum does
/// not name is a bug, logged and answered as 500.
#[macro_export]
macro_rules! error_responses {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $status:literal : $doc:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(poem_openapi::ApiResponse)]
        pub enum $name {
            $(
                #[doc = $doc]
                #[oai(status = $status, content_type = "application/problem+json")]
                $variant(poem_openapi::payload::Json<$crate::error::Problem>, #[oai(header = "Retry-After")] Option<u64>),
            )+
            /// The server failed; the cause is logged with the request id.
            #[oai(status = 500, content_type = "application/problem+json")]
            Internal(poem_openapi::payload::Json<$crate::error::Problem>),
            /// The database did not answer (it may be restarting) or the request took longer than its time limit; retry after `Retry-After` (a write with the same `Idempotency-Key`: it is applied exactly once).
            #[oai(status = 503, content_type = "application/problem+json")]
            Unavailable(poem_openapi::payload::Json<$crate::error::Problem>, #[oai(header = "Retry-After")] Option<u64>),
        }

        impl From<$crate::error::ApiError> for $name {
            fn from(e: $crate::error::ApiError) -> Self {
                let problem = e.to_problem(None);
                match e.status.as_u16() {
                    $($status => Self::$variant(poem_openapi::payload::Json(problem), e.retry_after),)+
                    500 => {
                        e.report();
                        Self::Internal(poem_openapi::payload::Json(problem))
                    }
                    503 => {
                        e.report();
                        Self::Unavailable(poem_openapi::payload::Json(problem), e.retry_after)
                    }
                    other => {
                        let mut internal = $crate::error::ApiError::internal(format!(
                            "status {other} not declared for this operation: {e}"
                        ));
                        if let (Some(c), Some(step)) = (internal.cause.as_deref_mut(), e.cause.as_deref().and_then(|c| c.step)) {
                            c.step = Some(step);
                        }
                        internal.report();
                        Self::Internal(poem_openapi::payload::Json(internal.to_problem(None)))
                    }
                }
            }
        }

        impl From<$crate::error::Problem> for $name {
            /// Rebuilds a stored problem (an idempotent replay) as this operation's error.
            fn from(p: $crate::error::Problem) -> Self {
                match p.status {
                    $($status => Self::$variant(poem_openapi::payload::Json(p), None),)+
                    503 => Self::Unavailable(poem_openapi::payload::Json(p), None),
                    _ => Self::Internal(poem_openapi::payload::Json(p)),
                }
            }
        }

        impl From<sea_orm::DbErr> for $name {
            fn from(e: sea_orm::DbErr) -> Self {
                $crate::error::ApiError::from(e).into()
            }
        }
    };
}

error_responses!(
    /// Errors of a read of one resource.
    LookupError {
        BadRequest = 400: "A query or path parameter is malformed.",
        Unauthorized = 401: "An `Authorization` header whose key is unknown or revoked (reads need none).",
        NotFound = 404: "No such resource.",
        TooManyRequests = 429: "Rate limit exceeded; see `Retry-After`.",
    }
);

error_responses!(
    /// Errors of a list or aggregate read.
    ListError {
        BadRequest = 400: "A query parameter is malformed, the cursor belongs to another query, or an aggregate's answer would hold more rows than `max_reach_rows` in `/v1/api-info` (`/problems/too-many-rows`).",
        Unauthorized = 401: "An `Authorization` header whose key is unknown or revoked (reads need none).",
        TooManyRequests = 429: "Rate limit exceeded; see `Retry-After`.",
    }
);

error_responses!(
    /// Errors of a write by a municipal system or an admin.
    WriteError {
        BadRequest = 400: "A header, parameter or the body is malformed (not JSON, bad Idempotency-Key).",
        Unauthorized = 401: "No API key, or an unknown or revoked one.",
        Forbidden = 403: "The key may not write here (another municipality, or not admin).",
        NotFound = 404: "No such municipality or session.",
        Conflict = 409: "A request with the same Idempotency-Key is still being processed.",
        PayloadTooLarge = 413: "The body, decoded, exceeds the size limit in `/v1/api-info` (or a compressed body inflates more than its ratio allows).",
        UnsupportedMediaType = 415: "The body is not `application/json`.",
        Unprocessable = 422: "The body is invalid (the first 100 invalid fields are listed in `errors`, all of them counted in `error_count` when there are more), or the Idempotency-Key was used with another request.",
        TooManyRequests = 429: "Rate limit exceeded; see `Retry-After`.",
    }
);

error_responses!(
    /// Errors of a read that only an admin key may make.
    AdminReadError {
        BadRequest = 400: "A query parameter is malformed, or the cursor belongs to another query.",
        Unauthorized = 401: "No API key, or an unknown or revoked one.",
        Forbidden = 403: "The key is not an admin key.",
        TooManyRequests = 429: "Rate limit exceeded; see `Retry-After`.",
    }
);
