//! Codes in a query resolved against the catalogues. A well-formed but
//! unknown code is a client error that names it, not an empty answer.

use entity::municipality;

use crate::error::ApiError;
use crate::store::catalogue::Catalogues;

/// The municipality with `code`, else the client error that names it.
pub fn known_municipality<'a>(
    cat: &'a Catalogues,
    code: &str,
) -> Result<&'a municipality::Model, ApiError> {
    cat.municipality(code).ok_or_else(|| {
        ApiError::invalid_parameter("municipality", format!("no municipality with code {code}"))
    })
}

/// The municipalities of county `code` (never none), else the client error that names it.
pub fn county_members<'a>(
    cat: &'a Catalogues,
    code: &str,
) -> Result<Vec<&'a municipality::Model>, ApiError> {
    let members: Vec<_> = cat
        .municipalities
        .iter()
        .filter(|m| m.county_code == code)
        .collect();
    if members.is_empty() {
        return Err(ApiError::invalid_parameter(
            "county",
            format!("no county with code {code}"),
        ));
    }
    Ok(members)
}
