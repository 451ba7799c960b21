//! A JSON request body kept raw, so validation can report every problem with
//! a JSON pointer and idempotency can hash the exact bytes, while the OpenAPI
//! document still shows the schema of `T`.
//!
//! Extracting it reads nothing: the handler checks the key first and then
//! calls [`RawJson::read`], so an anonymous or unauthorised request never
//! makes the server decompress, buffer or parse a body.

use std::marker::PhantomData;

use poem::error::ReadBodyError;
use poem::{Body, Request, RequestBody, Result};
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use serde_json::Value;

use crate::error::ApiError;
use crate::http::body_limit::too_large_cause;

pub struct RawJson<T> {
    body: Body,
    _schema: PhantomData<T>,
}

/// A body read and parsed: its JSON value and the exact bytes sent.
pub struct JsonBytes {
    pub value: Value,
    pub bytes: Vec<u8>,
}

impl<T> RawJson<T> {
    /// Reads and parses the body (bounded by `body_limit`): 413 past the
    /// limit, 400 when it is not JSON or the connection broke.
    pub async fn read(self) -> Result<JsonBytes, ApiError> {
        let bytes = self.body.into_vec().await.map_err(|e| match &e {
            ReadBodyError::Io(io) => match too_large_cause(io) {
                Some(too_large) => ApiError::from(too_large),
                None => ApiError::bad_request(format!("cannot read the request body: {io}")),
            },
            _ => ApiError::bad_request(format!("cannot read the request body: {e}")),
        })?;
        let value = serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::bad_request(format!("the request body is not valid JSON: {e}"))
        })?;
        Ok(JsonBytes { value, bytes })
    }
}

impl<T: Type> Payload for RawJson<T> {
    const CONTENT_TYPE: &'static str = "application/json";

    fn check_content_type(content_type: &str) -> bool {
        matches!(content_type.parse::<mime::Mime>(), Ok(m) if m.type_() == "application" && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json")))
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type> ParsePayload for RawJson<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(_request: &Request, body: &mut RequestBody) -> Result<Self> {
        Ok(Self {
            body: body.take()?,
            _schema: PhantomData,
        })
    }
}

poem_openapi::impl_apirequest_for_payload!(RawJson<T>, T: Type);
