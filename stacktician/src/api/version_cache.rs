//! What the service works out from a stack's stored record, kept once per version of the record:
//! the answer is kept with the record's `updated_ms` and given again until the stack changes. A
//! stack's outputs need its template planned again, and its description and parameter order need
//! the template read: with this, a describe, a tab of the web UI and the list cost a state read.

use std::collections::HashMap;
use std::sync::Mutex;

/// Values by stack (its store name), each with the version of the record it was worked out for.
#[derive(Debug)]
pub struct VersionCache<T> {
    kept: Mutex<HashMap<String, (u64, T)>>,
}

impl<T> Default for VersionCache<T> {
    fn default() -> Self {
        Self {
            kept: Mutex::new(HashMap::new()),
        }
    }
}

impl<T: Clone> VersionCache<T> {
    /// The value kept for `stack` at version `updated_ms`, if it was worked out for it.
    pub fn get(&self, stack: &str, updated_ms: u64) -> Option<T> {
        let kept = self.kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        kept.get(stack)
            .filter(|(at, _)| *at == updated_ms)
            .map(|(_, value)| value.clone())
    }

    /// Keeps `value` (secrets already masked) for `stack` at version `updated_ms`.
    pub fn put(&self, stack: &str, updated_ms: u64, value: &T) {
        let mut kept = self.kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Bounded: a service with many stacks keeps the most recent ones it was asked about.
        if kept.len() >= 10_000 && !kept.contains_key(stack) {
            kept.clear();
        }
        kept.insert(stack.to_string(), (updated_ms, value.clone()));
    }

    /// The value for `stack` at `updated_ms`: the kept one, or `work()`'s, then kept.
    pub fn get_or_put(&self, stack: &str, updated_ms: u64, work: impl FnOnce() -> T) -> T {
        if let Some(v) = self.get(stack, updated_ms) {
            return v;
        }
        let v = work();
        self.put(stack, updated_ms, &v);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_given_again_only_for_the_version_it_was_worked_out_for() {
        let cache: VersionCache<Vec<String>> = VersionCache::default();
        let outputs = vec!["203.0.113.7".to_string()];
        assert_eq!(cache.get("alice--web", 10), None);
        cache.put("alice--web", 10, &outputs);
        assert_eq!(cache.get("alice--web", 10), Some(outputs.clone()));
        assert_eq!(cache.get("alice--web", 11), None, "the stack changed since");
        assert_eq!(cache.get("bob--web", 10), None);
        let mut worked = 0;
        let again = cache.get_or_put("alice--web", 10, || {
            worked += 1;
            Vec::new()
        });
        assert_eq!((again, worked), (outputs, 0), "kept, not worked out again");
    }
}
