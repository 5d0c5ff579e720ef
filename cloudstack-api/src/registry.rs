//! [`Version`]: the APIs and participants of one CloudStack release, compiled in or loaded at run time.

use cloudstack_client::{ApiMeta, ParticipantSpec};

/// Where a [`Version`]'s tables come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Generated at build time: the release's typed bindings are compiled in (its cargo feature is on).
    Compiled,
    /// Built at run time from a spec: a listApis dump, a facts spec, or a cloud's own `listApis`.
    Loaded,
}

/// One CloudStack release: every API and every participant, with the facts spec they come from.
///
/// Compiled-in releases are in [`crate::VERSIONS`]; any other release is loaded at run time with
/// [`Version::load`] (see [`crate::specs`]). Both kinds have the same tables, derived by the same code
/// in `cloudstack-codegen`, so the engine cannot tell them apart.
#[derive(Debug)]
pub struct Version {
    /// The release, e.g. `4.17` (for a cloud's own spec: its `cloudstackversion`).
    pub version: &'static str,
    /// Every API, sorted by command name.
    pub apis: &'static [&'static ApiMeta],
    /// Every participant, sorted by type name.
    pub participants: &'static [ParticipantSpec],
    /// The canonical facts spec of these tables (what the state store keeps to plan a stack again).
    pub facts: &'static str,
    /// Lowercase hex sha256 of [`Version::facts`]: the identity of this API surface.
    pub facts_sha256: &'static str,
    /// Compiled in or loaded.
    pub origin: Origin,
}

impl Version {
    /// A compiled-in release; used by the generated version table.
    pub const fn compiled(
        version: &'static str,
        apis: &'static [&'static ApiMeta],
        participants: &'static [ParticipantSpec],
        facts: &'static str,
        facts_sha256: &'static str,
    ) -> Self {
        Self {
            version,
            apis,
            participants,
            facts,
            facts_sha256,
            origin: Origin::Compiled,
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

/// The compiled-in release `v` (`"4.17"`), if its feature is enabled. [`crate::specs::release`] also
/// finds the releases whose facts ship with the crate without compiled bindings.
pub fn version(v: &str) -> Option<&'static Version> {
    crate::VERSIONS.iter().find(|x| x.version == v)
}

/// The newest compiled-in release.
pub fn latest() -> Option<&'static Version> {
    crate::VERSIONS.last()
}
