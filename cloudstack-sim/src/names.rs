//! Resources by kind and name, so a lookup by name (CloudStack keeps names of security groups and
//! key pairs unique per account) reads a few candidates instead of every resource of the kind.
//!
//! The index is a hint, checked on every read: a candidate counts only if it still exists with that
//! kind and name. A resource handed out for change may have been renamed, so [`NameIndex::touch`]
//! keeps it as a candidate for every name until the next [`NameIndex::take_touched`], when the world
//! indexes it again under its current name.

use std::collections::{HashMap, HashSet};

/// Ids by kind and name (see the module's docs).
#[derive(Debug, Default)]
pub struct NameIndex {
    by_name: HashMap<String, HashMap<String, HashSet<String>>>,
    /// Ids handed out for change since the last [`NameIndex::take_touched`].
    touched: Vec<String>,
}

impl NameIndex {
    /// Indexes `id` of `kind` under `name`.
    pub fn add(&mut self, kind: &str, name: &str, id: &str) {
        self.by_name
            .entry(kind.to_string())
            .or_default()
            .entry(name.to_string())
            .or_default()
            .insert(id.to_string());
    }

    /// Forgets `id` under `name`.
    pub fn remove(&mut self, kind: &str, name: &str, id: &str) {
        if let Some(ids) = self.by_name.get_mut(kind).and_then(|names| names.get_mut(name)) {
            ids.remove(id);
        }
    }

    /// `id` may change (its name too) before the next [`NameIndex::take_touched`].
    pub fn touch(&mut self, id: &str) {
        if self.touched.last().is_none_or(|last| last != id) {
            self.touched.push(id.to_string());
        }
    }

    /// The ids touched since the last call, for the world to index again.
    pub fn take_touched(&mut self) -> Vec<String> {
        std::mem::take(&mut self.touched)
    }

    /// The ids that may be of `kind` and called `name`: to check, not to trust.
    pub fn candidates<'a>(&'a self, kind: &str, name: &str) -> impl Iterator<Item = &'a str> + 'a {
        self.by_name
            .get(kind)
            .and_then(|names| names.get(name))
            .into_iter()
            .flatten()
            .chain(&self.touched)
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touched_ids_are_candidates_for_any_name_until_taken() {
        let mut n = NameIndex::default();
        n.add("securitygroup", "web", "a");
        assert_eq!(n.candidates("securitygroup", "web").collect::<Vec<_>>(), ["a"]);
        assert_eq!(n.candidates("securitygroup", "db").count(), 0);
        n.touch("a");
        assert_eq!(n.candidates("securitygroup", "db").collect::<Vec<_>>(), ["a"]);
        assert_eq!(n.take_touched(), ["a"]);
        n.remove("securitygroup", "web", "a");
        assert_eq!(n.candidates("securitygroup", "web").count(), 0);
    }
}
