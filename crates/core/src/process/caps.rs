//! process.capabilities with the `caps` crate. The bounding set is trimmed while we are still
//! root with CAP_SETPCAP; the other sets after the uid switch (PR_SET_KEEPCAPS keeps the
//! permitted set across it).

use std::str::FromStr;

use caps::{CapSet, Capability as Cap, CapsHashSet};
use oci_spec::runtime::{Capabilities, LinuxCapabilities};

use super::ProcessError;

fn convert(set: Option<&Capabilities>) -> Result<CapsHashSet, ProcessError> {
    let mut out = CapsHashSet::new();
    for c in set.into_iter().flatten() {
        let name = format!("CAP_{c}");
        out.insert(Cap::from_str(&name).map_err(|_| ProcessError::UnknownCap(name))?);
    }
    Ok(out)
}

/// The five sets, converted before anything is dropped so a bad name fails early.
pub struct CapPlan {
    bounding: CapsHashSet,
    effective: CapsHashSet,
    permitted: CapsHashSet,
    inheritable: CapsHashSet,
    ambient: CapsHashSet,
}

impl CapPlan {
    pub fn new(c: &LinuxCapabilities) -> Result<CapPlan, ProcessError> {
        Ok(CapPlan {
            bounding: convert(c.bounding().as_ref())?,
            effective: convert(c.effective().as_ref())?,
            permitted: convert(c.permitted().as_ref())?,
            inheritable: convert(c.inheritable().as_ref())?,
            ambient: convert(c.ambient().as_ref())?,
        })
    }

    pub fn drop_bounding(&self) -> Result<(), ProcessError> {
        for c in caps::all() {
            if self.bounding.contains(&c) {
                continue;
            }
            // Capabilities newer than the kernel are not in its bounding set at all.
            match caps::has_cap(None, CapSet::Bounding, c) {
                Ok(true) => caps::drop(None, CapSet::Bounding, c).map_err(|e| ProcessError::Caps(e.to_string()))?,
                _ => continue,
            }
        }
        Ok(())
    }

    /// After setresuid: permitted, inheritable and effective exactly as asked, then ambient.
    pub fn apply(&self) -> Result<(), ProcessError> {
        let err = |e: caps::errors::CapsError| ProcessError::Caps(e.to_string());
        // Effective must stay within permitted, and capset takes all three at once per call
        // in the crate; order them so no intermediate state is invalid.
        caps::set(None, CapSet::Effective, &self.effective.intersection(&self.permitted).copied().collect()).map_err(err)?;
        caps::set(None, CapSet::Inheritable, &self.inheritable).map_err(err)?;
        caps::set(None, CapSet::Permitted, &self.permitted).map_err(err)?;
        caps::set(None, CapSet::Effective, &self.effective).map_err(err)?;
        let _ = caps::clear(None, CapSet::Ambient);
        // The kernel only lets a capability into the ambient set if it is both permitted and
        // inheritable; configs (runc's default among them) list ambient caps without
        // inheritable ones, and runc skips those, so we do too.
        for c in &self.ambient {
            if self.permitted.contains(c) && self.inheritable.contains(c) {
                caps::raise(None, CapSet::Ambient, *c).map_err(err)?;
            }
        }
        Ok(())
    }
}
