//! The `{year}` path parameter: documented as an integer 1968–2100, checked
//! by the handler. poem-openapi names a path segment that fails to parse by
//! its internal index (`param1`), so `Path<i32>` would answer `/population/x`
//! with a problem naming no parameter; this type takes the text as it comes
//! and the handler reports a 400 that names `year`.

use std::borrow::Cow;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseFromParameter, ParseResult, ToJSON, Type};
use serde_json::Value;

use crate::error::ApiError;
use crate::store::population::YEARS;

pub struct YearParam(String);

impl YearParam {
    pub fn example() -> Self {
        Self("2018".into())
    }

    /// The year, or a 400 naming `year`.
    pub fn parse(&self) -> Result<i32, ApiError> {
        let (lo, hi) = (YEARS.start(), YEARS.end());
        match self.0.parse::<i32>() {
            Ok(y) if YEARS.contains(&y) => Ok(y),
            _ => Err(ApiError::invalid_parameter(
                "year",
                format!("'{}' is not a year in {lo}..={hi}", self.0),
            )),
        }
    }
}

impl Type for YearParam {
    const IS_REQUIRED: bool = true;
    type RawValueType = String;
    type RawElementValueType = String;

    fn name() -> Cow<'static, str> {
        "integer(int32)".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            minimum: Some(f64::from(*YEARS.start())),
            maximum: Some(f64::from(*YEARS.end())),
            ..MetaSchema::new_with_format("integer", "int32")
        }))
    }

    fn as_raw_value(&self) -> Option<&String> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a String> + 'a> {
        Box::new(std::iter::once(&self.0))
    }
}

impl ParseFromParameter for YearParam {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        Ok(Self(value.to_owned()))
    }
}

impl ToJSON for YearParam {
    fn to_json(&self) -> Option<Value> {
        Some(self.0.parse::<i64>().map_or(Value::Null, Value::from))
    }
}
