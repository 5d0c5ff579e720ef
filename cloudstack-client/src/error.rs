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

/// What the server said when it refused a call (`{"<cmd>response":{"errorcode":..,"cserrorcode":..,"errortext":..}}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// Command name.
    pub api: String,
    /// HTTP status of the reply.
    pub http_status: u16,
    /// `errorcode` (CloudStack's ApiErrorCode: 431 parameter error, 530 internal, 536 in use, ...).
    pub errorcode: u16,
    /// `cserrorcode` (CSExceptionErrorCode, e.g. 4350), when the server sent one.
    pub cserrorcode: Option<u32>,
    /// `errortext`.
    pub errortext: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} failed with error {}", self.api, self.errorcode)?;
        if let Some(cs) = self.cserrorcode {
            write!(f, " (cserrorcode {cs})")?;
        }
        write!(f, ": {}", self.errortext)
    }
}

/// Every way a call can fail. Construction, transport, timeout, bad response and service errors are
/// separate variants, so callers can decide what to retry.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request was invalid before anything was sent.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The client is not configured correctly.
    #[error("client configuration: {0}")]
    Config(String),
    /// The server could not be reached or the connection broke.
    #[error("{api}: cannot reach {endpoint}: {message}. Check the endpoint URL and that the server is up")]
    Transport {
        /// Command name.
        api: String,
        /// The endpoint.
        endpoint: String,
        /// What went wrong.
        message: String,
        /// True when the connection could not be made, so the server never saw the request.
        not_sent: bool,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// No reply within the request timeout.
    #[error("{api}: no reply within {after:?}")]
    Timeout {
        /// Command name.
        api: String,
        /// The timeout that expired.
        after: std::time::Duration,
    },
    /// 401: wrong key, wrong signature, expired `expires`, or a command the account may not use.
    #[error("{api}: authentication failed (401): {errortext}. Check the API key and secret key, and the clock for signature version 3")]
    Unauthorized {
        /// Command name.
        api: String,
        /// The server's text.
        errortext: String,
    },
    /// 429: the account's API rate limit.
    #[error("{api}: throttled (429): {errortext}")]
    Throttled {
        /// Command name.
        api: String,
        /// How long the server asked to wait, when it said.
        retry_after: Option<std::time::Duration>,
        /// The server's text.
        errortext: String,
    },
    /// The server refused the call.
    #[error("{0}")]
    Api(ApiError),
    /// A reply that is neither success nor a CloudStack error (a proxy's HTML page, say).
    #[error("{api}: unexpected HTTP {status}: {excerpt}")]
    UnexpectedStatus {
        /// Command name.
        api: String,
        /// HTTP status.
        status: u16,
        /// The start of the body.
        excerpt: String,
    },
    /// A success reply that could not be decoded.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// An async job finished with an error.
    #[error("{api}: job {job_id} failed with error {errorcode}: {errortext}")]
    JobFailed {
        /// Command name.
        api: String,
        /// The job.
        job_id: String,
        /// `jobresult.errorcode` (or `jobresultcode`).
        errorcode: u16,
        /// `jobresult.errortext`.
        errortext: String,
    },
    /// An async job was cancelled.
    #[error("{api}: job {job_id} was cancelled")]
    JobCancelled {
        /// Command name.
        api: String,
        /// The job.
        job_id: String,
    },
    /// An async job did not finish in time; it may still finish: poll `job_id` later.
    #[error("{api}: job {job_id} still running after {waited:?}; it may still finish, poll it later")]
    JobTimeout {
        /// Command name.
        api: String,
        /// The job, to keep polling.
        job_id: String,
        /// How long we waited.
        waited: std::time::Duration,
    },
}

impl Error {
    /// The server's error code for API and job errors (431, 530, 536, ...).
    pub fn errorcode(&self) -> Option<u16> {
        match self {
            Self::Api(e) => Some(e.errorcode),
            Self::JobFailed { errorcode, .. } => Some(*errorcode),
            Self::Unauthorized { .. } => Some(401),
            Self::Throttled { .. } => Some(429),
            _ => None,
        }
    }

    /// The API whose call failed, when the failure is one call's.
    pub fn api(&self) -> Option<&str> {
        match self {
            Self::Transport { api, .. }
            | Self::Timeout { api, .. }
            | Self::Unauthorized { api, .. }
            | Self::Throttled { api, .. }
            | Self::UnexpectedStatus { api, .. }
            | Self::JobFailed { api, .. }
            | Self::JobCancelled { api, .. }
            | Self::JobTimeout { api, .. } => Some(api),
            Self::Api(e) => Some(&e.api),
            Self::Build(_) | Self::Config(_) | Self::Decode(_) => None,
        }
    }

