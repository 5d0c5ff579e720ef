//! The template model, and the two ways to write one in Rust (a builder, and typed stacks).

pub mod builder;
pub mod template;
pub mod typed;
