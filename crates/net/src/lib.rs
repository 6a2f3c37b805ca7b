//! Container networking for tsc-box: the kernel side (rtnetlink), address management
//! (persistent, locked leases), the networks' definitions, nftables NAT and port publishing,
//! the /etc/hosts files that let containers on one network find each other by name, and
//! user-mode networking (slirp4netns) for containers of users without root.
//! Only `tsc-box-runtime` calls into the parts that enter a container's network namespace.
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod admin;
pub mod attach;
pub mod bridge;
pub mod cidr;
pub mod cidr6;
pub mod companion;
pub mod host6;
pub mod hosts;
pub mod ipam;
pub mod names;
pub mod netlink;
pub mod nft;
pub mod ports;
pub mod proxy;
pub mod slirp;
pub mod store;
