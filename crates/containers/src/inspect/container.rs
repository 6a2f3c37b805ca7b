//! docker's inspect document for a container, from its record (with what run/create were asked
//! for, crates/containers/src/config.rs), the monitor's status and its network files.

use tsc_box_format::Value;

use crate::config::{ContainerConfig, HostSettings};
use crate::view::{ContainerView, State};

/// docker's zero time, for a container never started or not ended.
const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

fn list_or_null(l: &[String]) -> Value {
    if l.is_empty() {
        Value::Null
    } else {
        Value::strs(l)
    }
}

fn state(v: &ContainerView) -> Value {
    let ended = matches!(v.state, State::Exited | State::Dead);
    Value::map([
        ("Status", Value::str(v.state.as_str())),
        ("Running", Value::Bool(matches!(v.state, State::Running | State::Paused))),
        ("Paused", Value::Bool(v.state == State::Paused)),
        ("Restarting", Value::Bool(v.state == State::Restarting)),
        ("OOMKilled", Value::Bool(v.oom_killed)),
        ("Dead", Value::Bool(v.state == State::Dead)),
        ("Pid", Value::Int(v.pid as i64)),
        // docker's 0 while it has not ended; null when it ended and nobody recorded how (the
        // `run` waiting for it was killed), never a made-up 0.
        ("ExitCode", v.exit_code.or(if ended { None } else { Some(0) }).map_or(Value::Null, |c| Value::Int(c as i64))),
        ("Error", Value::str("")),
        ("StartedAt", Value::str(v.started_at.clone().unwrap_or_else(|| ZERO_TIME.into()))),
        ("FinishedAt", Value::str(v.finished_at.clone().unwrap_or_else(|| ZERO_TIME.into()))),
    ])
}

fn host_config(v: &ContainerView, h: &HostSettings) -> Value {
    let (policy, retries) = v.restart_policy.split_once(':').unwrap_or((&v.restart_policy, "0"));
    let mut bindings: Vec<(String, Value)> = Vec::new();
    for b in &h.port_bindings {
        let one = Value::map([("HostIp", Value::str(b.host_ip.clone())), ("HostPort", Value::str(if b.host_port == "0" { "" } else { &b.host_port }))]);
        match bindings.iter_mut().find(|(k, _)| *k == b.container_port) {
            Some((_, Value::List(l))) => l.push(one),
            _ => bindings.push((b.container_port.clone(), Value::List(vec![one]))),
        }
    }
    let i = Value::Int;
    Value::map([
        ("Binds", list_or_null(&h.binds)),
        ("NetworkMode", Value::str(h.network_mode.clone())),
        ("PortBindings", Value::Map(bindings)),
        ("RestartPolicy", Value::map([("Name", Value::str(policy)), ("MaximumRetryCount", i(retries.parse().unwrap_or(0)))])),
        ("AutoRemove", Value::Bool(h.auto_remove)),
        ("CapAdd", list_or_null(&h.cap_add)),
        ("CapDrop", list_or_null(&h.cap_drop)),
        ("Dns", Value::strs(&h.dns)),
        ("ExtraHosts", list_or_null(&h.extra_hosts)),
        ("Privileged", Value::Bool(h.privileged)),
        ("PublishAllPorts", Value::Bool(h.publish_all_ports)),
        ("ReadonlyRootfs", Value::Bool(h.readonly_rootfs)),
        ("SecurityOpt", list_or_null(&h.security_opt)),
        ("UsernsMode", Value::str(h.userns_mode.clone())),
        ("CgroupParent", Value::str(h.cgroup_parent.clone())),
        ("BlkioWeight", i(h.blkio_weight)),
        ("CpuShares", i(h.cpu_shares)),
        ("Memory", i(h.memory)),
        ("NanoCpus", i(h.nano_cpus)),
        ("CpuPeriod", i(h.cpu_period)),
        ("CpuQuota", i(h.cpu_quota)),
        ("CpusetCpus", Value::str(h.cpuset_cpus.clone())),
        ("CpusetMems", Value::str(h.cpuset_mems.clone())),
        ("MemoryReservation", i(h.memory_reservation)),
        ("MemorySwap", i(h.memory_swap)),
        ("PidsLimit", h.pids_limit.map_or(Value::Null, i)),
        ("Init", Value::Bool(h.init)),
    ])
}

/// docker's Mounts: the mounts the record keeps (crates/containers/src/volumes/mounts.rs),
/// else, for records written before it kept them, the `-v` binds as given.
fn mounts(v: &ContainerView, h: &HostSettings) -> Value {
    let kept = crate::record::read(&v.dir).map(|r| r.mounts).unwrap_or_default();
    if !kept.is_empty() {
        return Value::List(kept.iter().map(mount_point).collect());
    }
    binds(h)
}

