//! Values: parameters resolved against their declarations, and intrinsic functions evaluated.

pub mod intrinsics;
pub mod parameters;
