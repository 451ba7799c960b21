//! Each operation's error responses, declared so that the OpenAPI document
//! lists exactly the statuses it can answer with.

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
