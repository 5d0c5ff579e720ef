//! Signals taken straight into the state store, by a process that does not run the stack: a
//! service's API process answers a guest's signal whether or not a worker holds the stack, and the
//! worker waiting on the condition reads it from the store ([`super::SignalHub`] looks there while
//! it waits). The rules are the hub's: the handle's token (checked against its stored SHA-256) is
//! the credential, the body is cfn-signal's, a signal is kept before it is answered, one `UniqueId`
//! is one signal.

use super::body::parse_signal;
use super::SignalAnswer;
use crate::state::{SignalRecord, StateStore};

/// Distinct signals a handle takes through the store: its condition's `Count` is not stored, so as
/// many as the hub takes before its condition waits.
const STORED_SIGNALS_LIMIT: usize = super::hub::SIGNALS_BEFORE_WAIT;

/// Takes `body`, a signal sent to handle `token` of stack `stack_name` (whose id, as the handle's
/// URL names it, is `stack_id`), into `store`.
pub async fn take_stored_signal(
    store: &dyn StateStore,
    stack_name: &str,
    stack_id: &str,
    token: &str,
    body: &[u8],
) -> SignalAnswer {
    let record = match store.stack(stack_name).await {
        Ok(Some(r)) if r.stack_id == stack_id || stack_name == stack_id => r,
        Ok(_) => return SignalAnswer::UnknownHandle,
        Err(e) => {
            tracing::error!(stack = stack_name, error = %e, "could not read the stack for a signal");
            return SignalAnswer::NotKept;
        }
    };
    let sha = crate::wait_condition::token_sha256(token);
    let handle = match store.handles(&record.name).await {
        Ok(handles) => handles.into_iter().find(|h| h.token_sha256 == sha),
        Err(e) => {
            tracing::error!(stack = stack_name, error = %e, "could not read the stack's handles for a signal");
            return SignalAnswer::NotKept;
        }
    };
    let Some(handle) = handle else {
        tracing::warn!(stack = stack_name, "signal for an unknown wait condition handle");
        return SignalAnswer::UnknownHandle;
    };
    let parsed = match parse_signal(body) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(stack = stack_name, error = %e, "wait condition signal refused");
            return SignalAnswer::Refused(e);
        }
    };
    let held = match store.signals(&record.name, &handle.logical).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(stack = stack_name, error = %e, "could not read a handle's signals");
            return SignalAnswer::NotKept;
        }
    };
    let unique_id = parsed.unique_id.unwrap_or_else(|| format!("signal-{}", held.len() + 1));
    if held.len() >= STORED_SIGNALS_LIMIT && !held.iter().any(|s| s.unique_id == unique_id) {
        tracing::warn!(stack = stack_name, "wait condition signal refused: the handle is full");
        return SignalAnswer::Full { held: held.len() };
    }
    let signal = SignalRecord {
        success: parsed.success,
        reason: parsed.reason,
        unique_id,
        data: parsed.data,
        received_ms: crate::state::now_ms(),
    };
    match store.save_signal(&record.name, &handle.logical, &signal).await {
        Ok(true) => {
            tracing::info!(stack = stack_name, success = signal.success, unique_id = %signal.unique_id, "wait condition signal kept");
            SignalAnswer::Taken
        }
        Ok(false) => SignalAnswer::UnknownHandle,
        Err(e) => {
            tracing::error!(stack = stack_name, error = %e, "could not keep a wait condition signal");
            SignalAnswer::NotKept
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::state::{HandleRecord, LockHolder, MemoryStore};

    #[tokio::test]
    async fn a_signal_is_kept_by_the_handles_token_and_the_rules_of_the_hub() {
        let store = MemoryStore::new();
        let stack = crate::state::conformance::sample_stack("web");
        let lease = store
            .acquire_lock("web", &LockHolder::this_process(), Duration::from_secs(30))
            .await
            .expect("lock");
        store.save_stack(&lease, &stack).await.expect("stack");
        let handle = HandleRecord {
            logical: "Handle".into(),
            token_sha256: crate::wait_condition::token_sha256("the-token"),
            created_ms: 1,
        };
        store.save_handle(&lease, &handle).await.expect("handle");
        let id = stack.stack_id.as_str();
        let take = |token: &'static str, body: &'static str| {
            let store = &store;
            async move { take_stored_signal(store, "web", id, token, body.as_bytes()).await }
        };
        let ok = r#"{"Status":"SUCCESS","UniqueId":"a","Data":"d"}"#;
        assert_eq!(take("another-token", ok).await, SignalAnswer::UnknownHandle);
        assert_eq!(
            take_stored_signal(&store, "web", "web-other-id", "the-token", ok.as_bytes()).await,
            SignalAnswer::UnknownHandle,
            "another stack of the name"
        );
        assert!(matches!(take("the-token", "{}").await, SignalAnswer::Refused(_)));
        assert_eq!(take("the-token", ok).await, SignalAnswer::Taken);
        assert_eq!(
            take("the-token", ok).await,
            SignalAnswer::Taken,
            "the same UniqueId again"
        );
        let kept = store.signals("web", "Handle").await.expect("signals");
        assert_eq!((kept.len(), kept[0].data.as_str()), (1, "d"));
        for i in 1..STORED_SIGNALS_LIMIT {
            let body = format!(r#"{{"Status":"SUCCESS","UniqueId":"u{i}"}}"#);
            assert_eq!(
                take_stored_signal(&store, "web", id, "the-token", body.as_bytes()).await,
                SignalAnswer::Taken
            );
        }
        let full = take("the-token", r#"{"Status":"SUCCESS","UniqueId":"one-more"}"#).await;
        assert_eq!(
            full,
            SignalAnswer::Full {
                held: STORED_SIGNALS_LIMIT
            }
        );
    }
}
