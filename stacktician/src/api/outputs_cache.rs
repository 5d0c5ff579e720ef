//! A stack's outputs, worked out once per version of it: reading them plans the stored template
//! again, so the answer is kept with the record's `updated_ms` and given again until the stack
//! changes (a describe, the outputs tab and the list then cost a state read, not a plan).

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// A stack's outputs.
type Outputs = BTreeMap<String, String>;

/// Outputs by stack (its store name), each with the version of the record it was worked out for.
#[derive(Debug, Default)]
pub struct OutputsCache {
    kept: Mutex<HashMap<String, (u64, Outputs)>>,
}

impl OutputsCache {
    /// The outputs of `stack` at version `updated_ms`, when they were worked out for it.
    pub fn get(&self, stack: &str, updated_ms: u64) -> Option<BTreeMap<String, String>> {
        let kept = self.kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        kept.get(stack)
            .filter(|(at, _)| *at == updated_ms)
            .map(|(_, outputs)| outputs.clone())
    }

    /// Keeps `outputs` (NoEcho values already masked) for `stack` at version `updated_ms`.
    pub fn put(&self, stack: &str, updated_ms: u64, outputs: &BTreeMap<String, String>) {
        let mut kept = self.kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Bounded: a service with many stacks keeps the most recent ones it was asked about.
        if kept.len() >= 10_000 && !kept.contains_key(stack) {
            kept.clear();
        }
        kept.insert(stack.to_string(), (updated_ms, outputs.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_given_again_only_for_the_version_they_were_worked_out_for() {
        let cache = OutputsCache::default();
        let outputs: BTreeMap<String, String> = [("Address".to_string(), "203.0.113.7".to_string())].into();
        assert_eq!(cache.get("alice--web", 10), None);
        cache.put("alice--web", 10, &outputs);
        assert_eq!(cache.get("alice--web", 10), Some(outputs));
        assert_eq!(cache.get("alice--web", 11), None, "the stack changed since");
        assert_eq!(cache.get("bob--web", 10), None);
    }
}