    /// Whether a state-changing call can be retried safely: the server refused it before doing anything
    /// (429 throttling) or never received it (connection refused).
    pub fn is_safe_to_retry_write(&self) -> bool {
        matches!(self, Self::Throttled { .. } | Self::Transport { not_sent: true, .. })
    }

    /// What this failure means, decided here once, by HTTP status and CloudStack's error codes
    /// (`ApiErrorCode`), never by the wording of a message.
    pub fn kind(&self) -> FailureKind {
        let by_code = |code: u16| match code {
            401 | 531 => FailureKind::Auth,
            429 => FailureKind::Throttled,
            430..=432 => FailureKind::InvalidRequest,
            530 | 534 => FailureKind::Transient,
            536 => FailureKind::InUse,
            532 | 533 | 535 => FailureKind::Capacity,
            _ => FailureKind::Other,
        };
        match self {
            Self::Transport { .. } | Self::Timeout { .. } | Self::JobTimeout { .. } => FailureKind::Transient,
            Self::Throttled { .. } => FailureKind::Throttled,
            Self::Unauthorized { .. } => FailureKind::Auth,
            Self::UnexpectedStatus { status: 502..=504, .. } => FailureKind::Transient,
            Self::Api(e) if matches!(e.http_status, 502..=504) => FailureKind::Transient,
            Self::Api(e) => by_code(e.errorcode),
            Self::JobFailed { errorcode, .. } => by_code(*errorcode),
            _ => FailureKind::Other,
        }
    }

    /// Whether retrying the same call later may succeed: transport trouble, timeouts, throttling,
    /// 502/503/504, and the 530 (internal), 534 (resource unavailable) and 536 (resource in use)
    /// answers. Whether a retry is *safe* for a write is [`Error::is_safe_to_retry_write`].
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind(),
            FailureKind::Transient | FailureKind::Throttled | FailureKind::InUse
        )
    }
}

/// What a failed call means for its caller. [`Error::kind`] decides it from codes. Kept as data
/// (`snake_case` in JSON) where a failure is stored or answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FailureKind {
    /// 429: the account's API limit; the server did nothing, so any call may be retried after the hint.
    Throttled,
    /// No answer, a broken connection, a gateway error, or 530/534: a later try may succeed.
    Transient,
    /// 536: something still uses the resource (rules, attached VMs); retry once that is gone.
    InUse,
    /// 401 or 531: the credentials or the account.
    Auth,
    /// 430/431/432: the request is wrong for the server, which includes naming an entity that is
    /// gone; whether it is gone is for the caller to confirm (by listing it).
    InvalidRequest,
    /// 532/533/535: limits or capacity; retrying now does not help.
    Capacity,
    /// Anything else (decoding, configuration, an unknown code).
    Other,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: u16) -> Error {
        Error::Api(ApiError {
            api: "deleteNetwork".into(),
            http_status: code,
            errorcode: code,
            cserrorcode: None,
            // The wording never decides: the same text under every code.
            errortext: "Unable to find network: entity does not exist, in use, try again".into(),
        })
    }

    #[test]
    fn failures_are_classified_by_code_not_by_text() {
        assert_eq!(api(431).kind(), FailureKind::InvalidRequest);
        assert_eq!(api(536).kind(), FailureKind::InUse);
        assert_eq!(api(530).kind(), FailureKind::Transient);
        assert_eq!(api(534).kind(), FailureKind::Transient);
        assert_eq!(api(533).kind(), FailureKind::Capacity);
        assert_eq!(api(531).kind(), FailureKind::Auth);
        let job = Error::JobFailed {
            api: "deleteNetwork".into(),
            job_id: "j".into(),
            errorcode: 536,
            errortext: String::new(),
        };
        assert_eq!(job.kind(), FailureKind::InUse);
    }

    #[test]
    fn transient_means_what_its_doc_says() {
        for code in [530, 534, 536, 502, 503, 504] {
            assert!(api(code).is_transient(), "{code}");
        }
        for code in [431, 432, 533, 401] {
            assert!(!api(code).is_transient(), "{code}");
        }
        let throttled = Error::Throttled {
            api: "listZones".into(),
            retry_after: None,
            errortext: String::new(),
        };
        assert!(throttled.is_transient() && throttled.is_safe_to_retry_write());
    }
}
