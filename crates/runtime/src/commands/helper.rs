//! `tsc-box-runtime helper NAME ...`: the programs tsc-box itself starts that are not OCI
//! runtime verbs: network hooks and administration, the monitor of detached containers, the
//! rootless helpers, the companions of a container's network. They live under one hidden
//! entry so that the runtime's own command line stays runc's (issue #12 makes it a drop-in:
//! no name here may become a runc verb or flag by accident), and their dispatch is here.

use clap::{Args, Subcommand};

use super::{cp_stopped, exit_watch, layer_from_upper, monitor, net, net_attach, port_proxy, remove_tree, unpack_layer, userns_exec, volume_copyup, Global};
use crate::error::CmdError;

#[derive(Args)]
pub struct HelperArgs {
    #[command(subcommand)]
    pub helper: Helper,
}

#[derive(Subcommand)]
pub enum Helper {
    /// createRuntime hook: plug the container into its network (state on stdin).
    #[command(name = "net-attach")]
    NetAttach(net_attach::NetHookArgs),
    /// createRuntime hook of rootless networking: start slirp4netns, publish the ports.
    #[command(name = "slirp-attach")]
    SlirpAttach(net_attach::NetHookArgs),
    /// poststop hook: release the container's address, ports and veth.
    #[command(name = "net-detach")]
    NetDetach(net_attach::NetHookArgs),
    /// Network administration for tsc-box's `network` commands (JSON answers).
    Net(net::NetArgs),
    /// Create and start a detached container under its own monitor (logs, exit status, restarts).
    Monitor(monitor::MonitorArgs),
    /// Rootless: delete a tree holding files of the caller's subordinate ids, in a user namespace.
    #[command(name = "remove-tree")]
    RemoveTree(remove_tree::RemoveTreeArgs),
    /// Rootless: unpack an image layer in a user namespace with the caller's subordinate ids.
    #[command(name = "unpack-layer")]
    UnpackLayer(unpack_layer::UnpackLayerArgs),
    /// Rootless: make or fill a volume from the image's layers, in a user namespace.
    #[command(name = "volume-copyup")]
    VolumeCopyup(volume_copyup::VolumeCopyupArgs),
    /// Rootless build: make a layer of a container's upper directory, owners as the container saw them.
    #[command(name = "layer-from-upper")]
    LayerFromUpper(layer_from_upper::LayerFromUpperArgs),
    /// Rootless: `cp` into or out of a stopped container, its overlay mounted in a user namespace.
    #[command(name = "cp-stopped")]
    CpStopped(cp_stopped::CpStoppedArgs),
    /// Rootless build: run a program as root of a user namespace with the caller's subordinate ids.
    #[command(name = "userns-exec")]
    UsernsExec(userns_exec::UsernsExecArgs),
    /// Relay published ports nftables cannot redirect ([::1]) until the container exits.
    #[command(name = "port-proxy")]
    PortProxy(port_proxy::PortProxyArgs),
    /// Hold inherited fds until a process exits (slirp4netns's exit pipe).
    #[command(name = "exit-watch")]
    ExitWatch(exit_watch::ExitWatchArgs),
}

impl Helper {
    /// Whether this helper clones the runtime into a container (then it must run from the
    /// protected view of the binary, as create and run do: see tsc_box_core::sys::exe).
    pub fn creates_containers(&self) -> bool {
        matches!(self, Helper::Monitor(_))
    }
}

pub fn run(g: &Global<'_>, h: &Helper) -> Result<i32, CmdError> {
    match h {
        Helper::NetAttach(a) => net_attach::attach(a),
        Helper::NetDetach(a) => net_attach::detach(a),
        Helper::SlirpAttach(a) => net_attach::slirp_attach(a),
        Helper::Net(a) => Ok(net::run(a)),
        Helper::Monitor(a) => monitor::run(g, a),
        Helper::RemoveTree(a) => remove_tree::run(a),
        Helper::UnpackLayer(a) => unpack_layer::run(a),
        Helper::VolumeCopyup(a) => volume_copyup::run(a),
        Helper::LayerFromUpper(a) => layer_from_upper::run(a),
        Helper::UsernsExec(a) => userns_exec::run(a),
        Helper::CpStopped(a) => cp_stopped::run(a),
        Helper::PortProxy(a) => port_proxy::run(a),
        Helper::ExitWatch(a) => exit_watch::run(a),
    }
}
