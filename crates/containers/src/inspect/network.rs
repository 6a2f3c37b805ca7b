//! Networks as docker's `network inspect` and `network ls` show them, and a container's
//! NetworkSettings, read from the host-wide network directory (crates/net's store and leases)
//! without its lock: inspecting never changes anything, and never needs privileges.

use std::path::{Path, PathBuf};

use tsc_box_format::Value;
use tsc_box_net::ipam::{Lease, Leases};
use tsc_box_net::store::{Network, Store};

/// The host-wide network directory (src/network/dir.ts): TSC_BOX_NETWORK_DIR or the default.
pub fn network_dir() -> PathBuf {
    match std::env::var("TSC_BOX_NETWORK_DIR") {
        Ok(d) if d.starts_with('/') => PathBuf::from(d),
        _ => PathBuf::from("/var/lib/tsc-box/network"),
    }
}

fn store(dir: &Path) -> Option<Store> {
    // Store::open would create the directories; a host without networks simply has none.
    dir.join("networks").is_dir().then(|| Store { dir: dir.to_path_buf() })
}

/// Every network with its live members.
pub fn networks(dir: &Path) -> Vec<(Network, Vec<Lease>)> {
    let Some(s) = store(dir) else { return Vec::new() };
    s.list().unwrap_or_default().into_iter().map(|n| (members(&s, &n.name), n)).map(|(m, n)| (n, m)).collect()
}

fn members(s: &Store, name: &str) -> Vec<Lease> {
    Leases::load(&s.dir, name).map(|l| l.leases.into_iter().filter(alive).collect()).unwrap_or_default()
}

fn alive(l: &Lease) -> bool {
    tsc_box_core::state::proc_start_time(l.pid).is_some_and(|t| t == l.start_time)
}

/// A network's ID: 64 hex digits fixed by its name and creation time (the store keeps none).
pub fn network_id(n: &Network) -> String {
    tsc_box_image::Digest::of(format!("network\0{}\0{}", n.name, n.created).as_bytes()).hex()
}

/// The network `name` names: its name, its ID or a unique prefix of the ID.
pub fn find<'a>(nets: &'a [(Network, Vec<Lease>)], name: &str) -> Option<&'a (Network, Vec<Lease>)> {
    if let Some(n) = nets.iter().find(|(n, _)| n.name == name) {
        return Some(n);
    }
    let mut by_id = nets.iter().filter(|(n, _)| !name.is_empty() && network_id(n).starts_with(name));
    let first = by_id.next()?;
    by_id.next().is_none().then_some(first)
}

/// docker's `network inspect` document.
pub fn document(n: &Network, members: &[Lease]) -> Value {
    let mut ipam = vec![Value::map([("Subnet", Value::str(n.subnet.to_string())), ("Gateway", Value::str(n.gateway.to_string()))])];
    if let (Some(s6), Some(g6)) = (n.subnet6, n.gateway6) {
        ipam.push(Value::map([("Subnet", Value::str(s6.to_string())), ("Gateway", Value::str(g6.to_string()))]));
    }
    let containers = members
        .iter()
        .map(|l| {
            let v6 = l.ip6.zip(n.subnet6).map(|(ip, s)| format!("{ip}/{}", s.prefix)).unwrap_or_default();
            (
                l.id.clone(),
                Value::map([
                    ("Name", Value::str(l.name.clone())),
                    ("EndpointID", Value::str(l.veth.clone())),
                    ("MacAddress", Value::str("")),
                    ("IPv4Address", Value::str(format!("{}/{}", l.ip, n.subnet.prefix))),
                    ("IPv6Address", Value::str(v6)),
                ]),
            )
        })
        .collect();
    Value::map([
        ("Name", Value::str(n.name.clone())),
        ("Id", Value::str(network_id(n))),
        ("Created", Value::str(n.created.clone())),
        ("Scope", Value::str("local")),
        ("Driver", Value::str("bridge")),
        ("EnableIPv4", Value::Bool(true)),
        ("EnableIPv6", Value::Bool(n.subnet6.is_some())),
        ("IPAM", Value::map([("Driver", Value::str("default")), ("Options", Value::Map(vec![])), ("Config", Value::List(ipam))])),
        ("Internal", Value::Bool(false)),
        ("Attachable", Value::Bool(false)),
        ("Ingress", Value::Bool(false)),
        ("ConfigFrom", Value::map([("Network", Value::str(""))])),
        ("ConfigOnly", Value::Bool(false)),
        ("Containers", Value::Map(containers)),
        (
            "Options",
            Value::map([("com.docker.network.bridge.name", Value::str(n.bridge.clone())), ("com.docker.network.driver.mtu", Value::str(n.mtu.to_string()))]),
        ),
        ("Labels", Value::Map(n.labels.iter().map(|(k, v)| (k.clone(), Value::str(v.clone()))).collect())),
    ])
}

