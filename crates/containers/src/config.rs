//! What `run`/`create` were asked for, kept in the record (`config`) for `inspect` (docker's
//! Config and HostConfig) and for the filters of `ps` (`label=`, `ancestor=`, `network=`,
//! `volume=`): the image as given and its ID, the command split as docker splits it, labels,
//! and the host settings from the flags. Records written before it existed have none.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainerConfig {
    /// The image as the user named it ("" for `--rootfs`).
    pub image: String,
    /// The image's ID (`sha256:` and the config digest).
    pub image_id: String,
    pub hostname: String,
    pub domainname: String,
    pub user: String,
    pub env: Vec<String>,
    pub cmd: Vec<String>,
    /// None: no entrypoint (docker's null), as opposed to an empty one.
    pub entrypoint: Option<Vec<String>>,
    pub working_dir: String,
    /// The image's labels overridden by `--label`/`--label-file` (docker's Config.Labels).
    pub labels: BTreeMap<String, String>,
    /// `80/tcp`: the image's and those published.
    pub exposed_ports: Vec<String>,
    pub tty: bool,
    pub open_stdin: bool,
    pub host: HostSettings,
}

/// docker's HostConfig, for the flags tsc-box has.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HostSettings {
    /// `-v` as given (`SRC:DST[:OPTS]`).
    pub binds: Vec<String>,
    /// `network` name, `host`, `none`, `slirp4netns`, `container:ID`.
    pub network_mode: String,
    pub port_bindings: Vec<PortBinding>,
    pub publish_all_ports: bool,
    pub auto_remove: bool,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub privileged: bool,
    pub readonly_rootfs: bool,
    pub init: bool,
    pub memory: i64,
    pub memory_swap: i64,
    pub memory_reservation: i64,
    pub nano_cpus: i64,
    pub cpu_shares: i64,
    pub cpu_quota: i64,
    pub cpu_period: i64,
    pub cpuset_cpus: String,
    pub cpuset_mems: String,
    pub pids_limit: Option<i64>,
    pub blkio_weight: i64,
    pub cgroup_parent: String,
    pub dns: Vec<String>,
    pub extra_hosts: Vec<String>,
    pub security_opt: Vec<String>,
    pub userns_mode: String,
}

/// One `-p`: `80/tcp` published on `host_ip:host_port` ("" for any address / a free port).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PortBinding {
    pub container_port: String,
    pub host_ip: String,
    pub host_port: String,
}
