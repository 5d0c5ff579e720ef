//! Errors of request construction and response decoding.

/// A request could not be built: caught before anything is sent.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A required parameter has no value (only possible through the dynamic interface).
    #[error("{api}: required parameter `{param}` is missing; set it before sending")]
    MissingParameter {
        /// Command name.
        api: &'static str,
        /// Parameter name.
        param: &'static str,
    },
    /// A string is longer than the server allows.
    #[error("{api}: parameter `{param}` is {length} characters long, the server allows at most {limit}; shorten it")]
    TooLong {
        /// Command name.
        api: &'static str,
        /// Parameter name.
        param: &'static str,
        /// Length in UTF-16 units (what the server counts).
        length: usize,
        /// The limit from the API description.
        limit: u32,
    },
    /// A value does not fit the parameter's type.
    #[error("{api}: parameter `{param}`: {reason}")]
    InvalidValue {
        /// Command name.
        api: &'static str,
        /// Parameter name.
        param: &'static str,
        /// What is wrong with the value.
        reason: String,
    },
    /// A parameter name that the API does not have (dynamic interface).
    #[error("{api}: no parameter named `{param}`{hint}")]
    UnknownParameter {
        /// Command name.
        api: &'static str,
        /// The name given.
        param: String,
        /// " (did you mean `x`?)" or empty.
        hint: String,
    },
    /// A value was stored under an index the API does not have (a bug in hand-written code).
    #[error("{api}: parameter index {index} does not exist")]
    UnknownParameterIndex {
        /// Command name.
        api: &'static str,
        /// The index.
        index: u16,
    },
}

/// A reply could not be decoded into the expected shape.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{api}: cannot decode the reply: {reason} (body starts with: {excerpt})")]
pub struct DecodeError {
    /// Command name.
    pub api: String,
    /// What did not match.
    pub reason: String,
    /// The first bytes of the body, for diagnosis.
    pub excerpt: String,
}

impl DecodeError {
    /// Creates an error with an excerpt of at most 200 characters of `body`.
    pub fn new(api: &str, reason: impl Into<String>, body: &str) -> Self {
        Self {
            api: api.to_string(),
            reason: reason.into(),
            excerpt: excerpt(body, 200),
        }
    }
}

/// The first `max` characters of `s`, with `…` when cut.
pub fn excerpt(s: &str, max: usize) -> String {
    let mut out: String = s.chars().take(max).collect();
    if s.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}
