//! A JSON response body written once, straight from the wire type.
//!
//! poem-openapi's `Json<T>` turns `T` into a `serde_json::Value` tree and
//! then writes the tree out: an allocation per field of every row of a page,
//! made only to be thrown away. `JsonBody<T>` documents the same schema (T's)
//! but serializes `T` with serde directly. The wire types that use it derive
//! `Serialize` to the very shape their `ToJSON` gives (a unit test per type
//! holds the two equal); only the order of the keys differs: serde writes
//! them in the schema's order, `ToJSON` in alphabetical order.

use poem::{IntoResponse, Response};
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use poem_openapi::ApiResponse;
use serde::Serialize;

use crate::error::ApiError;

pub struct JsonBody<T>(pub T);

const CONTENT_TYPE: &str = "application/json; charset=utf-8";

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = CONTENT_TYPE;

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

/// About how many bytes a value's JSON takes: the buffer it is written into
/// starts that large. A 5 MB reach answer written into a buffer that grew as
/// it went was copied through a dozen smaller ones, the pages of each touched
/// anew; into one sized ahead it was served (uncached) at 28.5/28.9 instead
/// of 25.3/26.1 req/s. A low guess costs a copy, a high one memory never
/// touched.
pub trait EncodedSize {
    fn encoded_size(&self) -> usize;
}

impl<T: Serialize + EncodedSize + Send> IntoResponse for JsonBody<T> {
    fn into_response(self) -> Response {
        let mut bytes = Vec::with_capacity(self.0.encoded_size());
        match serde_json::to_writer(&mut bytes, &self.0) {
            Ok(()) => Response::builder().content_type(CONTENT_TYPE).body(bytes),
            Err(e) => ApiError::internal(e).into_response(),
        }
    }
}

impl<T: Type + Serialize + EncodedSize + Send> ApiResponse for JsonBody<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: <Self as Payload>::CONTENT_TYPE,
                    schema: <Self as Payload>::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

/// Instants as poem-openapi writes them (`to_rfc3339`: `+00:00`, not `Z`),
/// so a value reads the same as what `Json<T>` would have made.
pub fn rfc3339<S: serde::Serializer>(
    t: &chrono::DateTime<chrono::Utc>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339())
}

/// Asserts that `value`'s [`EncodedSize`] is at least its JSON's size and
/// less than twice it (for tests).
#[cfg(test)]
pub fn assert_size_hint<T: Serialize + EncodedSize>(value: &T) {
    let (hint, size) = (
        value.encoded_size(),
        serde_json::to_vec(value).expect("serialize").len(),
    );
    assert!(
        size <= hint && hint < 2 * size,
        "hint {hint} for {size} bytes"
    );
}

/// Asserts that `value` serializes to what its `ToJSON` says (for tests).
#[cfg(test)]
pub fn assert_same_json<T: Serialize + poem_openapi::types::ToJSON>(value: &T) {
    let ours: serde_json::Value =
        serde_json::from_slice(&serde_json::to_vec(value).expect("serialize")).expect("parse");
    assert_eq!(Some(ours), value.to_json());
}
