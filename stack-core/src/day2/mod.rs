//! Day-2 operations on a stack that exists: [`update`] (in place, replacement, stack policies,
//! rollback), [`change_set`] (an update described, stored, run later), [`drift`] (the cloud
//! compared with the state) and [`import`] (resources made elsewhere taken into a stack).

pub mod change_set;
pub mod drift;
pub mod import;
pub mod update;
