//! RFC 9457 problem details: the one error type, its wire form, and the
//! per-operation error enums that put every status into the OpenAPI document.

mod database;
mod problem;
mod responses;

use poem::http::StatusCode;
use poem::{IntoResponse, Response};

pub use self::database::database_away;
pub use self::problem::{FieldError, Problem, PROBLEM_JSON};
pub use self::responses::{AdminReadError, ListError, LookupError, WriteError};

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
