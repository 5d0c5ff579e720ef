//! Looking versions, APIs and participants up by name at run time.

use cloudstack_client::{ApiMeta, ParticipantSpec};

/// One CloudStack version compiled into this crate.
#[derive(Debug)]
pub struct Version {
    /// The version, e.g. `4.17`.
    pub version: &'static str,
    /// Every API, sorted by command name.
    pub apis: &'static [&'static ApiMeta],
    /// Every participant, sorted by type name.
    pub participants: &'static [ParticipantSpec],
}

impl Version {
    /// Used by the generated version table.
    pub const fn new(
        version: &'static str,
        apis: &'static [&'static ApiMeta],
        participants: &'static [ParticipantSpec],
    ) -> Self {
        Self {
            version,
            apis,
            participants,
        }
    }

    /// Finds an API by exact command name.
    pub fn api(&self, name: &str) -> Option<&'static ApiMeta> {
        cloudstack_client::meta::find_api(self.apis, name)
    }

    /// Finds an API by command name ignoring case, as the server dispatches commands.
    pub fn api_ignore_case(&self, name: &str) -> Option<&'static ApiMeta> {
        self.api(name)
            .or_else(|| self.apis.iter().copied().find(|a| a.name.eq_ignore_ascii_case(name)))
    }

    /// Finds a participant by type name (`CloudStack::VirtualMachine`).
    pub fn participant(&self, type_name: &str) -> Option<&'static ParticipantSpec> {
        cloudstack_client::participant::find(self.participants, type_name)
    }
}

/// The compiled-in version `v` (`"4.17"`), if its feature is enabled.
pub fn version(v: &str) -> Option<&'static Version> {
    crate::VERSIONS.iter().find(|x| x.version == v)
}

/// The newest compiled-in version.
pub fn latest() -> Option<&'static Version> {
    crate::VERSIONS.last()
}
