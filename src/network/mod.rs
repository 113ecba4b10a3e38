//! The pod network: no overlay. Every node gets a /24 of the pod subnet, a
//! CNI conflist (ptp + host-local IPAM on that range, portmap for
//! hostPort), routes to every other node's range via that node's address on
//! the shared bridge, and masquerade for traffic that leaves the pod network.

mod cni;
mod routes;

pub use cni::{CNI_CONFLIST_PATH, conflist};
pub use routes::{MASQUERADE_RULES_PATH, ROUTES_PATH, masquerade_rules, routes_batch};