fn mount_point(m: &crate::volumes::mounts::MountPoint) -> Value {
    let mut fields = vec![("Type", Value::str(m.kind.as_str()))];
    if !m.name.is_empty() {
        fields.push(("Name", Value::str(m.name.clone())));
    }
    fields.push(("Source", Value::str(m.source.clone())));
    fields.push(("Destination", Value::str(m.destination.clone())));
    if !m.driver.is_empty() {
        fields.push(("Driver", Value::str(m.driver.clone())));
    }
    fields.push(("Mode", Value::str(m.mode.clone())));
    fields.push(("RW", Value::Bool(m.rw)));
    fields.push(("Propagation", Value::str(m.propagation.clone())));
    Value::map(fields)
}

/// `-v SRC:DST[:OPTS]` binds as docker's Mounts entries.
fn binds(h: &HostSettings) -> Value {
    Value::List(
        h.binds
            .iter()
            .filter_map(|b| {
                let mut parts = b.splitn(3, ':');
                let (src, dst) = (parts.next()?, parts.next()?);
                let mode = parts.next().unwrap_or("");
                Some(Value::map([
                    ("Type", Value::str("bind")),
                    ("Source", Value::str(src)),
                    ("Destination", Value::str(dst)),
                    ("Mode", Value::str(mode)),
                    ("RW", Value::Bool(!mode.split(',').any(|o| o == "ro"))),
                    ("Propagation", Value::str("rprivate")),
                ]))
            })
            .collect(),
    )
}

fn config(v: &ContainerView, c: &ContainerConfig) -> Value {
    let exposed = c.exposed_ports.iter().map(|p| (p.clone(), Value::Map(vec![]))).collect::<Vec<_>>();
    let mut out = vec![
        ("Hostname", Value::str(c.hostname.clone())),
        ("Domainname", Value::str(c.domainname.clone())),
        ("User", Value::str(c.user.clone())),
        ("AttachStdin", Value::Bool(c.open_stdin)),
        ("AttachStdout", Value::Bool(!v.detached)),
        ("AttachStderr", Value::Bool(!v.detached)),
    ];
    if !exposed.is_empty() {
        out.push(("ExposedPorts", Value::Map(exposed)));
    }
    out.extend([
        ("Tty", Value::Bool(c.tty)),
        ("OpenStdin", Value::Bool(c.open_stdin)),
        ("StdinOnce", Value::Bool(false)),
        ("Env", Value::strs(&c.env)),
        ("Cmd", if c.cmd.is_empty() { Value::Null } else { Value::strs(&c.cmd) }),
        ("Image", Value::str(c.image.clone())),
        ("Volumes", Value::Null),
        ("WorkingDir", Value::str(c.working_dir.clone())),
        ("Entrypoint", c.entrypoint.as_ref().map_or(Value::Null, Value::strs)),
        ("OnBuild", Value::Null),
        ("Labels", Value::Map(c.labels.iter().map(|(k, v)| (k.clone(), Value::str(v.clone()))).collect())),
    ]);
    Value::map(out)
}

/// The document for `v`.
pub fn document(v: &ContainerView) -> Value {
    let c = v.config.clone().unwrap_or_else(|| ContainerConfig { cmd: v.command.clone(), ..Default::default() });
    let file = |name: &str| Value::str(v.dir.join(name).to_string_lossy().into_owned());
    let running = matches!(v.state, State::Running | State::Paused | State::Restarting);
    Value::map([
        ("Id", Value::str(v.id.clone())),
        ("Created", Value::str(v.created.clone())),
        ("Path", Value::str(v.command.first().cloned().unwrap_or_default())),
        ("Args", Value::strs(v.command.iter().skip(1))),
        ("State", state(v)),
        ("Image", Value::str(c.image_id.clone())),
        ("ResolvConfPath", file("resolv.conf")),
        ("HostnamePath", file("hostname")),
        ("HostsPath", file("hosts")),
        ("LogPath", file("container.log")),
        ("Name", Value::str(format!("/{}", v.name))),
        ("RestartCount", Value::Int(v.restart_count as i64)),
        ("Driver", Value::str(if c.image.is_empty() { "rootfs" } else { "overlay" })),
        ("Platform", Value::str("linux")),
        ("HostConfig", host_config(v, &c.host)),
        (
            "GraphDriver",
            Value::map([
                ("Data", Value::map([("MergedDir", Value::str(v.rootfs.clone()))])),
                ("Name", Value::str(if c.image.is_empty() { "rootfs" } else { "overlay" })),
            ]),
        ),
        ("Mounts", mounts(v, &c.host)),
        ("Config", config(v, &c)),
        ("NetworkSettings", super::network::settings(&v.dir, &v.id, &c.host.network_mode, &c.exposed_ports, running)),
    ])
}
