//! What runs beside the server: the CLI, the nightly sync client, demo data
//! and logging set-up.

pub mod cli;
pub mod demo_data;
pub mod population;
pub mod sync_client;
pub mod telemetry;
