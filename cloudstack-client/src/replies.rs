//! What a CloudStack reply means, read without a network: an async command's job and new id, and a
//! non-200 reply classified into an [`Error`] by its codes (the wording never decides).

use std::time::Duration;

use serde_json::Value;

use crate::decode::{open_envelope, scalar_text};
use crate::error::{excerpt, ApiError, Error};

/// The immediate reply of an async command: its job, and for async creates the new resource's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsyncReply {
    /// The job to poll.
    pub job_id: String,
    /// The id of the resource being created, when the command is an async create.
    pub id: Option<String>,
}

/// Reads `{"jobid":..,"id":..}` from an async command's immediate reply.
pub fn async_reply(api: &str, inner: &Value) -> Result<AsyncReply, Error> {
    let job_id = inner.get("jobid").and_then(scalar_text).ok_or_else(|| {
        crate::error::DecodeError::new(api, "an async command's reply has no jobid", &inner.to_string())
    })?;
    Ok(AsyncReply {
        job_id,
        id: inner.get("id").and_then(scalar_text),
    })
}

/// Classifies a non-200 reply.
pub fn error_from_reply(api: &str, status: u16, body: &str) -> Error {
    let parsed = open_envelope(api, body).ok().map(|(_, v)| v);
    let Some(inner) = parsed.filter(|v| v.get("errortext").is_some() || v.get("errorcode").is_some()) else {
        return Error::UnexpectedStatus {
            api: api.to_string(),
            status,
            excerpt: excerpt(body, 200),
        };
    };
    let errortext = inner.get("errortext").and_then(scalar_text).unwrap_or_default();
    let errorcode = inner
        .get("errorcode")
        .and_then(scalar_text)
        .and_then(|s| s.parse().ok())
        .unwrap_or(status);
    let cserrorcode = inner
        .get("cserrorcode")
        .and_then(scalar_text)
        .and_then(|s| s.parse().ok());
    match errorcode {
        401 => Error::Unauthorized {
            api: api.to_string(),
            errortext,
        },
        429 => Error::Throttled {
            api: api.to_string(),
            retry_after: retry_hint(&errortext),
            errortext,
        },
        _ => Error::Api(ApiError {
            api: api.to_string(),
            http_status: status,
            errorcode,
            cserrorcode,
            errortext,
        }),
    }
}

/// Reads "... please retry after 1500 ms." from a throttling message.
fn retry_hint(text: &str) -> Option<Duration> {
    let after = text.split("retry after").nth(1)?;
    let digits: String = after.trim_start().chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().map(Duration::from_millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_classification() {
        let e = error_from_reply(
            "listZones",
            401,
            r#"{"listzonesresponse":{"uuidList":[],"errorcode":401,"errortext":"unable to verify user credentials and/or request signature"}}"#,
        );
        assert!(matches!(e, Error::Unauthorized { .. }), "{e}");
        let e = error_from_reply(
            "deployVirtualMachine",
            431,
            r#"{"deployvirtualmachineresponse":{"uuidList":[],"errorcode":431,"cserrorcode":9999,"errortext":"Unable to execute API command deployvirtualmachine due to missing parameter zoneid"}}"#,
        );
        match e {
            Error::Api(a) => {
                assert_eq!((a.http_status, a.errorcode, a.cserrorcode), (431, 431, Some(9999)));
                assert!(a.errortext.contains("zoneid"));
            }
            other => panic!("{other}"),
        }
        let e = error_from_reply(
            "listZones",
            429,
            r#"{"errorresponse":{"errorcode":429,"errortext":"The given user has reached his/her account api limit, please retry after 1500 ms."}}"#,
        );
        match e {
            Error::Throttled { retry_after, .. } => assert_eq!(retry_after, Some(Duration::from_millis(1500))),
            other => panic!("{other}"),
        }
        let e = error_from_reply("listZones", 502, "<html>Bad Gateway</html>");
        assert!(matches!(e, Error::UnexpectedStatus { status: 502, .. }) && e.is_transient());
    }
}
