//! The simulated cloud's state: resources, tags, async jobs, call counts, faults and the seeded random
//! generator. One `World` sits behind one mutex; every operation is short.
//!
//! Removed resources leave a tombstone, as CloudStack's rows keep their uuid with a `removed` date:
//! parameter checks still find the id (`findByUuidIncludingRemoved`), lists do not.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::config::Latency;
use crate::faults::Faults;
use crate::names::NameIndex;
use crate::tags::Tags;

mod jobs;

pub use jobs::{Job, JobAction};

/// A JSON object.
pub type Obj = Map<String, Value>;

/// One live resource.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Object name (`virtualmachine`, `securitygroup`, `publicipaddress`, ...): the list key.
    pub kind: String,
    /// Its uuid.
    pub id: String,
    /// The attributes the API returns.
    pub obj: Obj,
    /// Owning account; `None` for cloud-wide objects (zones, templates, offerings).
    pub owner: Option<String>,
    /// Creation order; also the internal (database) id that some error texts quote.
    pub seq: u64,
    /// Part of the seeded cloud rather than created through the API.
    pub seeded: bool,
    /// The resource this one was made for and goes with (a VM's NICs and ROOT volume).
    pub part_of: Option<String>,
}

/// A live resource as introspection reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveResource {
    /// Object name.
    pub kind: String,
    /// uuid.
    pub id: String,
    /// `name`, when it has one.
    pub name: Option<String>,
    /// Owning account.
    pub owner: Option<String>,
    /// Its tags as `key=value`.
    pub tags: Vec<String>,
    /// Part of the seeded cloud (zone, templates, offerings, default security groups, ...).
    pub seeded: bool,
    /// The resource it was made for (a VM, for its NICs and ROOT volume).
    pub part_of: Option<String>,
}

/// The whole simulated cloud.
pub struct World {
    resources: HashMap<String, Resource>,
    /// Removed resources: id -> (object name, internal id).
    removed: HashMap<String, (String, u64)>,
    /// Object name -> the top-level fields the spec declares for it (from its list API); a rendered
    /// object carries no other field.
    declared: HashMap<String, HashSet<String>>,
    /// `api param` pairs already reported as filters the simulator cannot apply.
    warned: HashSet<String>,
    /// Object name -> creation order -> id, so listing one kind neither scans nor sorts the world.
    by_kind: HashMap<String, BTreeMap<u64, String>>,
    /// Ids by kind and name, for lookups by name.
    names: NameIndex,
    seq: u64,
    /// Resource tags.
    pub tags: Tags,
    jobs: HashMap<String, Job>,
    /// Job ids in submission order (CloudStack lists jobs by their database id).
    job_order: Vec<String>,
    /// The same, per owning account.
    owner_jobs: HashMap<String, Vec<String>>,
    due: BinaryHeap<Reverse<(Instant, u64, String)>>,
    /// Calls per command.
    pub calls: BTreeMap<String, u64>,
    /// The seeded generator behind ids, latencies and fault rates.
    pub rng: fastrand::Rng,
    /// Active faults.
    pub faults: Faults,
    /// Job latency.
    pub latency: Latency,
    /// While true, inserted resources are marked as seeded.
    pub seeding: bool,
    ip_counter: u32,
}

impl World {
    /// An empty world.
    pub fn new(seed: u64, latency: Latency, faults: Faults) -> Self {
        Self {
            resources: HashMap::new(),
            removed: HashMap::new(),
            declared: HashMap::new(),
            warned: HashSet::new(),
            by_kind: HashMap::new(),
            names: NameIndex::default(),
            seq: 0,
            tags: Tags::default(),
            jobs: HashMap::new(),
            job_order: Vec::new(),
            owner_jobs: HashMap::new(),
            due: BinaryHeap::new(),
            calls: BTreeMap::new(),
            rng: fastrand::Rng::with_seed(seed),
            faults,
            latency,
            seeding: false,
            ip_counter: 0,
        }
    }

    /// A new random (seeded) version-4 uuid.
    pub fn new_id(&mut self) -> String {
        let a = self.rng.u64(..);
        let b = self.rng.u64(..);
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0x0fff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }

    /// The next address from `prefix` (`10.1.` gives 10.1.0.2, 10.1.0.3, ...).
    pub fn next_ip(&mut self, prefix: &str) -> String {
        self.ip_counter += 1;
        let n = self.ip_counter + 1;
        format!("{prefix}{}.{}", (n / 250) % 250, n % 250 + 2)
    }

