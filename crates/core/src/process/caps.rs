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

/// `process` without the capabilities the runtime does not hold itself (the host's bounding
/// set lacks them: a nested or restricted host), and a warning naming them. The runtime
/// spec: a capability that cannot be granted MUST be logged as a warning, and runtimes
/// SHOULD NOT fail for it (docker's --privileged asks for every capability docker knows).
/// In a user namespace of the container's own every capability is held there: nothing is
/// removed. Names unknown to this kernel are left for CapPlan to refuse.
pub fn without_unavailable(process: &oci_spec::runtime::Process, in_user_ns: bool) -> (Option<oci_spec::runtime::Process>, Option<String>) {
    let Some(c) = process.capabilities().as_ref().filter(|_| !in_user_ns) else { return (None, None) };
    let Ok(held) = caps::read(None, CapSet::Permitted) else { return (None, None) };
    let mut dropped = std::collections::BTreeSet::new();
    let mut keep = |set: &Option<Capabilities>| -> Option<Capabilities> {
        set.as_ref().map(|s| {
            s.iter()
                .filter(|c| {
                    let ok = Cap::from_str(&format!("CAP_{c}")).map_or(true, |cap| held.contains(&cap));
                    if !ok {
                        dropped.insert(format!("CAP_{c}"));
                    }
                    ok
                })
                .copied()
                .collect()
        })
    };
    let mut n = c.clone();
    n.set_effective(keep(c.effective()));
    n.set_permitted(keep(c.permitted()));
    n.set_inheritable(keep(c.inheritable()));
    n.set_ambient(keep(c.ambient()));
    n.set_bounding(keep(c.bounding()));
    if dropped.is_empty() {
        return (None, None);
    }
    let mut p = process.clone();
    p.set_capabilities(Some(n));
    let names: Vec<String> = dropped.into_iter().collect();
    (Some(p), Some(format!("process.capabilities: {} cannot be granted (the host's bounding set lacks them): left out", names.join(", "))))
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

    /// Checked while still root, before anything is dropped: a capability the runtime itself
    /// does not hold (the host's bounding set lacks it: a nested or restricted host) can
    /// never be given to the process, and capset would refuse it with a bare EPERM.
    pub fn check_available(&self) -> Result<(), ProcessError> {
        let held = caps::read(None, CapSet::Permitted).map_err(|e| ProcessError::Caps(e.to_string()))?;
        let mut missing: Vec<Cap> = self.permitted.union(&self.effective).filter(|c| !held.contains(c)).copied().collect();
        if missing.is_empty() {
            return Ok(());
        }
        missing.sort_by_key(|c| c.index());
        let names: Vec<String> = missing.iter().map(|c| c.to_string()).collect();
        Err(ProcessError::Caps(format!(
            "{} asked for by process.capabilities but not held by the runtime (the host's bounding set lacks {}): they cannot be given to the container",
            names.join(", "),
            if names.len() == 1 { "it" } else { "them" }
        )))
    }

    pub fn drop_bounding(&self) -> Result<(), ProcessError> {
        // Capabilities newer than the kernel are not in its bounding set at all.
        for c in self.bounding_to_drop(|c| matches!(caps::has_cap(None, CapSet::Bounding, c), Ok(true))) {
            caps::drop(None, CapSet::Bounding, c).map_err(|e| ProcessError::Caps(e.to_string()))?;
        }
        Ok(())
    }

    /// The capabilities to take out of the bounding set: every one the kernel has there
    /// (`in_kernel`) that the config does not keep.
    fn bounding_to_drop(&self, in_kernel: impl Fn(Cap) -> bool) -> Vec<Cap> {
        let mut out: Vec<Cap> = caps::all().into_iter().filter(|c| !self.bounding.contains(c) && in_kernel(*c)).collect();
        out.sort_by_key(|c| c.index());
        out
    }

    /// The effective set of the first capset call: within the permitted set as it is before
    /// permitted is narrowed, and within the one asked for.
    fn first_effective(&self) -> CapsHashSet {
        self.effective.intersection(&self.permitted).copied().collect()
    }

    /// The kernel only lets a capability into the ambient set if it is both permitted and
    /// inheritable; configs (runc's default among them) list ambient caps without inheritable
    /// ones, and runc skips those, so we do too.
    fn ambient_to_raise(&self) -> Vec<Cap> {
        let mut out: Vec<Cap> = self.ambient.iter().filter(|c| self.permitted.contains(c) && self.inheritable.contains(c)).copied().collect();
        out.sort_by_key(|c| c.index());
        out
    }

    /// After setresuid: permitted, inheritable and effective exactly as asked, then ambient.
    pub fn apply(&self) -> Result<(), ProcessError> {
        let err = |e: caps::errors::CapsError| ProcessError::Caps(e.to_string());
        // Effective must stay within permitted, and capset takes all three at once per call
        // in the crate; order them so no intermediate state is invalid.
        caps::set(None, CapSet::Effective, &self.first_effective()).map_err(err)?;
        caps::set(None, CapSet::Inheritable, &self.inheritable).map_err(err)?;
        caps::set(None, CapSet::Permitted, &self.permitted).map_err(err)?;
        caps::set(None, CapSet::Effective, &self.effective).map_err(err)?;
        let _ = caps::clear(None, CapSet::Ambient);
        for c in self.ambient_to_raise() {
            caps::raise(None, CapSet::Ambient, c).map_err(err)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(v: serde_json::Value) -> Result<CapPlan, ProcessError> {
        CapPlan::new(&serde_json::from_value::<LinuxCapabilities>(v).unwrap())
    }

    fn set(names: &[Cap]) -> CapsHashSet {
        names.iter().copied().collect()
    }

    #[test]
    fn converts_each_set_from_the_spec() {
        let p = plan(serde_json::json!({
            "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
            "effective": ["CAP_CHOWN", "CAP_KILL"],
            "permitted": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
            "inheritable": ["CAP_KILL"],
            "ambient": ["CAP_KILL"]
        }))
        .unwrap();
        assert_eq!(p.bounding, set(&[Cap::CAP_CHOWN, Cap::CAP_KILL, Cap::CAP_NET_BIND_SERVICE]));
        assert_eq!(p.effective, set(&[Cap::CAP_CHOWN, Cap::CAP_KILL]));
        assert_eq!(p.permitted, set(&[Cap::CAP_CHOWN, Cap::CAP_KILL, Cap::CAP_NET_BIND_SERVICE]));
        assert_eq!(p.inheritable, set(&[Cap::CAP_KILL]));
        assert_eq!(p.ambient_to_raise(), [Cap::CAP_KILL]);
        // A set the config leaves out is empty: nothing is kept by default.
        let p = plan(serde_json::json!({"bounding": ["CAP_CHOWN"]})).unwrap();
        assert!(p.effective.is_empty() && p.permitted.is_empty() && p.inheritable.is_empty() && p.ambient.is_empty());
    }

    #[test]
    fn unknown_capability_names_are_refused() {
        // oci-spec accepts only names it knows, with or without the CAP_ prefix; whatever it
        // parses must also be one the caps crate can set, or the config is refused whole.
        assert!(serde_json::from_value::<LinuxCapabilities>(serde_json::json!({"bounding": ["CAP_FLY"]})).is_err());
        assert!(convert(None).unwrap().is_empty());
        // Every capability the library can set is named the same way by both crates, so the
        // conversion neither refuses a real name nor maps it to another capability.
        for c in caps::all() {
            let parsed: Capabilities = serde_json::from_value(serde_json::json!([c.to_string()])).unwrap();
            assert_eq!(convert(Some(&parsed)).unwrap(), set(&[c]), "{c}");
        }
    }

    #[test]
    fn bounding_keeps_only_what_the_config_lists() {
        let p = plan(serde_json::json!({"bounding": ["CAP_CHOWN", "CAP_SETUID"]})).unwrap();
        let all_there = p.bounding_to_drop(|_| true);
        assert_eq!(all_there.len(), caps::all().len() - 2);
        assert!(!all_there.contains(&Cap::CAP_CHOWN) && !all_there.contains(&Cap::CAP_SETUID));
        assert!(all_there.contains(&Cap::CAP_SYS_ADMIN));
        // What the running kernel lacks is not dropped (it is not there to drop).
        let old_kernel = p.bounding_to_drop(|c| c.index() <= Cap::CAP_AUDIT_READ.index());
        assert!(!old_kernel.contains(&Cap::CAP_BPF) && !old_kernel.contains(&Cap::CAP_CHECKPOINT_RESTORE));
        assert!(old_kernel.contains(&Cap::CAP_SYS_ADMIN));
    }

    #[test]
    fn effective_starts_within_permitted_and_ambient_needs_both() {
        let p = plan(serde_json::json!({
            "effective": ["CAP_CHOWN", "CAP_KILL"],
            "permitted": ["CAP_KILL", "CAP_NET_RAW", "CAP_SETGID"],
            "inheritable": ["CAP_NET_RAW", "CAP_SETUID"],
            "ambient": ["CAP_NET_RAW", "CAP_KILL", "CAP_SETUID", "CAP_SETGID"]
        }))
        .unwrap();
        assert_eq!(p.first_effective(), set(&[Cap::CAP_KILL]));
        // runc's default config lists ambient caps it never makes inheritable: only a cap in
        // both permitted and inheritable is raised.
        assert_eq!(p.ambient_to_raise(), [Cap::CAP_NET_RAW]);
    }
}
