//! The integration tests, through HTTP, as one binary: the api, poem and
//! sea-orm stack is linked once rather than once per file.

mod helpers;

mod audit;
mod backup;
mod bulk_formats;
mod calendar;
mod catalog;
mod change_feed;
mod demo_data;
mod docs_links;
mod error_log;
mod error_voice;
mod evaluation;
mod hardening;
mod home_county;
mod http_conventions;
mod indicators;
mod layers;
mod migrations;
mod municipality_page;
mod openapi_contract;
mod operations;
mod outcomes;
mod outcomes_fetch;
mod page;
mod population;
mod population_fetch;
mod population_import;
mod population_rates;
mod programme_catalogue;
mod programme_catalogue_writes;
mod programme_page;
mod reach;
mod reference_data;
mod response_cache;
mod session_details;
mod sessions_filters;
mod sessions_paging;
mod smoke;
mod steering_figures;
mod support_finder;
mod sync_client;
mod sync_writes;
mod unknown_parameters;
mod xlsx_downloads;
