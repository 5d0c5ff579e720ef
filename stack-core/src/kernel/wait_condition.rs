//! Wait conditions: a handle is a URL of the signal server; a condition waits there for `Count`
//! success signals within `Timeout` seconds and exposes what they sent as `Data`.
//!
//! A wait outlives the process that began it:
//! - a handle's token is derived from the stack's signal key ([`crate::plan::PlanOptions::signal_key`],
//!   itself derived from the account's secret key), so a resumed run hands out the same URL, and the
//!   store keeps only its SHA-256 (to check, on resume, that the key is still the same);
//! - every signal is kept in the store before it is answered, so one taken is never lost;
//! - the condition is recorded when it starts waiting, so its timeout counts from then, across runs,
//!   and `describe` lists it while it waits.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::engine::Engine;
use crate::plan::{Plan, PlanOptions};
use crate::resource_error::ResourceError;
use crate::signals::{HandleKey, WaitError};
use crate::state::{HandleRecord, Intent, IntentKind, ResourceRecord};

/// The token of handle `logical` of the stack of `options` (a secret: it is what the URL holds).
pub(crate) fn handle_token(options: &PlanOptions, logical: &str) -> String {
    options.handle_token(logical)
}

/// Lowercase hex SHA-256 of a token.
pub(crate) fn token_sha256(token: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Engine {
    /// Registers handle `logical` with the signal server, holding the signals the store already kept
    /// for it; returns its URL.
    pub(crate) async fn register_handle(&self, plan: &Plan, logical: &str) -> Result<String, ResourceError> {
        let name = &plan.options.stack_name;
        let earlier = match &self.store {
            Some(store) => store.signals(name, logical).await?,
            None => Vec::new(),
        };
        let token = handle_token(&plan.options, logical);
        let key = HandleKey {
            stack_id: &plan.options.stack_id,
            stack_name: name,
            logical,
            token: &token,
        };
        let signals = self.signals.as_ref().ok_or(ResourceError::NoSignals)?;
        Ok(signals.register_handle(key, earlier, self.store.clone()))
    }

    /// Makes a handle: its physical id is its URL; the store keeps its token's hash.
    pub(crate) async fn create_handle(&self, plan: &Plan, rec: &mut ResourceRecord) -> Result<(), ResourceError> {
        let handle = HandleRecord {
            logical: rec.logical.clone(),
            token_sha256: token_sha256(&handle_token(&plan.options, &rec.logical)),
            created_ms: crate::state::now_ms(),
        };
        self.save_handle(plan, &handle).await?;
        rec.physical_id = Some(self.register_handle(plan, &rec.logical).await?);
        Ok(())
    }

    /// Waits for the condition's signals. Its timeout counts from when it first began waiting,
    /// in this run or an earlier one (`earlier`).
    pub(crate) async fn wait_condition(
        &self,
        plan: &Plan,
        props: &Map<String, Value>,
        rec: &mut ResourceRecord,
        earlier: Option<&ResourceRecord>,
    ) -> Result<(), ResourceError> {
        let url = props
            .get("Handle")
            .and_then(Value::as_str)
            .ok_or(ResourceError::NoHandle)?
            .to_string();
        let num = |k: &str, d: u64| {
            props
                .get(k)
                .and_then(|v| v.as_str().map_or_else(|| v.as_u64(), |s| s.parse().ok()))
                .unwrap_or(d)
        };
        let (count, timeout) = (num("Count", 1) as usize, Duration::from_secs(num("Timeout", 600)));
        let now = crate::state::now_ms();
        let began = earlier
            .and_then(|e| e.intent.as_ref())
            .filter(|i| i.kind == IntentKind::Create)
            .map_or(now, |i| i.at_ms.min(now));
        rec.intent = Some(Intent {
            kind: IntentKind::Create,
            api: "wait".into(),
            at_ms: began,
        });
        self.persist(plan, rec).await?;
        let waited = Duration::from_millis(now - began);
        let signals = self.signals.as_ref().ok_or(ResourceError::NoSignals)?;
        // The stack's create deadline cuts the wait short: it ends when the create's time is up.
        let left_for_stack = plan
            .options
            .create_deadline_ms
            .map(|d| Duration::from_millis(d.saturating_sub(now)));
        let cut = left_for_stack.is_some_and(|left| waited + left < timeout);
        let timeout = match left_for_stack {
            Some(left) if cut => waited + left,
            _ => timeout,
        };
        let data = match signals.wait(&url, count, timeout, waited).await {
            Err(WaitError::Timeout { .. }) if cut => {
                return Err(ResourceError::StackTimedOut {
                    minutes: plan.options.timeout_minutes.unwrap_or_default(),
                })
            }
            other => other?,
        };
        rec.physical_id = Some(format!("{}-{}", plan.options.stack_name, rec.logical));
        rec.attributes.insert("Data".into(), Value::String(data.to_string()));
        Ok(())
    }
}
