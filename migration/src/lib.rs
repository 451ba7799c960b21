//! Schema and reference data, one source of truth for SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_schema;
mod m20261126_000002_reference_data;
mod m20261126_000003_offer_rollup;
mod m20261127_000004_population_series;
mod m20261127_000004_programme_catalogue;
mod m20261127_000005_audit_log;
mod m20261127_000006_api_key_last_use;
mod m20261127_000007_session_filter_indexes;
mod m20261127_000008_delivery_and_language_in_the_municipality_index;
mod m20261205_000009_cell_keys;
mod m20261205_000010_outcome_series;
mod m20261205_000011_session_details;
pub mod reference_data;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_schema::Migration),
            Box::new(m20261126_000002_reference_data::Migration),
            Box::new(m20261126_000003_offer_rollup::Migration),
            Box::new(m20261127_000004_programme_catalogue::Migration),
            Box::new(m20261127_000004_population_series::Migration),
            Box::new(m20261127_000005_audit_log::Migration),
            Box::new(m20261127_000006_api_key_last_use::Migration),
            Box::new(m20261127_000007_session_filter_indexes::Migration),
            Box::new(m20261127_000008_delivery_and_language_in_the_municipality_index::Migration),
            Box::new(m20261205_000009_cell_keys::Migration),
            Box::new(m20261205_000010_outcome_series::Migration),
            Box::new(m20261205_000011_session_details::Migration),
        ]
    }
}
