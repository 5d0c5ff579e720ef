//! One walker for every run over a stack's graph: create walks it forwards (a node waits for what it
//! depends on), delete and rollback walk it backwards (a node waits for what depends on it), and
//! update will walk it too. It knows nothing of resources: nodes are names, and a [`Visitor`] says what
//! visiting one means.
//!
//! A node starts as soon as every node it waits on has succeeded, not in waves, up to a concurrency
//! limit. Among ready nodes the one with the longest chain of nodes waiting behind it starts first
//! (critical path first), ties broken by the graph's order; the visitor gets that chain's length as a
//! priority for whatever it queues. A node that fails blocks what waits on it; with
//! [`WalkOptions::stop_on_failure`] nothing new starts after a failure and what runs finishes.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::future::Future;
use std::pin::Pin;

use tokio::task::JoinSet;

/// Which way the edges point for a walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A node waits for the nodes it depends on (create).
    Forward,
    /// A node waits for the nodes that depend on it (delete, rollback).
    Reverse,
}

/// How to walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalkOptions {
    /// Which way.
    pub direction: Direction,
    /// At most this many visits at once; 0 sets no cap.
    pub concurrency: usize,
    /// After the first failure, start nothing new (what runs finishes).
    pub stop_on_failure: bool,
}

/// The graph to walk: `nodes` (in a topological order of the dependencies, for ties) and, for each,
/// the nodes it depends on. Dependencies outside `nodes` are ignored: they are done already.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    order: Vec<String>,
    depends_on: BTreeMap<String, BTreeSet<String>>,
}

impl Graph {
    /// A graph of `order` (a topological order, dependencies first) with edges from `depends_on`.
    pub fn new<'a>(order: impl IntoIterator<Item = String>, depends_on: impl Fn(&str) -> Vec<&'a str>) -> Self {
        let order: Vec<String> = order.into_iter().collect();
        let members: BTreeSet<&str> = order.iter().map(String::as_str).collect();
        let depends_on = order
            .iter()
            .map(|n| {
                let deps = depends_on(n)
                    .into_iter()
                    .filter(|d| members.contains(d) && *d != n.as_str())
                    .map(str::to_string)
                    .collect();
                (n.clone(), deps)
            })
            .collect();
        Self { order, depends_on }
    }

    /// The nodes, in order.
    pub fn nodes(&self) -> &[String] {
        &self.order
    }

    /// For each node, the nodes it waits on in `direction`, and the nodes that wait on it.
    fn edges(&self, direction: Direction) -> (Waits<'_>, Unblocks<'_>) {
        let mut waits: BTreeMap<&str, BTreeSet<&str>> =
            self.order.iter().map(|n| (n.as_str(), BTreeSet::new())).collect();
        let mut unblocks: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (node, deps) in &self.depends_on {
            for d in deps {
                let (waiter, awaited) = match direction {
                    Direction::Forward => (node.as_str(), d.as_str()),
                    Direction::Reverse => (d.as_str(), node.as_str()),
                };
                if waits.get_mut(waiter).is_some_and(|w| w.insert(awaited)) {
                    unblocks.entry(awaited).or_default().push(waiter);
                }
            }
        }
        (waits, unblocks)
    }

    /// For each node, the number of nodes on the longest chain of waiters that starts with it (itself
    /// included): its priority in a walk in `direction`.
    pub fn chain_heights(&self, direction: Direction) -> BTreeMap<String, u32> {
        let (_, unblocks) = self.edges(direction);
        let mut heights: BTreeMap<String, u32> = BTreeMap::new();
        // Waiters come after what they wait on in the walk's order: visit that order backwards.
        let walk_order: Box<dyn Iterator<Item = &String>> = match direction {
            Direction::Forward => Box::new(self.order.iter().rev()),
            Direction::Reverse => Box::new(self.order.iter()),
        };
        for node in walk_order {
            let below = unblocks
                .get(node.as_str())
                .into_iter()
                .flatten()
                .filter_map(|w| heights.get(*w))
                .max()
                .copied()
                .unwrap_or(0);
            heights.insert(node.clone(), below.saturating_add(1));
        }
        heights
    }
}

/// For each node, the nodes it waits on.
type Waits<'a> = BTreeMap<&'a str, BTreeSet<&'a str>>;
/// For each node, the nodes that wait on it.
type Unblocks<'a> = BTreeMap<&'a str, Vec<&'a str>>;

/// A boxed visit.
pub type Visit<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// What visiting a node means, for one walk.
pub trait Visitor {
    /// What a visit yields.
    type Output: Send + 'static;
    /// Starts visiting `node`; `priority` is the length of the chain waiting behind it.
    fn start(&mut self, node: &str, priority: u32) -> Visit<Self::Output>;
    /// A visit ended; returns whether it succeeded (only success unblocks what waits on `node`).
    fn finish(&mut self, node: &str, output: Self::Output) -> bool;
    /// A visit's task panicked (a bug); the node counts as failed.
    fn panicked(&mut self, node: &str, message: String);
}

/// What a walk did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalkReport {
    /// Nodes whose visit succeeded.
    pub succeeded: BTreeSet<String>,
    /// Nodes whose visit failed.
    pub failed: BTreeSet<String>,
    /// Nodes never started (blocked by a failure, or stopped).
    pub not_started: BTreeSet<String>,
}

impl WalkReport {
    /// Whether every node succeeded.
    pub fn all_succeeded(&self) -> bool {
        self.failed.is_empty() && self.not_started.is_empty()
    }
}

