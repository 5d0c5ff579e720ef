//! The kernel: the engine and what one run of it is made of. One graph walker ([`walk`]), what
//! visiting a resource means (`visits`), one resource's create and delete by kind (`step`,
//! `participant`, `wait_condition`, [`custom`], `quirks`), and around every call the one retry
//! policy ([`retry`]), the stack's tags (`tagging`), write-ahead records, locks and events
//! (`recording`, `masked_records`, reported as `crate::events`) and what a lost call made ([`recovery`]); what a run
//! gives back ([`run`], [`resource_error`]). Nothing here knows an operation's name: the
//! operations (`crate::operations`) and day-2 work (`crate::day2`) drive it.

pub mod custom;
pub mod engine;
pub(crate) mod masked_records;
pub(crate) mod participant;
pub(crate) mod quirks;
pub(crate) mod recording;
pub mod recovery;
pub mod resource_error;
pub mod retry;
pub mod run;
pub(crate) mod step;
pub(crate) mod tagging;
pub(crate) mod visits;
pub(crate) mod wait_condition;
pub mod walk;
