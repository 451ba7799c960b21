//! Persistence shared by several resources. No HTTP here: these functions
//! take a connection or transaction and return stored models.

pub mod audit;
pub mod breaker;
pub mod checkpoint;
pub mod db;
pub mod feed;
pub mod holdings;
pub mod idempotency;
pub mod keys;
pub mod memo;
pub mod population;
pub mod reference;
pub mod rollup;
pub mod version;
