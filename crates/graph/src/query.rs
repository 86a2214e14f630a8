//! Queries over the graph: who is near a person or household, and how two
//! people are connected.
//!
//! Walks go through people (relationships agencies recorded) and family
//! homes (people who live or lived at one address). Services and agencies
//! are shown at the edge of a walk but never walked through: every client
//! of the police would otherwise be one hop from every other. Shared
//! accommodation (a hostel, an HMO) is not walked through either, since
//! its residents are not a family.

use std::collections::{HashMap, VecDeque};

use petgraph::Direction;
use petgraph::stable_graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef as _;

use crate::{FamilyGraph, Node};

/// Part of the graph: nodes, and the edges among them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Subgraph {
    pub nodes: Vec<NodeIndex>,
    pub edges: Vec<EdgeIndex>,
    /// True when `max_nodes` cut the walk short.
    pub truncated: bool,
}

impl FamilyGraph {
    /// Whether a walk may go on through this node.
    fn walks_through(&self, node: NodeIndex) -> bool {
        match self.graph[node] {
            Node::Person(_) => true,
            Node::Household(h) => !self.households[h].shared_accommodation,
            Node::Agency(_) | Node::Service(_) => false,
        }
    }

    /// Every edge at a node, with the node at its other end.
    fn incident(&self, node: NodeIndex) -> impl Iterator<Item = (EdgeIndex, NodeIndex)> + '_ {
        let out = self.graph.edges_directed(node, Direction::Outgoing).map(|e| (e.id(), e.target()));
        let inc = self.graph.edges_directed(node, Direction::Incoming).map(|e| (e.id(), e.source()));
        out.chain(inc)
    }

    /// The nodes within `depth` steps of `start`, and the edges among them,
    /// at most `max_nodes` nodes, nearest first.
    pub fn neighbourhood(&self, start: NodeIndex, depth: usize, max_nodes: usize) -> Subgraph {
        let mut distance: HashMap<NodeIndex, usize> = HashMap::from([(start, 0)]);
        let mut nodes = vec![start];
        let mut queue = VecDeque::from([start]);
        let mut truncated = false;
        while let Some(node) = queue.pop_front() {
            let d = distance[&node];
            if d == depth || !(node == start || self.walks_through(node)) {
                continue;
            }
            let mut next: Vec<NodeIndex> = self.incident(node).map(|(_, n)| n).collect();
            next.sort_unstable();
            for n in next {
                if distance.contains_key(&n) {
                    continue;
                }
                if nodes.len() == max_nodes {
                    truncated = true;
                    break;
                }
                distance.insert(n, d + 1);
                nodes.push(n);
                queue.push_back(n);
            }
        }
        let mut edges: Vec<EdgeIndex> = nodes
            .iter()
            .flat_map(|&n| self.graph.edges_directed(n, Direction::Outgoing))
            .filter(|e| distance.contains_key(&e.target()))
            .map(|e| e.id())
            .collect();
        edges.sort_unstable();
        Subgraph { nodes, edges, truncated }
    }

    /// The shortest chain of relationships and shared family homes that
    /// connects two people: nodes and the edges between them, in order.
    pub fn path_between(&self, from: NodeIndex, to: NodeIndex) -> Option<(Vec<NodeIndex>, Vec<EdgeIndex>)> {
        let mut came_from: HashMap<NodeIndex, Option<(NodeIndex, EdgeIndex)>> = HashMap::from([(from, None)]);
        let mut queue = VecDeque::from([from]);
        while let Some(node) = queue.pop_front() {
            if node == to {
                let (mut nodes, mut edges) = (vec![to], Vec::new());
                let mut at = to;
                while let Some(Some((previous, edge))) = came_from.get(&at) {
                    nodes.push(*previous);
                    edges.push(*edge);
                    at = *previous;
                }
                nodes.reverse();
                edges.reverse();
                return Some((nodes, edges));
            }
            let mut next: Vec<(EdgeIndex, NodeIndex)> =
                self.incident(node).filter(|&(_, n)| self.walks_through(n)).collect();
            next.sort_unstable_by_key(|&(e, n)| (n, e));
            for (edge, n) in next {
                if let std::collections::hash_map::Entry::Vacant(slot) = came_from.entry(n) {
                    slot.insert(Some((node, edge)));
                    queue.push_back(n);
                }
            }
        }
        None
    }
}
