//! Static descriptions of APIs and their parameters, emitted by the generator as `static` items.
//!
//! Everything the runtime needs to build, validate and decode a call is data here, so the generated code
//! stays small: the logic lives once in this crate, not once per API.

/// How a request is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// Query string (read-only APIs: list/get/query/find...).
    Get,
    /// `application/x-www-form-urlencoded` body (everything that changes state or carries secrets).
    Post,
}

/// The shape of an API's reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseKind {
    /// `{"count":N,"<item>":[...]}` (or `{}` when empty).
    List,
    /// One object, flat or wrapped in its object name.
    Object,
}

/// One API (command) of one CloudStack version.
#[derive(Debug)]
#[non_exhaustive]
pub struct ApiMeta {
    /// Command name as sent on the wire, e.g. `deployVirtualMachine`.
    pub name: &'static str,
    /// Whether the command returns a job id to poll.
    pub is_async: bool,
    /// GET or POST.
    pub method: HttpMethod,
    /// List or single object.
    pub response: ResponseKind,
    /// Parameters sorted by name.
    pub params: &'static [ParamMeta],
    /// Names of the response attributes (of one item for lists), sorted.
    pub fields: &'static [&'static str],
}

impl ApiMeta {
    /// Creates a description; used by generated code.
    #[allow(clippy::too_many_arguments)]
    pub const fn new(
        name: &'static str,
        is_async: bool,
        method: HttpMethod,
        response: ResponseKind,
        params: &'static [ParamMeta],
        fields: &'static [&'static str],
    ) -> Self {
        Self {
            name,
            is_async,
            method,
            response,
            params,
            fields,
        }
    }

    /// Finds a parameter by exact name.
    pub fn param(&self, name: &str) -> Option<&'static ParamMeta> {
        self.params
            .binary_search_by(|p| p.name.cmp(name))
            .ok()
            .map(|i| &self.params[i])
    }

    /// Finds a parameter by name, ignoring ASCII case (the server dispatches names case-insensitively).
    pub fn param_ignore_case(&self, name: &str) -> Option<&'static ParamMeta> {
        self.param(name)
            .or_else(|| self.params.iter().find(|p| p.name.eq_ignore_ascii_case(name)))
    }

    /// The index of a parameter in [`ApiMeta::params`].
    pub fn param_index(&self, name: &str) -> Option<usize> {
        self.params.binary_search_by(|p| p.name.cmp(name)).ok()
    }

    /// The lowercase command name the server uses in its envelope and messages (`deployvirtualmachine`).
    pub fn lowercase_name(&self) -> String {
        self.name.to_ascii_lowercase()
    }
}

/// How a `map` parameter's input becomes indexed `name[i].field=value` wire parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MapShape {
    /// Each (K, V) pair is one entry: `name[i].<key>=K&name[i].<value>=V`.
    Pairs {
        /// Field name for the pair's first element (`key`, `service`, `account`, ...).
        key: &'static str,
        /// Field name for the pair's second element (`value`, `provider`, `group`, ...).
        value: &'static str,
    },
    /// All pairs are fields of entry 0: `name[0].K=V`.
    Flat,
    /// A list of entries, each with its own fields: `name[i].field=value`.
    Entries,
}

/// The type of a request parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamKind {
    /// `true`/`false`.
    Boolean,
    /// 16-bit integer.
    Short,
    /// 32-bit integer.
    Integer,
    /// 64-bit integer.
    Long,
    /// 32-bit float.
    Float,
    /// 64-bit float.
    Double,
    /// A resource id: a UUID or, for older parameters, an internal number.
    Uuid,
    /// `yyyy-MM-dd` (some APIs also take `yyyy-MM-dd HH:mm:ss`).
    Date,
    /// A timestamp with zone, ISO 8601.
    TzDate,
    /// Comma-joined list.
    List,
    /// Indexed map of the given shape.
    Map(MapShape),
    /// Text, limited to [`ParamMeta::length`] UTF-16 units.
    String,
    /// Any other type the dump names; sent as text.
    Other,
}

impl ParamKind {
    /// The dump's name for this type.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Boolean => "boolean",
            Self::Short => "short",
            Self::Integer => "integer",
            Self::Long => "long",
            Self::Float => "float",
            Self::Double => "double",
            Self::Uuid => "uuid",
            Self::Date => "date",
            Self::TzDate => "tzdate",
            Self::List => "list",
            Self::Map(_) => "map",
            Self::String => "string",
            Self::Other => "object",
        }
    }
}

/// One request parameter of an API.
#[derive(Debug)]
#[non_exhaustive]
pub struct ParamMeta {
    /// Name exactly as sent.
    pub name: &'static str,
    /// Type.
    pub kind: ParamKind,
    /// Required by the server.
    pub required: bool,
    /// Maximum length for strings, when the dump gives one (the server's default is 255).
    pub length: Option<u32>,
    /// Whether the value is a secret (passwords, private keys, tokens): never logged or shown in `Debug`.
    pub sensitive: bool,
}

impl ParamMeta {
    /// Creates a description; used by generated code.
    pub const fn new(
        name: &'static str,
        kind: ParamKind,
        required: bool,
        length: Option<u32>,
        sensitive: bool,
    ) -> Self {
        Self {
            name,
            kind,
            required,
            length,
            sensitive,
        }
    }
}

/// One attribute of an API response, with its nested attributes.
#[derive(Debug)]
#[non_exhaustive]
pub struct AttributeMeta {
    /// Name as the server writes it.
    pub name: &'static str,
    /// The dump's type name (`string`, `long`, `set`, ...).
    pub kind: &'static str,
    /// Nested attributes of `set`/`list` items.
    pub children: &'static [AttributeMeta],
}

impl AttributeMeta {
    /// Creates a description; used by generated code.
    pub const fn new(name: &'static str, kind: &'static str, children: &'static [AttributeMeta]) -> Self {
        Self { name, kind, children }
    }
}

/// Finds an API by exact name in a table sorted by name.
pub fn find_api(table: &[&'static ApiMeta], name: &str) -> Option<&'static ApiMeta> {
    table.binary_search_by(|a| a.name.cmp(name)).ok().map(|i| table[i])
}
