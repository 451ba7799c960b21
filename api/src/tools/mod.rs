//! What runs beside the server: the CLI, the nightly sync client, demo data,
//! the SCB population import and fetch, the Kolada outcomes import and fetch, and logging set-up.

pub mod audit;
pub mod cli;
pub mod demo_data;
pub mod outcomes;
pub mod outcomes_fetch;
pub mod outcomes_import;
pub mod population;
pub mod population_fetch;
pub mod population_import;
pub mod retry;
pub mod sync_client;
pub mod telemetry;
