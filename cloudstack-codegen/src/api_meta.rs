//! How each API is sent and checked at run time, derived once from the spec: HTTP method, response kind,
//! each parameter's kind (with its map shape), length limit and secrecy, and the response's field names.
//!
//! The emitter writes these facts into `static` descriptions for compiled-in versions; a spec loaded at
//! run time (`cloudstack_api::Version::load`) turns the same facts into the same descriptions. Both
//! call the functions here, so a compiled-in version and the same spec loaded at run time behave alike.

use crate::maps::{MapShape, MapShapes};
use crate::naming::split_verb;
use crate::spec::{Api, Param, ParamType};

/// The run-time description of one API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFacts {
    /// Command name.
    pub name: String,
    /// Returns a job to poll.
    pub is_async: bool,
    /// Sent by GET (otherwise POST).
    pub get: bool,
    /// A `list*` API (its reply is `{"count":N,"<item>":[...]}`).
    pub list: bool,
    /// Parameters, sorted by name.
    pub params: Vec<ParamFacts>,
    /// Top-level response field names, sorted.
    pub fields: Vec<String>,
}

/// The run-time description of one parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamFacts {
    /// Wire name.
    pub name: String,
    /// Kind, with the map shape for maps.
    pub kind: ParamKind,
    /// Required by the server.
    pub required: bool,
    /// Length limit for text parameters.
    pub length: Option<u32>,
    /// A secret: never logged.
    pub sensitive: bool,
}

/// A parameter's kind as the runtime sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamKind {
    /// The dump's type, for every kind but maps and unknown types.
    Plain(ParamType),
    /// A map and its wire shape.
    Map(MapShape),
    /// Any other type: sent as text.
    Other,
}

/// The facts of `api`.
pub fn api_facts(api: &Api, maps: &MapShapes) -> ApiFacts {
    let mut fields: Vec<String> = api.response.iter().map(|f| f.name.clone()).collect();
    fields.sort();
    fields.dedup();
    ApiFacts {
        name: api.name.clone(),
        is_async: api.is_async,
        get: is_get(api),
        list: is_list(api),
        params: api.params.iter().map(|p| param_facts(api, p, maps)).collect(),
        fields,
    }
}

/// The facts of parameter `p` of `api`.
pub fn param_facts(api: &Api, p: &Param, maps: &MapShapes) -> ParamFacts {
    let kind = match &p.kind {
        ParamType::Map => ParamKind::Map(maps.shape(&api.name, &p.name).clone()),
        ParamType::Other(_) => ParamKind::Other,
        k => ParamKind::Plain(k.clone()),
    };
    ParamFacts {
        name: p.name.clone(),
        kind,
        required: p.required,
        length: length_limit(p),
        sensitive: is_sensitive(&p.name),
    }
}

/// The length limit of a text parameter: the dump's, or the server's default of 255.
pub fn length_limit(p: &Param) -> Option<u32> {
    match &p.kind {
        ParamType::String | ParamType::Other(_) => Some(p.length.unwrap_or(255)),
        _ => None,
    }
}

/// Whether a parameter carries a secret that must never be logged.
pub fn is_sensitive(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("password")
        || n.ends_with("pass")
        || n.ends_with("passwd")
        || matches!(
            n.as_str(),
            "privatekey"
                | "secretkey"
                | "usersecretkey"
                | "token"
                | "ipsecpsk"
                | "sessionkey"
                | "accesskey"
                | "signature"
        )
}

/// GET for read-only commands, POST for everything that changes state or carries secrets or user data.
pub fn is_get(api: &Api) -> bool {
    const GET_EXTRA: &[&str] = &[
        "quotaBalance",
        "quotaSummary",
        "quotaTariffList",
        "quotaStatement",
        "quotaIsEnabled",
        "readyForShutdown",
        "cloudianIsEnabled",
    ];
    let (verb, _) = split_verb(&api.name);
    let reads = matches!(verb, "list" | "get" | "query" | "find") || GET_EXTRA.contains(&api.name.as_str());
    let carries_secrets = api.params.iter().any(|p| is_sensitive(&p.name) || p.name == "userdata");
    reads && !carries_secrets && api.name != "login"
}

/// Whether the API's reply is a list.
pub fn is_list(api: &Api) -> bool {
    api.name.starts_with("list")
}
