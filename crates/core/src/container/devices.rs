//! The device nodes every container gets must also pass the devices cgroup: like runc, the
//! standard nodes (and mknod itself) are allowed after the config's own rules.

use oci_spec::runtime::{LinuxDeviceCgroup, LinuxResources};

fn defaults() -> Vec<LinuxDeviceCgroup> {
    serde_json::from_value(serde_json::json!([
        {"allow": true, "type": "c", "access": "m"},
        {"allow": true, "type": "b", "access": "m"},
        {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"},
        {"allow": true, "type": "c", "major": 1, "minor": 5, "access": "rwm"},
        {"allow": true, "type": "c", "major": 1, "minor": 7, "access": "rwm"},
        {"allow": true, "type": "c", "major": 1, "minor": 8, "access": "rwm"},
        {"allow": true, "type": "c", "major": 1, "minor": 9, "access": "rwm"},
        {"allow": true, "type": "c", "major": 5, "minor": 0, "access": "rwm"},
        {"allow": true, "type": "c", "major": 5, "minor": 1, "access": "rwm"},
        {"allow": true, "type": "c", "major": 5, "minor": 2, "access": "rwm"},
        {"allow": true, "type": "c", "major": 136, "access": "rwm"},
        {"allow": true, "type": "c", "major": 10, "minor": 200, "access": "rwm"}
    ]))
    .expect("static device rules")
}

/// `r` with the standard allow rules appended, when it restricts devices at all.
pub fn with_defaults(r: &LinuxResources) -> LinuxResources {
    let mut r = r.clone();
    if let Some(rules) = r.devices().as_ref().filter(|d| !d.is_empty()) {
        let mut all = rules.clone();
        all.extend(defaults());
        r.set_devices(Some(all));
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_after_a_deny_all() {
        let r: LinuxResources = serde_json::from_value(serde_json::json!({"devices": [{"allow": false, "access": "rwm"}]})).unwrap();
        let out = with_defaults(&r);
        let d = out.devices().as_ref().unwrap();
        assert!(!d[0].allow());
        assert_eq!(d.len(), 1 + defaults().len());
        let none = LinuxResources::default();
        assert_eq!(with_defaults(&none).devices(), none.devices());
    }
}