/// Walks `graph` with `visitor`.
pub async fn walk<V: Visitor>(graph: &Graph, options: WalkOptions, visitor: &mut V) -> WalkReport {
    let (waits, unblocks) = graph.edges(options.direction);
    let heights = graph.chain_heights(options.direction);
    let position: BTreeMap<&str, usize> = graph.order.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
    let rank = |n: &str| {
        (
            heights.get(n).copied().unwrap_or(1),
            Reverse(position.get(n).copied().unwrap_or(usize::MAX)),
            n.to_string(),
        )
    };
    let mut open: BTreeMap<&str, usize> = waits.iter().map(|(n, w)| (*n, w.len())).collect();
    let mut ready: BinaryHeap<(u32, Reverse<usize>, String)> =
        open.iter().filter(|(_, n)| **n == 0).map(|(n, _)| rank(n)).collect();
    let mut running: JoinSet<(String, V::Output)> = JoinSet::new();
    let mut tasks: BTreeMap<tokio::task::Id, String> = BTreeMap::new();
    let mut report = WalkReport::default();
    let mut stopped = false;
    loop {
        let cap = if options.concurrency == 0 {
            usize::MAX
        } else {
            options.concurrency
        };
        while !stopped && running.len() < cap {
            let Some((priority, _, node)) = ready.pop() else { break };
            let visit = visitor.start(&node, priority);
            let name = node.clone();
            let handle = running.spawn(async move { (name, visit.await) });
            tasks.insert(handle.id(), node);
        }
        let Some(joined) = running.join_next_with_id().await else {
            break;
        };
        let (node, ok) = match joined {
            Ok((id, (node, output))) => {
                tasks.remove(&id);
                let ok = visitor.finish(&node, output);
                (node, ok)
            }
            Err(e) => {
                let node = tasks.remove(&e.id()).unwrap_or_default();
                visitor.panicked(&node, e.to_string());
                (node, false)
            }
        };
        if ok {
            for w in unblocks.get(node.as_str()).into_iter().flatten() {
                if let Some(n) = open.get_mut(w) {
                    *n -= 1;
                    if *n == 0 {
                        ready.push(rank(w));
                    }
                }
            }
            report.succeeded.insert(node);
        } else {
            stopped |= options.stop_on_failure;
            report.failed.insert(node);
        }
    }
    report.not_started = graph
        .order
        .iter()
        .filter(|n| !report.succeeded.contains(*n) && !report.failed.contains(*n))
        .cloned()
        .collect();
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    /// A -> B -> C (C depends on B, B on A), A -> D, E alone.
    fn graph() -> Graph {
        let deps: BTreeMap<&str, Vec<&str>> = [
            ("A", vec![]),
            ("B", vec!["A"]),
            ("C", vec!["B"]),
            ("D", vec!["A", "Z"]),
            ("E", vec![]),
        ]
        .into();
        Graph::new(["A", "B", "C", "D", "E"].map(String::from), |n| deps[n].clone())
    }

    #[test]
    fn chain_heights_follow_the_direction() {
        let g = graph();
        let fwd = g.chain_heights(Direction::Forward);
        assert_eq!((fwd["A"], fwd["B"], fwd["C"], fwd["D"], fwd["E"]), (3, 2, 1, 1, 1));
        let rev = g.chain_heights(Direction::Reverse);
        // Backwards the chain starts at the last dependent: C, then B, then A.
        assert_eq!((rev["C"], rev["B"], rev["A"], rev["D"]), (3, 2, 1, 2));
    }

    struct Recorder {
        log: Arc<Mutex<Vec<String>>>,
        fail: &'static str,
        priorities: BTreeMap<String, u32>,
    }

    impl Visitor for Recorder {
        type Output = bool;
        fn start(&mut self, node: &str, priority: u32) -> Visit<bool> {
            self.priorities.insert(node.to_string(), priority);
            let (log, node, fail) = (Arc::clone(&self.log), node.to_string(), self.fail);
            Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(5)).await;
                log.lock().expect("lock").push(node.clone());
                node != fail
            })
        }
        fn finish(&mut self, _node: &str, ok: bool) -> bool {
            ok
        }
        fn panicked(&mut self, _node: &str, _message: String) {}
    }

    async fn run(direction: Direction, fail: &'static str, stop: bool) -> (Vec<String>, WalkReport) {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut v = Recorder {
            log: Arc::clone(&log),
            fail,
            priorities: BTreeMap::new(),
        };
        let options = WalkOptions {
            direction,
            concurrency: 1,
            stop_on_failure: stop,
        };
        let report = walk(&graph(), options, &mut v).await;
        let order = log.lock().expect("lock").clone();
        (order, report)
    }

    #[tokio::test]
    async fn forwards_critical_path_first_and_dependencies_before_dependents() {
        let (order, report) = run(Direction::Forward, "", false).await;
        assert_eq!(order, ["A", "B", "C", "D", "E"]);
        assert!(report.all_succeeded());
    }

    #[tokio::test]
    async fn backwards_dependents_before_what_they_depend_on() {
        let (order, report) = run(Direction::Reverse, "", false).await;
        let at = |n: &str| order.iter().position(|x| x == n).expect("visited");
        assert!(at("C") < at("B") && at("B") < at("A") && at("D") < at("A"), "{order:?}");
        assert!(report.all_succeeded());
    }

    #[tokio::test]
    async fn a_failure_blocks_what_waits_on_it_or_stops_the_walk() {
        let (order, report) = run(Direction::Forward, "B", false).await;
        assert!(!order.contains(&"C".to_string()));
        assert_eq!(report.failed, BTreeSet::from(["B".to_string()]));
        assert_eq!(report.not_started, BTreeSet::from(["C".to_string()]));
        assert!(report.succeeded.contains("E") && report.succeeded.contains("D"));
        let (_, report) = run(Direction::Forward, "A", true).await;
        assert_eq!(report.succeeded.len(), 0, "nothing new after the first failure");
        assert_eq!(report.not_started.len(), 4);
    }
}
