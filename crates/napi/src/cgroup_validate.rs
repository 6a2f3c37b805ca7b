//! The runtime's own check of `linux.resources`, offered to the CLI so that it can refuse bad
//! limits before creating anything, with the same rules the runtime applies.
use napi_derive::napi;
use tsc_box_cgroups::{validate, HostCpus};

#[napi(object)]
pub struct ResourceProblem {
    /// The OCI field at fault, e.g. "linux.resources.memory.limit".
    pub field: String,
    pub message: String,
}

/// Checks an OCI `linux.resources` object (as JSON) against the rules and this host's CPUs and
/// memory nodes. Returns null when it is acceptable.
#[napi]
pub fn validate_resources(resources_json: String) -> napi::Result<Option<ResourceProblem>> {
    let r: oci_spec::runtime::LinuxResources =
        serde_json::from_str(&resources_json).map_err(|e| napi::Error::from_reason(format!("linux.resources is not valid: {e}")))?;
    let host = HostCpus::read().map_err(|e| napi::Error::from_reason(format!("cannot read the host's CPUs: {e}")))?;
    Ok(validate(&r, &host).err().map(|e| ResourceProblem { field: e.field().to_string(), message: e.to_string() }))
}

/// Whether this host can apply a block IO weight: false on kernels whose blkio controller has
/// no weight file (v1 without BFQ) or whose cgroup2 root has no io controller; null when this
/// process cannot tell (the runtime then decides).
#[napi]
pub fn block_io_weight_supported() -> Option<bool> {
    tsc_box_cgroups::probe::block_io_weight()
}
