//! The API key as the OpenAPI document declares it; `store::keys` checks it.

use poem_openapi::auth::Bearer;
use poem_openapi::SecurityScheme;

/// `Authorization: Bearer <key>`; keys are created with `keys create`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "fst_…", rename = "ApiKey")]
pub struct ApiKeyAuth(pub Bearer);
