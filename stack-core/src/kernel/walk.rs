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
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};
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
///
/// Nodes are kept by their position in that order, so that a walk's bookkeeping is a few vectors
/// (a stack of thousands of resources is set up in well under a millisecond).
#[derive(Debug, Clone, Default)]
pub struct Graph {
    order: Vec<String>,
    /// For each node (by position), the positions of the nodes it depends on, without repeats.
    depends_on: Vec<Vec<usize>>,
}

impl Graph {
    /// A graph of `order` (a topological order, dependencies first) with edges from `depends_on`.
    pub fn new<'a>(order: impl IntoIterator<Item = String>, depends_on: impl Fn(&str) -> Vec<&'a str>) -> Self {
        let order: Vec<String> = order.into_iter().collect();
        let position: HashMap<&str, usize> = order.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
        let depends_on = order
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let mut deps: Vec<usize> = depends_on(n)
                    .into_iter()
                    .filter_map(|d| position.get(d).copied())
                    .filter(|d| *d != i)
                    .collect();
                deps.sort_unstable();
                deps.dedup();
                deps
            })
            .collect();
        Self { order, depends_on }
    }

    /// The nodes, in order.
    pub fn nodes(&self) -> &[String] {
        &self.order
    }

    /// For each node, how many nodes it waits on in `direction`, and the nodes that wait on it.
    fn edges(&self, direction: Direction) -> (Vec<usize>, Vec<Vec<usize>>) {
        let n = self.order.len();
        let mut waits = vec![0; n];
        let mut unblocks: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (node, deps) in self.depends_on.iter().enumerate() {
            for &d in deps {
                let (waiter, awaited) = match direction {
                    Direction::Forward => (node, d),
                    Direction::Reverse => (d, node),
                };
                waits[waiter] += 1;
                unblocks[awaited].push(waiter);
            }
        }
        (waits, unblocks)
    }

    /// For each node (by position), the number of nodes on the longest chain of waiters that starts
    /// with it, itself included.
    fn heights(&self, direction: Direction, unblocks: &[Vec<usize>]) -> Vec<u32> {
        let mut heights = vec![0u32; self.order.len()];
        // Waiters come after what they wait on in the walk's order: visit that order backwards.
        let mut visit = |node: usize| {
            let below = unblocks[node].iter().map(|w| heights[*w]).max().unwrap_or(0);
            heights[node] = below.saturating_add(1);
        };
        match direction {
            Direction::Forward => (0..self.order.len()).rev().for_each(&mut visit),
            Direction::Reverse => (0..self.order.len()).for_each(&mut visit),
        }
        heights
    }

    /// For each node, the number of nodes on the longest chain of waiters that starts with it (itself
    /// included): its priority in a walk in `direction`.
    pub fn chain_heights(&self, direction: Direction) -> BTreeMap<String, u32> {
        let (_, unblocks) = self.edges(direction);
        self.order
            .iter()
            .cloned()
            .zip(self.heights(direction, &unblocks))
            .collect()
    }

    /// The nodes that end a longest chain of a walk in `direction`: nothing waits on them, and the
    /// chain they wait on is as long as any. The walk ends with one of them, so what is left to do
    /// for them after their visit (a create's tags) is worth doing at once rather than in a batch.
    pub fn longest_chain_ends(&self, direction: Direction) -> BTreeSet<String> {
        let opposite = match direction {
            Direction::Forward => Direction::Reverse,
            Direction::Reverse => Direction::Forward,
        };
        let below = self.heights(direction, &self.edges(direction).1);
        let above = self.heights(opposite, &self.edges(opposite).1);
        let longest = below.iter().copied().max().unwrap_or(0);
        (0..self.order.len())
            .filter(|i| below[*i] == 1 && above[*i] == longest)
            .map(|i| self.order[i].clone())
            .collect()
    }
}

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
    let (mut open, unblocks) = graph.edges(options.direction);
    let heights = graph.heights(options.direction, &unblocks);
    // Highest chain first; among equals, the earliest in the graph's order.
    let rank = |n: usize| (heights[n], Reverse(n));
    let mut ready: BinaryHeap<(u32, Reverse<usize>)> = (0..open.len()).filter(|n| open[*n] == 0).map(rank).collect();
    let mut running: JoinSet<(usize, V::Output)> = JoinSet::new();
    let mut tasks: HashMap<tokio::task::Id, usize> = HashMap::new();
    let mut done = vec![false; open.len()];
    let mut report = WalkReport::default();
    let mut stopped = false;
    let cap = if options.concurrency == 0 {
        usize::MAX
    } else {
        options.concurrency
    };
    loop {
        while !stopped && running.len() < cap {
            let Some((priority, Reverse(node))) = ready.pop() else {
                break;
            };
            let visit = visitor.start(&graph.order[node], priority);
            let handle = running.spawn(async move { (node, visit.await) });
            tasks.insert(handle.id(), node);
        }
        let Some(joined) = running.join_next_with_id().await else {
            break;
        };
        let (node, ok) = match joined {
            Ok((id, (node, output))) => {
                tasks.remove(&id);
                (node, visitor.finish(&graph.order[node], output))
            }
            Err(e) => match tasks.remove(&e.id()) {
                Some(node) => {
                    visitor.panicked(&graph.order[node], e.to_string());
                    (node, false)
                }
                None => continue,
            },
        };
        done[node] = true;
        let name = graph.order[node].clone();
        if ok {
            for &w in &unblocks[node] {
                open[w] -= 1;
                if open[w] == 0 {
                    ready.push(rank(w));
                }
            }
            report.succeeded.insert(name);
        } else {
            stopped |= options.stop_on_failure;
            report.failed.insert(name);
        }
    }
    report.not_started = (0..done.len())
        .filter(|n| !done[*n])
        .map(|n| graph.order[n].clone())
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

    #[test]
    fn longest_chains_end_where_nothing_waits_on_the_deepest() {
        let g = graph();
        // Forwards A -> B -> C is the longest chain; D and E end shorter ones.
        assert_eq!(
            g.longest_chain_ends(Direction::Forward),
            BTreeSet::from(["C".to_string()])
        );
        // Backwards C -> B -> A is; D -> A is shorter and E is alone.
        assert_eq!(
            g.longest_chain_ends(Direction::Reverse),
            BTreeSet::from(["A".to_string()])
        );
        let flat = Graph::new(["X", "Y"].map(String::from), |_| Vec::new());
        assert_eq!(
            flat.longest_chain_ends(Direction::Forward).len(),
            2,
            "every node of a flat graph"
        );
        assert!(Graph::default().longest_chain_ends(Direction::Forward).is_empty());
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
