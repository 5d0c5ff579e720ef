//! Exit codes and the one error type of the CLI.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | the stack operation failed (rolled back, or left as the events say) |
//! | 2 | invalid input: template, parameters, flags, files, unknown stack |
//! | 3 | connection or authentication problem (endpoint, keys, TLS, timeouts) |

use cloudstack_client::Error as ClientError;

/// What went wrong, classified by exit code. Every message says what, where and what to do.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Exit 1.
    #[error("{0}")]
    StackFailed(String),
    /// Exit 2.
    #[error("{0}")]
    Invalid(String),
    /// Exit 3.
    #[error("{0}")]
    Connection(String),
}

impl CliError {
    /// The process exit code.
    pub fn code(&self) -> u8 {
        match self {
            Self::StackFailed(_) => 1,
            Self::Invalid(_) => 2,
            Self::Connection(_) => 3,
        }
    }

    /// Classifies a client error: transport and authentication problems are exit 3.
    pub fn from_client(context: &str, e: &ClientError) -> Self {
        match e {
            ClientError::Timeout { after, .. } => Self::Connection(format!(
                "{context}: the CloudStack endpoint accepted the connection but sent no answer within {}s; \
                 check that the management server is healthy, or allow longer with --request-timeout",
                after.as_secs_f64()
            )),
            ClientError::Transport { .. } => Self::Connection(format!(
                "{context}: cannot connect to the CloudStack endpoint: {e}; check --endpoint (or CLOUDSTACK_ENDPOINT) and the network"
            )),
            ClientError::Unauthorized { .. } => Self::Connection(format!(
                "{context}: the cloud refused the credentials: {e}; check the API key and secret key \
                 (--api-key/--secret-key, CLOUDSTACK_KEY/CLOUDSTACK_SECRET or the profile)"
            )),
            ClientError::Config(_) | ClientError::Build(_) => Self::Invalid(format!("{context}: {e}")),
            _ => Self::StackFailed(format!("{context}: {e}")),
        }
    }
}
