//! Aggregated reach over counted sessions, with disclosure control.

pub mod rollup;
