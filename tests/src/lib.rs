//! Shared pieces of the workspace-level tests: an independent implementation of CloudStack's
//! signature rules, and a fake CloudStack endpoint that verifies signatures and answers with canned
//! replies; and the secrets scan the CLI's and the service's tests both run.

pub mod fake_cloud;
pub mod java_rules;
pub mod secret_scan;