/// What a container's `network.json` (src/network/plan.ts) says, as far as inspect reads it.
#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Plan {
    dir: Option<PathBuf>,
    network: Option<String>,
    aliases: Vec<String>,
    ports: Vec<tsc_box_net::ports::Port>,
}

/// The container's NetworkSettings: its network's address while it runs, and the ports it
/// publishes (`80/tcp` -> [{HostIp, HostPort}]; the image's exposed ones unpublished as null).
pub fn settings(container_dir: &Path, id: &str, mode: &str, exposed: &[String], running: bool) -> Value {
    let plan: Plan = std::fs::read(container_dir.join("network.json")).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    let mut ports: Vec<(String, Value)> = Vec::new();
    if running {
        for e in exposed {
            ports.push((e.clone(), Value::Null));
        }
        for p in &plan.ports {
            let key = format!("{}/{}", p.container_port, p.proto.as_str());
            let binding = Value::map([
                ("HostIp", Value::str(p.host_ip.map_or_else(|| "0.0.0.0".to_string(), |ip| ip.to_string()))),
                ("HostPort", Value::str(p.host_port.to_string())),
            ]);
            match ports.iter_mut().find(|(k, _)| *k == key) {
                Some((_, Value::List(l))) => l.push(binding),
                Some(slot) => slot.1 = Value::List(vec![binding]),
                None => ports.push((key, Value::List(vec![binding]))),
            }
        }
        ports.sort_by(|a, b| a.0.cmp(&b.0));
    }
    let name = plan.network.clone().unwrap_or_else(|| mode.to_string());
    let found = plan.dir.as_deref().and_then(store).and_then(|s| s.get(&name).ok().map(|n| (members(&s, &name), n)));
    let lease = found.as_ref().and_then(|(m, _)| m.iter().find(|l| l.id == id).cloned()).filter(|_| running);
    let net = found.as_ref().map(|(_, n)| n);
    let s = |v: Option<String>| Value::str(v.unwrap_or_default());
    let ip = lease.as_ref().map(|l| l.ip.to_string());
    let prefix = lease.as_ref().and(net).map_or(0, |n| n.subnet.prefix as i64);
    let gateway = lease.as_ref().and(net).map(|n| n.gateway.to_string());
    let ip6 = lease.as_ref().and_then(|l| l.ip6).map(|ip| ip.to_string());
    let prefix6 = ip6.as_ref().and(net.and_then(|n| n.subnet6)).map_or(0, |c| c.prefix as i64);
    let gateway6 = ip6.as_ref().and(net.and_then(|n| n.gateway6)).map(|g| g.to_string());
    let mut networks = Vec::new();
    if !name.is_empty() && !name.starts_with("container:") {
        networks.push((
            name.clone(),
            Value::map([
                ("IPAMConfig", Value::Null),
                ("Links", Value::Null),
                ("Aliases", if plan.aliases.is_empty() { Value::Null } else { Value::strs(&plan.aliases) }),
                ("MacAddress", Value::str("")),
                ("NetworkID", s(net.map(network_id))),
                ("EndpointID", s(lease.as_ref().map(|l| l.veth.clone()))),
                ("Gateway", s(gateway.clone())),
                ("IPAddress", s(ip.clone())),
                ("IPPrefixLen", Value::Int(prefix)),
                ("IPv6Gateway", s(gateway6.clone())),
                ("GlobalIPv6Address", s(ip6.clone())),
                ("GlobalIPv6PrefixLen", Value::Int(prefix6)),
                ("DNSNames", Value::Null),
            ]),
        ));
    }
    Value::map([
        ("Bridge", Value::str("")),
        ("SandboxID", Value::str("")),
        ("SandboxKey", Value::str("")),
        ("Ports", Value::Map(ports)),
        ("Gateway", s(gateway)),
        ("IPAddress", s(ip)),
        ("IPPrefixLen", Value::Int(prefix)),
        ("IPv6Gateway", s(gateway6)),
        ("GlobalIPv6Address", s(ip6)),
        ("GlobalIPv6PrefixLen", Value::Int(prefix6)),
        ("MacAddress", Value::str("")),
        ("Networks", Value::Map(networks)),
    ])
}

