//! What runs beside the server: the CLI, the nightly sync client, demo data,
//! the SCB population import and fetch, and logging set-up.

pub mod audit;
pub mod cli;
pub mod demo_data;
pub mod population;
pub mod population_fetch;
pub mod population_import;
pub mod sync_client;
pub mod telemetry;
