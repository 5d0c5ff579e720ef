//! Shared pieces of the workspace-level tests: an independent implementation of CloudStack's
//! signature rules, and a fake CloudStack endpoint that verifies signatures and answers with canned
//! replies.

pub mod fake_cloud;
pub mod java_rules;
