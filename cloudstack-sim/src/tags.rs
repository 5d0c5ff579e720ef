//! Resource tags, kept in creation order (as `listTags` lists them) and indexed by resource, so that
//! rendering, tagging and deleting one resource never scans every tag of the cloud.

use std::collections::{BTreeMap, HashMap};

/// One resource tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRec {
    /// Tagged resource.
    pub resourceid: String,
    /// Its tag resource type as given (`UserVm`, ...).
    pub resourcetype: String,
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
    /// Account that tagged it.
    pub owner: String,
}

/// Every tag of the world.
#[derive(Debug, Default)]
pub struct Tags {
    by_seq: BTreeMap<u64, TagRec>,
    by_resource: HashMap<String, Vec<u64>>,
    seq: u64,
}

impl Tags {
    /// Adds a tag.
    pub fn add(&mut self, tag: TagRec) {
        self.seq += 1;
        self.by_resource
            .entry(tag.resourceid.clone())
            .or_default()
            .push(self.seq);
        self.by_seq.insert(self.seq, tag);
    }

    /// The tags of one resource, oldest first.
    pub fn of<'a>(&'a self, resource_id: &str) -> impl Iterator<Item = &'a TagRec> + 'a {
        self.by_resource
            .get(resource_id)
            .into_iter()
            .flatten()
            .filter_map(|s| self.by_seq.get(s))
    }

    /// Whether the resource has any tag.
    pub fn any_on(&self, resource_id: &str) -> bool {
        self.by_resource.get(resource_id).is_some_and(|v| !v.is_empty())
    }

    /// Every tag, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &TagRec> {
        self.by_seq.values()
    }

    /// Removes the tags of one resource for which `doomed` holds.
    pub fn remove_on(&mut self, resource_id: &str, mut doomed: impl FnMut(&TagRec) -> bool) {
        let Some(seqs) = self.by_resource.get_mut(resource_id) else {
            return;
        };
        let by_seq = &mut self.by_seq;
        seqs.retain(|s| {
            let gone = by_seq.get(s).is_none_or(&mut doomed);
            if gone {
                by_seq.remove(s);
            }
            !gone
        });
        if seqs.is_empty() {
            self.by_resource.remove(resource_id);
        }
    }

    /// Removes every tag of one resource.
    pub fn remove_all_on(&mut self, resource_id: &str) {
        self.remove_on(resource_id, |_| true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(id: &str, key: &str) -> TagRec {
        TagRec {
            resourceid: id.into(),
            resourcetype: "SecurityGroup".into(),
            key: key.into(),
            value: "v".into(),
            owner: "admin".into(),
        }
    }

    #[test]
    fn indexed_by_resource_and_listed_in_creation_order() {
        let mut t = Tags::default();
        t.add(tag("a", "k1"));
        t.add(tag("b", "k1"));
        t.add(tag("a", "k2"));
        assert_eq!(t.of("a").map(|x| x.key.as_str()).collect::<Vec<_>>(), ["k1", "k2"]);
        assert_eq!(
            t.iter()
                .map(|x| format!("{}/{}", x.resourceid, x.key))
                .collect::<Vec<_>>(),
            ["a/k1", "b/k1", "a/k2"]
        );
        t.remove_on("a", |x| x.key == "k1");
        assert_eq!(t.of("a").count(), 1);
        t.remove_all_on("a");
        assert!(!t.any_on("a"));
        assert_eq!(t.iter().count(), 1);
    }
}
