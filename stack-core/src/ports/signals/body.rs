//! What a wait-condition signal may say, as cfn-signal sends it: a JSON object
//! `{"Status": "SUCCESS" | "FAILURE", "Reason": "..", "UniqueId": "..", "Data": ".."}`.
//!
//! Anything else is refused before it changes anything: a body that is not such an object, a
//! `Status` other than the two (`FAILED` included), a field of the wrong type, or `Data` over
//! [`MAX_SIGNAL_DATA`] bytes (CloudFormation's limit). Pure: the server maps each [`SignalRefused`]
//! to its HTTP status.
//!
//! ```
//! use stack_core::signal_body::{parse_signal, SignalRefused};
//!
//! let s = parse_signal(br#"{"Status":"SUCCESS","UniqueId":"web-1","Data":"ready"}"#).unwrap();
//! assert!(s.success);
//! assert_eq!(s.unique_id.as_deref(), Some("web-1"));
//! assert!(matches!(parse_signal(br#"{"Status":"FAILED"}"#), Err(SignalRefused::Status(_))));
//! ```

use serde_json::Value;

/// The most bytes a signal's `Data` may hold.
pub const MAX_SIGNAL_DATA: usize = 4096;

/// The most bytes a signal's body may hold (its `Data` at the limit, JSON-escaped, and the rest).
pub const MAX_SIGNAL_BODY: usize = 6 * MAX_SIGNAL_DATA + 4096;

/// A signal as parsed, before the handle numbers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalBody {
    /// `Status` was SUCCESS (else FAILURE).
    pub success: bool,
    /// `Reason`, if given.
    pub reason: String,
    /// `UniqueId`, if given (signals with the same id count once).
    pub unique_id: Option<String>,
    /// `Data`, if given.
    pub data: String,
}

/// Why a signal was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignalRefused {
    /// Not a JSON object.
    #[error("the body is not a JSON object ({0}); send {{\"Status\": \"SUCCESS\" or \"FAILURE\", \"Reason\", \"UniqueId\", \"Data\"}}")]
    NotJson(String),
    /// `Status` missing or not one of the two.
    #[error("Status must be \"SUCCESS\" or \"FAILURE\", not {0}")]
    Status(String),
    /// A field that is not a string.
    #[error("{0} must be a string")]
    FieldType(&'static str),
    /// `Data` over the limit.
    #[error("Data holds {0} bytes; a signal may carry at most {MAX_SIGNAL_DATA}")]
    DataTooLarge(usize),
}

/// Parses and checks a signal's body.
pub fn parse_signal(body: &[u8]) -> Result<SignalBody, SignalRefused> {
    let parsed: Value = serde_json::from_slice(body).map_err(|e| SignalRefused::NotJson(e.to_string()))?;
    let Value::Object(fields) = parsed else {
        return Err(SignalRefused::NotJson("not an object".into()));
    };
    let text = |name: &'static str| -> Result<Option<String>, SignalRefused> {
        match fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(SignalRefused::FieldType(name)),
        }
    };
    let success = match text("Status") {
        Ok(Some(s)) if s == "SUCCESS" => true,
        Ok(Some(s)) if s == "FAILURE" => false,
        Ok(Some(s)) => return Err(SignalRefused::Status(format!("{s:?}"))),
        Ok(None) => return Err(SignalRefused::Status("nothing".into())),
        Err(_) => return Err(SignalRefused::Status("a value that is not a string".into())),
    };
    let data = text("Data")?.unwrap_or_default();
    if data.len() > MAX_SIGNAL_DATA {
        return Err(SignalRefused::DataTooLarge(data.len()));
    }
    Ok(SignalBody {
        success,
        reason: text("Reason")?.unwrap_or_default(),
        unique_id: text("UniqueId")?,
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cfn_signal_bodies_parse() {
        let s = parse_signal(br#"{"Status":"FAILURE","Reason":"no disk","UniqueId":"i-1","Data":"x"}"#).unwrap();
        assert_eq!(
            s,
            SignalBody {
                success: false,
                reason: "no disk".into(),
                unique_id: Some("i-1".into()),
                data: "x".into()
            }
        );
        assert!(parse_signal(br#"{"Status":"SUCCESS"}"#).unwrap().success);
    }

    #[test]
    fn anything_else_is_refused() {
        for (body, want) in [
            (&b"not json"[..], "NotJson"),
            (b"[1,2]", "NotJson"),
            (b"{}", "Status"),
            (br#"{"Status":"FAILED"}"#, "Status"),
            (br#"{"Status":"success"}"#, "Status"),
            (br#"{"Status":true}"#, "Status"),
            (br#"{"Status":"SUCCESS","Data":{"a":1}}"#, "FieldType"),
            (br#"{"Status":"SUCCESS","UniqueId":7}"#, "FieldType"),
        ] {
            let got = parse_signal(body).expect_err("refused");
            assert!(format!("{got:?}").starts_with(want), "{body:?}: {got:?}");
        }
    }

    #[test]
    fn data_is_limited() {
        let ok = format!(r#"{{"Status":"SUCCESS","Data":"{}"}}"#, "a".repeat(MAX_SIGNAL_DATA));
        assert!(parse_signal(ok.as_bytes()).is_ok());
        let big = format!(r#"{{"Status":"SUCCESS","Data":"{}"}}"#, "a".repeat(MAX_SIGNAL_DATA + 1));
        assert_eq!(
            parse_signal(big.as_bytes()),
            Err(SignalRefused::DataTooLarge(MAX_SIGNAL_DATA + 1))
        );
    }
}
