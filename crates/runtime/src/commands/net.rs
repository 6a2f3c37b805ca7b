//! `net create|rm|ls|inspect|reconcile --dir DIR`: network administration for the CLI's
//! `network` commands. Answers are JSON on stdout; a failure is one JSON line
//! {"error":{"code","message"}} on stdout (exit 1) so the CLI can pass the code on.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use tsc_box_containers::ErrorCode;
use tsc_box_net::admin::{self, AdminError, CreateOpts};
use tsc_box_net::attach::AttachError;
use tsc_box_net::store::StoreError;

#[derive(Args)]
pub struct NetArgs {
    /// The host-wide network directory.
    #[arg(long)]
    pub dir: PathBuf,
    #[command(subcommand)]
    pub op: NetOp,
}

#[derive(Subcommand)]
pub enum NetOp {
    Create {
        name: String,
        #[arg(long)]
        subnet: Option<String>,
        #[arg(long)]
        gateway: Option<String>,
        #[arg(long)]
        bridge: Option<String>,
        #[arg(long)]
        mtu: Option<u32>,
        #[arg(long)]
        ipv6: bool,
        #[arg(long)]
        subnet6: Option<String>,
        #[arg(long)]
        gateway6: Option<String>,
        /// KEY=VALUE (repeatable).
        #[arg(long)]
        label: Vec<String>,
    },
    Rm {
        #[arg(required = true)]
        names: Vec<String>,
    },
    Ls,
    Inspect {
        name: String,
    },
    /// Release what crashed containers left (leases, port rules, veths).
    Reconcile,
    /// The networks no live container is on, that the filters (until=, label=, label!=) keep.
    Prune {
        #[arg(long)]
        filter: Vec<String>,
    },
}

/// The stable code of a failure, for the CLI's --json errors and tests.
pub(crate) fn code(e: &AdminError) -> ErrorCode {
    match e {
        AdminError::Cidr(_) | AdminError::Cidr6(_) => ErrorCode::InvalidSubnet,
        AdminError::Store(StoreError::Overlap6 { .. }) => ErrorCode::SubnetOverlap,
        AdminError::Store(StoreError::Gateway6 { .. }) | AdminError::Gateway6WithoutIpv6(_) => ErrorCode::InvalidGateway,
        AdminError::NoHostIpv6(_) => ErrorCode::Ipv6Unavailable,
        AdminError::Store(StoreError::NotFound(_)) | AdminError::Attach(AttachError::Store(StoreError::NotFound(_))) => ErrorCode::NetworkNotFound,
        AdminError::Store(StoreError::Exists(_)) => ErrorCode::NetworkExists,
        AdminError::Store(StoreError::Overlap { .. }) => ErrorCode::SubnetOverlap,
        AdminError::Store(StoreError::BadName(_) | StoreError::Reserved(_)) => ErrorCode::InvalidNetworkName,
        AdminError::Store(StoreError::Gateway { .. }) => ErrorCode::InvalidGateway,
        AdminError::Store(StoreError::BridgeTaken { .. }) | AdminError::Netlink(_) => ErrorCode::InvalidBridge,
        AdminError::InUse { .. } => ErrorCode::NetworkInUse,
        AdminError::Default(_) => ErrorCode::NetworkDefault,
        AdminError::Mtu(_) => ErrorCode::InvalidMtu,
        AdminError::Nft(_) => ErrorCode::Nftables,
        _ => ErrorCode::NetworkFailed,
    }
}

pub fn run(a: &NetArgs) -> i32 {
    let r: Result<serde_json::Value, AdminError> = match &a.op {
        NetOp::Create { name, subnet, gateway, bridge, mtu, ipv6, subnet6, gateway6, label } => admin::create(
            &a.dir,
            &CreateOpts {
                name,
                subnet: subnet.as_deref(),
                gateway: gateway.as_deref(),
                bridge: bridge.as_deref(),
                mtu: *mtu,
                ipv6: *ipv6,
                subnet6: subnet6.as_deref(),
                gateway6: gateway6.as_deref(),
                labels: label.iter().map(|l| l.split_once('=').map_or((l.clone(), String::new()), |(k, v)| (k.to_string(), v.to_string()))).collect(),
            },
        )
        .map(|n| serde_json::to_value(n).expect("serializes")),
        NetOp::Rm { names } => {
            let mut out = Vec::new();
            let mut err = None;
            for n in names {
                match admin::remove(&a.dir, n) {
                    Ok(()) => out.push(n.clone()),
                    Err(e) => {
                        err = Some(e);
                        break;
                    }
                }
            }
            match err {
                Some(e) => Err(e),
                None => Ok(serde_json::json!(out)),
            }
        }
        NetOp::Ls => admin::list(&a.dir).map(|l| serde_json::to_value(l).expect("serializes")),
        NetOp::Inspect { name } => admin::inspect(&a.dir, name).map(|l| serde_json::to_value(l).expect("serializes")),
        NetOp::Reconcile => admin::list(&a.dir).map(|_| serde_json::json!({})),
        NetOp::Prune { filter } => {
            let f = match tsc_box_format::prune::PruneFilter::parse(filter, tsc_box_format::time::now_ms()) {
                Ok(f) => f,
                Err(e) => {
                    println!("{}", serde_json::json!({"error": {"code": ErrorCode::InvalidFilter.as_str(), "message": e.to_string()}}));
                    return 1;
                }
            };
            let keep = |n: &tsc_box_net::store::Network| f.matches(Some(&n.created), || Box::new(n.labels.iter().map(|(k, v)| (k.as_str(), v.as_str()))));
            admin::prune(&a.dir, &keep).map(|names| serde_json::json!(names))
        }
    };
    match r {
        Ok(v) => {
            println!("{v}");
            0
        }
        Err(e) => {
            println!("{}", serde_json::json!({"error": {"code": code(&e).as_str(), "message": e.to_string()}}));
            1
        }
    }
}
