//! Container networking for tsc-box: the kernel side (rtnetlink), address management
//! (persistent, locked leases), the networks' definitions, nftables NAT and port publishing,
//! and the /etc/hosts files that let containers on one network find each other by name.
//! Only `tsc-box-runtime` calls into the parts that enter a container's network namespace.

pub mod admin;
pub mod attach;
pub mod bridge;
pub mod cidr;
pub mod hosts;
pub mod ipam;
pub mod names;
pub mod netlink;
pub mod nft;
pub mod ports;
pub mod store;
