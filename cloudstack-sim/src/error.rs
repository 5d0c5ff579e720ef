//! API errors as the management server serializes them, and the simulator's own start-up errors.

use serde_json::{json, Value};

/// An error answer: HTTP status = `errorcode`, body `{"<cmd>response":{"uuidList":[],"errorcode":..,
/// "cserrorcode":..,"errortext":..}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiErr {
    /// ApiErrorCode (431, 530, 536, ...), also the HTTP status.
    pub code: u16,
    /// CSExceptionErrorCode, present on the ServerApiException path.
    pub cs: Option<u32>,
    /// `errortext`.
    pub text: String,
}

impl ApiErr {
    /// 431 parameter error (cserrorcode 9999, as for a bare ServerApiException).
    pub fn param(text: impl Into<String>) -> Self {
        Self {
            code: 431,
            cs: Some(9999),
            text: text.into(),
        }
    }

    /// 431 from an InvalidParameterValueException (cserrorcode 4350).
    pub fn invalid(text: impl Into<String>) -> Self {
        Self {
            code: 431,
            cs: Some(4350),
            text: text.into(),
        }
    }

    /// 430 malformed parameter.
    pub fn malformed(text: impl Into<String>) -> Self {
        Self {
            code: 430,
            cs: Some(9999),
            text: text.into(),
        }
    }

    /// 530 internal error (CloudRuntimeException, cserrorcode 4250).
    pub fn internal(text: impl Into<String>) -> Self {
        Self {
            code: 530,
            cs: Some(4250),
            text: text.into(),
        }
    }

    /// 536 resource in use.
    pub fn in_use(text: impl Into<String>) -> Self {
        Self {
            code: 536,
            cs: Some(9999),
            text: text.into(),
        }
    }

    /// 401 without cserrorcode (the verifyRequest path).
    pub fn unauthorized() -> Self {
        Self {
            code: 401,
            cs: None,
            text: "unable to verify user credentials and/or request signature".into(),
        }
    }

    /// 429 throttling.
    pub fn throttled(retry_ms: u64) -> Self {
        Self {
            code: 429,
            cs: Some(4545),
            text: format!("The given user has reached his/her account api limit, please retry after {retry_ms} ms."),
        }
    }

    /// The JSON body under `envelope`.
    pub fn body(&self, envelope: &str) -> Value {
        let mut inner = serde_json::Map::new();
        inner.insert("uuidList".into(), json!([]));
        inner.insert("errorcode".into(), json!(self.code));
        if let Some(cs) = self.cs {
            inner.insert("cserrorcode".into(), json!(cs));
        }
        inner.insert("errortext".into(), json!(self.text));
        crate::handlers::wrapped(envelope, Value::Object(inner))
    }

    /// The `jobresult` of a failed job.
    pub fn job_result(&self) -> Value {
        json!({"errorcode": self.code, "errortext": self.text})
    }
}

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// No dump, or a bad one.
    #[error("{0}")]
    Spec(String),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}. Choose another --listen address or free the port")]
    Bind {
        /// The address.
        addr: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A bad setting.
    #[error("{0}")]
    Config(String),
}
