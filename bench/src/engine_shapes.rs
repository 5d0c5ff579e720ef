//! The stacks `bench engine` runs, and their lower bounds: the longest chain of per-resource costs,
//! where a resource costs its type's overhead alone (one create, measured) plus its async job's
//! latency (as the simulator ran it).

use std::collections::BTreeMap;
use std::time::Duration;

use cloudstack_sim::fixtures::{SERVICE_OFFERING_SMALL_ID, TEMPLATE_ID, ZONE_ID};

/// A stack to run: its template, each resource's dependencies and type.
pub struct Shape {
    /// What the case is.
    pub title: String,
    /// The template text.
    pub text: String,
    /// Dependencies by logical id.
    pub deps: BTreeMap<String, Vec<String>>,
    /// Type by logical id.
    pub kinds: BTreeMap<String, &'static str>,
}

impl Shape {
    /// How many resources.
    pub fn len(&self) -> usize {
        self.kinds.len()
    }

    /// The longest chain of `cost` (forwards, for create; `reverse` for delete, where a resource
    /// goes after everything that depends on it).
    /// `tail` is what a resource adds after it is done for its dependents (its tags), counted at the
    /// end of its own chain only.
    pub fn critical_path(
        &self,
        reverse: bool,
        cost: impl Fn(&str) -> Duration,
        tail: impl Fn(&str) -> Duration,
    ) -> Duration {
        let mut order: Vec<&str> = topological(&self.deps);
        let mut after: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        if reverse {
            order.reverse();
            for (name, on) in &self.deps {
                for d in on {
                    after.entry(d.as_str()).or_default().push(name.as_str());
                }
            }
        }
        let mut finish: BTreeMap<&str, Duration> = BTreeMap::new();
        let mut end = Duration::ZERO;
        for name in order {
            let before: Vec<&str> = if reverse {
                after.get(name).cloned().unwrap_or_default()
            } else {
                self.deps[name].iter().map(String::as_str).collect()
            };
            let start = before
                .iter()
                .filter_map(|d| finish.get(d))
                .max()
                .copied()
                .unwrap_or_default();
            let done = start + cost(name);
            end = end.max(done + tail(name));
            finish.insert(name, done);
        }
        end
    }

    /// How many resources the longest chain holds.
    pub fn depth(&self) -> usize {
        self.levels().values().max().copied().unwrap_or(0)
    }

    /// Each resource's depth: 1 without dependencies, else one more than its deepest dependency's.
    pub fn levels(&self) -> BTreeMap<&str, usize> {
        let mut level: BTreeMap<&str, usize> = BTreeMap::new();
        for name in topological(&self.deps) {
            let l = self.deps[name].iter().map(|d| level[d.as_str()] + 1).max().unwrap_or(1);
            level.insert(name, l);
        }
        level
    }
}

/// Dependencies first (names are `R<n>`-like and depend only on earlier ones, or a tier's parts).
fn topological(deps: &BTreeMap<String, Vec<String>>) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    let mut placed: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    while out.len() < deps.len() {
        let before = out.len();
        for (name, on) in deps {
            if !placed.contains(name.as_str()) && on.iter().all(|d| placed.contains(d.as_str())) {
                placed.insert(name);
                out.push(name);
            }
        }
        if out.len() == before {
            break;
        }
    }
    out
}

/// A small deterministic generator (so runs are comparable).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