    /// Inserts a resource under a given id (fixtures) or a new one; returns the id.
    pub fn insert(&mut self, kind: &str, id: Option<&str>, mut obj: Obj, owner: Option<&str>) -> String {
        let id = id.map_or_else(|| self.new_id(), str::to_string);
        obj.insert("id".into(), json!(id));
        self.reindex_names();
        if let Some(name) = obj.get("name").and_then(Value::as_str) {
            self.names.add(kind, name, &id);
        }
        self.seq += 1;
        if let Some(old) = self.resources.get(&id) {
            let (kind, seq) = (old.kind.clone(), old.seq);
            self.by_kind.entry(kind).or_default().remove(&seq);
        }
        self.by_kind
            .entry(kind.to_string())
            .or_default()
            .insert(self.seq, id.clone());
        self.resources.insert(
            id.clone(),
            Resource {
                kind: kind.to_string(),
                id: id.clone(),
                obj,
                owner: owner.map(str::to_string),
                seq: self.seq,
                seeded: self.seeding,
                part_of: None,
            },
        );
        id
    }

    /// Marks `id` as made for `parent` and going with it (introspection then lists it under it).
    pub fn set_part_of(&mut self, id: &str, parent: &str) {
        if let Some(r) = self.resources.get_mut(id) {
            r.part_of = Some(parent.to_string());
        }
    }

    /// A resource by id.
    pub fn get(&self, id: &str) -> Option<&Resource> {
        self.resources.get(id)
    }

    /// A resource by id, for changing it.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut Resource> {
        self.reindex_names();
        self.names.touch(id);
        self.resources.get_mut(id)
    }

    /// Indexes the resources handed out for change under their names now.
    fn reindex_names(&mut self) {
        for id in self.names.take_touched() {
            if let Some(r) = self.resources.get(&id) {
                if let Some(name) = r.obj.get("name").and_then(Value::as_str) {
                    self.names.add(&r.kind, name, &id);
                }
            }
        }
    }

    /// The resources of `kind` called `name`, oldest first.
    pub fn named(&self, kind: &str, name: &str) -> Vec<&Resource> {
        let mut found: Vec<&Resource> = self
            .names
            .candidates(kind, name)
            .filter_map(|id| self.resources.get(id))
            .filter(|r| r.kind == kind && r.obj.get("name").and_then(Value::as_str) == Some(name))
            .collect();
        found.sort_by_key(|r| r.seq);
        found.dedup_by_key(|r| r.seq);
        found
    }

    /// Removes a resource and its tags, leaving a tombstone.
    pub fn remove(&mut self, id: &str) -> Option<Resource> {
        self.tags.remove_all_on(id);
        self.reindex_names();
        let removed = self.resources.remove(id)?;
        if let Some(name) = removed.obj.get("name").and_then(Value::as_str) {
            self.names.remove(&removed.kind, name, id);
        }
        if let Some(index) = self.by_kind.get_mut(&removed.kind) {
            index.remove(&removed.seq);
        }
        self.removed
            .insert(removed.id.clone(), (removed.kind.clone(), removed.seq));
        Some(removed)
    }

    /// A removed resource's object name and internal id (CloudStack's error texts quote the
    /// database id, which [`Resource::seq`] stands for).
    pub fn tombstone(&self, id: &str) -> Option<(&str, u64)> {
        self.removed.get(id).map(|(kind, seq)| (kind.as_str(), *seq))
    }

    /// Declares, per object name, the fields a rendered object may carry.
    pub fn set_declared(&mut self, declared: HashMap<String, HashSet<String>>) {
        self.declared = declared;
    }

    /// Reports once per API and parameter that a list filter cannot be applied; returns whether this
    /// call reported it.
    pub fn warn_unapplied_filter(&mut self, api: &str, param: &str) -> bool {
        let first = self.warned.insert(format!("{api} {param}"));
        if first {
            tracing::warn!(
                api,
                param,
                "the simulator does not model this list filter; it answers as if the parameter were absent"
            );
        }
        first
    }

    /// Removes every resource (of `kind`, or any kind) whose attribute `field` is `id` (rules of a
    /// group, rules on an address, ...); returns how many went.
    pub fn remove_referring(&mut self, kind: Option<&str>, field: &str, id: &str) -> usize {
        // Only kinds whose objects can carry `field` (by the spec's declared fields, when known).
        let kinds: Vec<&str> = match kind {
            Some(k) => vec![k],
            None if !self.declared.is_empty() => self
                .by_kind
                .keys()
                .filter(|k| {
                    self.declared
                        .get(k.as_str())
                        .is_none_or(|fields| fields.contains(field))
                })
                .map(String::as_str)
                .collect(),
            None => self.by_kind.keys().map(String::as_str).collect(),
        };
        let doomed: Vec<String> = kinds
            .iter()
            .filter_map(|k| self.by_kind.get(*k))
            .flat_map(BTreeMap::values)
            .filter_map(|rid| self.resources.get(rid))
            .filter(|r| r.obj.get(field).and_then(Value::as_str) == Some(id))
            .map(|r| r.id.clone())
            .collect();
        for d in &doomed {
            self.remove(d);
        }
        doomed.len()
    }

    /// Whether `id` names a resource (live or removed) or a job, as parameter validation sees it.
    pub fn exists(&self, id: &str) -> bool {
        self.resources.contains_key(id) || self.removed.contains_key(id) || self.jobs.contains_key(id)
    }

    /// Every resource of `kind`, oldest first.
    pub fn of_kind(&self, kind: &str) -> Vec<&Resource> {
        self.by_kind
            .get(kind)
            .map(|index| index.values().filter_map(|id| self.resources.get(id)).collect())
            .unwrap_or_default()
    }

    /// Every live resource, oldest first.
    pub fn all(&self) -> Vec<&Resource> {
        let mut v: Vec<&Resource> = self.resources.values().collect();
        v.sort_by_key(|r| r.seq);
        v
    }

    /// How many resources exist.
    pub fn len(&self) -> usize {
        self.resources.len()
    }

    /// Whether no resource exists.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    /// The tags of a resource in the API's shape.
    pub fn tags_of(&self, id: &str) -> Vec<Value> {
        self.tags
            .of(id)
            .map(|t| {
                json!({"key": t.key, "value": t.value, "resourcetype": t.resourcetype, "resourceid": t.resourceid,
                       "account": t.owner, "domainid": crate::fixtures::ROOT_DOMAIN_ID, "domain": "ROOT"})
            })
            .collect()
    }

    /// A resource as the API returns it: its current tags when it can have tags, fields that follow
    /// other objects (a volume's VM name and state), no `null` and no field its spec does not declare.
    pub fn render(&self, r: &Resource) -> Value {
        let mut obj = r.obj.clone();
        if obj.contains_key("tags") || self.tags.any_on(&r.id) {
            obj.insert("tags".into(), Value::Array(self.tags_of(&r.id)));
        }
        if r.kind == "volume" {
            self.follow_vm(&mut obj);
        }
        if let Some(fields) = self.declared.get(&r.kind) {
            obj.retain(|k, _| fields.contains(k));
        }
        let mut v = Value::Object(obj);
        strip_nulls(&mut v);
        v
    }

    /// A volume's `vmname`, `vmdisplayname` and `vmstate` follow the VM it is attached to.
    fn follow_vm(&self, obj: &mut Obj) {
        let vm = obj
            .get("virtualmachineid")
            .and_then(Value::as_str)
            .and_then(|id| self.get(id));
        match vm {
            Some(vm) => {
                for (to, from) in [
                    ("vmname", "name"),
                    ("vmdisplayname", "displayname"),
                    ("vmstate", "state"),
                ] {
                    if let Some(v) = vm.obj.get(from) {
                        obj.insert(to.into(), v.clone());
                    }
                }
            }
            None => {
                for f in ["vmname", "vmdisplayname", "vmstate"] {
                    obj.remove(f);
                }
            }
        }
    }

    /// Live resources for introspection.
    pub fn live(&self) -> Vec<LiveResource> {
        self.all()
            .into_iter()
            .map(|r| LiveResource {
                kind: r.kind.clone(),
                id: r.id.clone(),
                name: r.obj.get("name").and_then(Value::as_str).map(str::to_string),
                owner: r.owner.clone(),
                tags: self.tags.of(&r.id).map(|t| format!("{}={}", t.key, t.value)).collect(),
                seeded: r.seeded,
                part_of: r.part_of.clone(),
            })
            .collect()
    }
}