/// `network ls`' flags.
#[derive(Debug, Default, Clone)]
pub struct LsOptions {
    pub quiet: bool,
    pub no_trunc: bool,
    pub filters: Vec<String>,
    pub format: Option<String>,
}

pub const LS_FILTER_KEYS: [&str; 5] = ["name", "id", "label", "driver", "type"];

/// What `network ls` prints (no final newline; None: nothing): -q's names, a --format
/// template over docker's fields (ID, Name, Driver, Scope, IPv6, Internal, Labels, CreatedAt),
/// or the table.
pub fn ls_output(dir: &Path, o: &LsOptions) -> Result<Option<String>, tsc_box_format::ListError> {
    use tsc_box_format::filter::{label_matches, Filters};
    use tsc_box_format::{table, Format};
    let format = Format::parse(o.format.as_deref().unwrap_or(""))?;
    let f = Filters::parse(&o.filters, &LS_FILTER_KEYS)?;
    f.validate(|k, v| k != "type" || v == "custom" || v == "builtin")?;
    let nets: Vec<(Network, Vec<Lease>)> = networks(dir)
        .into_iter()
        .filter(|(n, _)| {
            f.matches(|k, v| match k {
                "name" => n.name.contains(v),
                "id" => network_id(n).starts_with(v),
                "label" => label_matches(n.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())), v),
                "driver" => v == "bridge",
                "type" => (v == "builtin") == (n.name == tsc_box_net::store::DEFAULT_NETWORK),
                _ => false,
            })
        })
        .collect();
    if o.quiet {
        return Ok((!nets.is_empty()).then(|| nets.iter().map(|(n, _)| n.name.clone()).collect::<Vec<_>>().join("\n")));
    }
    if matches!(format, Format::Default) {
        let rows: Vec<Vec<String>> = nets
            .iter()
            .map(|(n, m)| {
                let v6 = n.subnet6.map_or_else(|| "-".to_string(), |s| s.to_string());
                vec![n.name.clone(), n.bridge.clone(), n.subnet.to_string(), v6, n.gateway.to_string(), m.len().to_string()]
            })
            .collect();
        return Ok(Some(table(&["NAME", "BRIDGE", "SUBNET", "IPV6 SUBNET", "GATEWAY", "CONTAINERS"], &rows)));
    }
    let items: Vec<Value> = nets
        .iter()
        .map(|(n, _)| {
            let id = network_id(n);
            Value::map([
                ("CreatedAt", Value::str(n.created.clone())),
                ("Driver", Value::str("bridge")),
                ("ID", Value::str(if o.no_trunc { id } else { id[..12].to_string() })),
                ("IPv6", Value::str(n.subnet6.is_some().to_string())),
                ("Internal", Value::str("false")),
                ("Labels", Value::str(n.labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(","))),
                ("Name", Value::str(n.name.clone())),
                ("Scope", Value::str("local")),
            ])
        })
        .collect();
    let titles = Value::map(
        [
            ("CreatedAt", "CREATED AT"),
            ("Driver", "DRIVER"),
            ("ID", "NETWORK ID"),
            ("IPv6", "IPV6"),
            ("Internal", "INTERNAL"),
            ("Labels", "LABELS"),
            ("Name", "NAME"),
            ("Scope", "SCOPE"),
        ]
        .map(|(k, v)| (k, Value::str(v))),
    );
    Ok(format.render(&items, &titles)?.filter(|s| !s.is_empty() || matches!(format, Format::Table(_))))
}
