//! Hand-written models of the objects stacks and common clients use, one module per object.

pub mod address;
pub mod keypair;
pub mod network;
pub mod security_group;
pub mod tag;
pub mod vm;
pub mod volume;
