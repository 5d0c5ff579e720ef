//! The operations a stack's life is made of, over the kernel (asked for as `crate::operation`
//! values): `create`, [`deletion`] (delete and rollback), [`durable`]
//! (resume, delete by name, continue a rollback), [`by_tags`] (a stack found by its tags) and
//! [`lifecycle`] (what every front-end shares: stack ids, plan options, a create planned once).

pub mod by_tags;
pub(crate) mod create;
pub mod deletion;
pub mod durable;
mod guest_services;
pub mod lifecycle;
