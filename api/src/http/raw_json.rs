//! A JSON request body kept raw, so validation can report every problem with
//! a JSON pointer and idempotency can hash the exact bytes, while the OpenAPI
//! document still shows the schema of `T`.

use std::marker::PhantomData;

use poem::{Request, RequestBody, Result};
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use serde_json::Value;

use crate::error::ApiError;

pub struct RawJson<T> {
    pub value: Value,
    pub bytes: Vec<u8>,
    _schema: PhantomData<T>,
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
        let bytes = body
            .take()?
            .into_vec()
            .await
            .map_err(|e| ApiError::bad_request(format!("cannot read the request body: {e}")))?;
        let value = serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::bad_request(format!("the request body is not valid JSON: {e}"))
        })?;
        Ok(Self {
            value,
            bytes,
            _schema: PhantomData,
        })
    }
}

poem_openapi::impl_apirequest_for_payload!(RawJson<T>, T: Type);