fn entry(name: &str, kind: &str, props: &str, on: &[String]) -> String {
    let depends = if on.is_empty() {
        String::new()
    } else {
        format!(r#", "DependsOn": {}"#, serde_json::to_string(on).unwrap_or_default())
    };
    format!(r#""{name}": {{"Type": "{kind}", "Properties": {props}{depends}}}"#)
}

fn ip_or_group(n: usize, name: &str) -> (&'static str, String) {
    if n % 2 == 0 {
        ("CloudStack::IpAddress", format!(r#"{{"zoneid": "{ZONE_ID}"}}"#))
    } else {
        ("CloudStack::SecurityGroup", format!(r#"{{"name": "{name}"}}"#))
    }
}

/// Resources of alternating kinds (async address, synchronous group), added one by one.
#[derive(Default)]
struct Layers {
    deps: BTreeMap<String, Vec<String>>,
    kinds: BTreeMap<String, &'static str>,
    entries: Vec<String>,
}

impl Layers {
    /// Adds the next resource, depending on `picks` resources drawn from `from`; returns its name.
    fn add(&mut self, rng: &mut Lcg, from: &[String], picks: usize) -> String {
        let made = self.kinds.len();
        let name = format!("R{made}");
        let (kind, props) = ip_or_group(made, &name);
        let mut on: Vec<String> = Vec::new();
        for _ in 0..picks {
            let d = from[rng.next(from.len())].clone();
            if !on.contains(&d) {
                on.push(d);
            }
        }
        self.entries.push(entry(&name, kind, &props, &on));
        self.kinds.insert(name.clone(), kind);
        self.deps.insert(name.clone(), on);
        name
    }

    fn shape(self, title: String) -> Shape {
        Shape {
            title,
            text: format!(r#"{{"Resources": {{{}}}}}"#, self.entries.join(",")),
            deps: self.deps,
            kinds: self.kinds,
        }
    }
}

/// `total` resources (half async addresses, half synchronous groups) in layers of varying width;
/// each depends on 0..=2 resources of earlier layers.
pub fn mixed(total: usize) -> Shape {
    let mut rng = Lcg(7);
    let mut layers = Layers::default();
    let mut earlier: Vec<String> = Vec::new();
    while layers.kinds.len() < total {
        let width = (5 + rng.next(80)).min(total - layers.kinds.len());
        let mut layer = Vec::new();
        for _ in 0..width {
            let picks = if earlier.is_empty() { 0 } else { rng.next(3) };
            layer.push(layers.add(&mut rng, &earlier, picks));
        }
        earlier.extend(layer);
    }
    layers.shape(format!(
        "{total} resources (half async IpAddress, half sync SecurityGroup) in layers of varying width"
    ))
}

/// `total` resources in exactly `depth` layers; every resource past the first layer depends on one
/// or two of the layer before, so the critical path is `depth` deep.
pub fn layered(total: usize, depth: usize) -> Shape {
    let mut rng = Lcg(11);
    let width = total / depth.max(1);
    let mut layers = Layers::default();
    let mut previous: Vec<String> = Vec::new();
    for _ in 0..depth {
        let mut layer = Vec::new();
        for _ in 0..width {
            let picks = (1 + rng.next(2)).min(previous.len());
            layer.push(layers.add(&mut rng, &previous, picks));
        }
        previous = layer;
    }
    let made = layers.kinds.len();
    layers.shape(format!(
        "{made} resources in {depth} layers of {width} (half async IpAddress, half sync SecurityGroup)"
    ))
}

/// `tiers` tiers of a real application: per tier a security group with two ingress rules, a VM in
/// it, and a public address with static NAT to the VM.
pub fn tiered(tiers: usize) -> Shape {
    let (mut deps, mut kinds, mut entries) = (BTreeMap::new(), BTreeMap::new(), Vec::new());
    let mut add = |name: String, kind: &'static str, props: String, on: Vec<String>| {
        entries.push(entry(&name, kind, &props, &[]));
        kinds.insert(name.clone(), kind);
        deps.insert(name, on);
    };
    for t in 0..tiers {
        let (g, vm, ip) = (format!("Group{t}"), format!("Vm{t}"), format!("Ip{t}"));
        add(
            g.clone(),
            "CloudStack::SecurityGroup",
            format!(r#"{{"name": "tier{t}"}}"#),
            vec![],
        );
        for (r, port) in [("Http", 80), ("Https", 443)] {
            add(
                format!("{r}{t}"),
                "CloudStack::SecurityGroupIngress",
                format!(
                    r#"{{"securitygroupid": {{"Ref": "{g}"}}, "protocol": "tcp", "startport": {port}, "endport": {port}, "cidrlist": "0.0.0.0/0"}}"#
                ),
                vec![g.clone()],
            );
        }
        add(
            vm.clone(),
            "CloudStack::VirtualMachine",
            format!(
                r#"{{"zoneid": "{ZONE_ID}", "templateid": "{TEMPLATE_ID}", "serviceofferingid": "{SERVICE_OFFERING_SMALL_ID}", "securitygroupids": {{"Ref": "{g}"}}}}"#
            ),
            vec![g.clone()],
        );
        add(
            ip.clone(),
            "CloudStack::IpAddress",
            format!(r#"{{"zoneid": "{ZONE_ID}"}}"#),
            vec![],
        );
        add(
            format!("Nat{t}"),
            "CloudStack::StaticNat",
            format!(r#"{{"ipaddressid": {{"Ref": "{ip}"}}, "virtualmachineid": {{"Ref": "{vm}"}}}}"#),
            vec![ip, vm],
        );
    }
    Shape {
        title: format!("{tiers} tiers, each a security group with two ingress rules, a VM in it, and a public IP with static NAT to the VM"),
        text: format!(r#"{{"Resources": {{{}}}}}"#, entries.join(",")),
        deps,
        kinds,
    }
}

/// `children` nested stacks (`CloudStack::Stack`, inline) of `per` resources each, in layers of
/// varying width (each resource depends on 0..=2 earlier ones of its stack), and the very same
/// resources and dependencies in one flat stack: the nested case and what it is compared with.
pub fn nested(children: usize, per: usize) -> (Shape, Shape) {
    let mut rng = Lcg(13);
    let (mut nested, mut flat) = (Layers::default(), Layers::default());
    let mut stacks = Vec::new();
    for c in 0..children {
        let mut inner = Vec::new();
        let mut earlier: Vec<usize> = Vec::new();
        let mut made = 0;
        while made < per {
            let width = (3 + rng.next(12)).min(per - made);
            let mut layer = Vec::new();
            for _ in 0..width {
                let picks = if earlier.is_empty() { 0 } else { rng.next(3) };
                let mut on: Vec<usize> = Vec::new();
                for _ in 0..picks {
                    let d = earlier[rng.next(earlier.len())];
                    if !on.contains(&d) {
                        on.push(d);
                    }
                }
                let (kind, props) = ip_or_group(made, &format!("C{c}R{made}"));
                let local: Vec<String> = on.iter().map(|d| format!("R{d}")).collect();
                inner.push(entry(&format!("R{made}"), kind, &props, &local));
                let flat_name = format!("C{c}R{made}");
                let flat_on: Vec<String> = on.iter().map(|d| format!("C{c}R{d}")).collect();
                flat.entries.push(entry(&flat_name, kind, &props, &flat_on));
                flat.kinds.insert(flat_name.clone(), kind);
                flat.deps.insert(flat_name, flat_on);
                let nested_name = format!("C{c}.R{made}");
                nested.kinds.insert(nested_name.clone(), kind);
                nested
                    .deps
                    .insert(nested_name, on.iter().map(|d| format!("C{c}.R{d}")).collect());
                layer.push(made);
                made += 1;
            }
            earlier.extend(layer);
        }
        stacks.push(format!(
            r#""C{c}": {{"Type": "CloudStack::Stack", "Properties": {{"TemplateBody": {{"Resources": {{{}}}}}}}}}"#,
            inner.join(",")
        ));
    }
    nested.entries = stacks;
    let what = |how: &str| {
        format!(
            "{} resources in {how} (half async IpAddress, half sync SecurityGroup)",
            children * per
        )
    };
    (
        nested.shape(what(&format!("{children} nested stacks of {per}"))),
        flat.shape(what("one flat stack, the same DAG")),
    )
}
