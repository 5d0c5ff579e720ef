//! Template text to JSON values, strictly (JSON and YAML), within the limits.

pub mod key_order;
pub mod limits;
pub mod reader;
pub mod yaml;
