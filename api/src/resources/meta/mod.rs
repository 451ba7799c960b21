//! About the service itself: `/v1/api-info` and the operational endpoints.

pub mod api_info;
pub mod ops;