/// Removes `null` members everywhere in `v`: CloudStack's serializer leaves unset fields out.
pub fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(o) => {
            o.retain(|_, x| !x.is_null());
            o.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// Now, as Gson writes dates: `2024-05-01T12:00:00+0000`.
pub fn now_string() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    cloudstack_client::signing::format_utc(secs, "+0000")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn removed_resources_leave_a_tombstone_and_filters_warn_once() {
        let mut w = World::new(1, Latency::Fixed(Duration::ZERO), Faults::new(Vec::new()));
        let id = w.insert("network", None, Obj::new(), Some("admin"));
        let seq = w.get(&id).map(|r| r.seq).expect("live");
        w.remove(&id);
        assert!(w.get(&id).is_none() && w.of_kind("network").is_empty());
        assert!(w.exists(&id), "parameter validation still finds it");
        assert_eq!(w.tombstone(&id), Some(("network", seq)));
        assert!(w.warn_unapplied_filter("listVolumes", "hostid"));
        assert!(
            !w.warn_unapplied_filter("listVolumes", "hostid"),
            "once per API and parameter"
        );
        assert!(w.warn_unapplied_filter("listVolumes", "podid"));
    }

    #[test]
    fn rendering_keeps_declared_fields_and_drops_nulls() {
        let mut w = World::new(1, Latency::Fixed(Duration::ZERO), Faults::new(Vec::new()));
        let mut o = Obj::new();
        o.insert("name".into(), json!("a"));
        o.insert("description".into(), Value::Null);
        o.insert("internal".into(), json!(1));
        o.insert("nested".into(), json!({"x": null, "y": 2}));
        let id = w.insert("thing", None, o, None);
        let declared: HashSet<String> = ["id", "name", "description", "nested"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        w.set_declared(HashMap::from([("thing".to_string(), declared)]));
        let r = w.get(&id).expect("live");
        assert_eq!(w.render(r), json!({"id": id, "name": "a", "nested": {"y": 2}}));
    }
}
