use poem_openapi::Tags;

#[derive(Tags)]
pub enum ApiTags {
    /// The 290 Swedish municipalities and each one's population series (SCB figures, year by year).
    Municipalities,
    /// The catalogue of parenting-support programmes (methods).
    Programmes,
    /// Rounds of a programme delivered or planned by a municipality.
    Sessions,
    /// Writes by municipal systems (API key): single sessions, batches, nightly full sync.
    Sync,
    /// Every create, update and delete, in commit order.
    Changes,
    /// Aggregated reach and the decision's indicators, with disclosure control.
    Statistics,
    /// The decision's long-term effects and the outcome statistics (Kolada) that may serve them.
    Outcomes,
    /// Who wrote what and when (admin key only; never public, never cached).
    Audit,
    /// About this API: version, licence, limits.
    Meta,
}
