//! The device nodes every container gets must also pass the devices cgroup: the standard
//! nodes (and mknod itself) are allowed, and the config's own rules come after them. The last
//! matching rule decides (devices.allow/deny written in order, and the eBPF program of
//! tsc_box_cgroups::devices), so a config that denies one of the standard devices
//! (`deny c 1:3 rwm`) gets what it asks for.

use oci_spec::runtime::{LinuxDeviceCgroup, LinuxDeviceType, LinuxResources};

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

/// A rule denying every access to every device: it resets whatever came before it.
fn is_deny_all(r: &LinuxDeviceCgroup) -> bool {
    let any_type = matches!(r.typ(), None | Some(LinuxDeviceType::A));
    let all_access = match r.access().as_deref() {
        None | Some("") => true,
        Some(a) => ['r', 'w', 'm'].iter().all(|c| a.contains(*c)),
    };
    !r.allow() && any_type && r.major().is_none() && r.minor().is_none() && all_access
}

/// `r` with the standard allow rules merged in, when it restricts devices at all: right after
/// the config's last deny-all (placed before it they would be wiped out by it, as every
/// generator starts its list with one), or first when it has none; the config's other rules
/// follow them and so override them.
pub fn with_defaults(r: &LinuxResources) -> LinuxResources {
    let mut r = r.clone();
    if let Some(rules) = r.devices().as_ref().filter(|d| !d.is_empty()) {
        let at = rules.iter().rposition(is_deny_all).map_or(0, |i| i + 1);
        let mut all = rules[..at].to_vec();
        all.extend(defaults());
        all.extend_from_slice(&rules[at..]);
        r.set_devices(Some(all));
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(rules: serde_json::Value) -> Vec<LinuxDeviceCgroup> {
        let r: LinuxResources = serde_json::from_value(serde_json::json!({ "devices": rules })).unwrap();
        with_defaults(&r).devices().clone().unwrap()
    }

    #[test]
    fn defaults_after_the_deny_all() {
        let d = merged(serde_json::json!([{"allow": false, "access": "rwm"}]));
        assert!(!d[0].allow());
        assert_eq!(d[1..], defaults()[..]);
        let none = LinuxResources::default();
        assert_eq!(with_defaults(&none).devices(), none.devices());
    }

    #[test]
    fn the_config_rules_come_last() {
        // runc's spec: deny all, then the config denies /dev/null: the deny must be the last
        // rule about 1:3, after the default that allows it.
        let d = merged(serde_json::json!([
            {"allow": false, "access": "rwm"},
            {"allow": false, "type": "c", "major": 1, "minor": 3, "access": "rwm"}
        ]));
        assert_eq!(d.len(), 2 + defaults().len());
        assert!(is_deny_all(&d[0]));
        let last = d.last().unwrap();
        assert!(!last.allow() && last.major() == Some(1) && last.minor() == Some(3));
        // Without a deny-all the defaults go first, and the config still decides last.
        let d = merged(serde_json::json!([{"allow": false, "type": "c", "major": 1, "minor": 5, "access": "rw"}]));
        assert_eq!(d[..defaults().len()], defaults()[..]);
        assert_eq!(d.last().unwrap().minor(), Some(5));
        // A deny of some access only, or of one type, is not a reset.
        assert!(!is_deny_all(&merged(serde_json::json!([{"allow": false, "access": "m"}]))[defaults().len()]));
        assert!(!is_deny_all(&merged(serde_json::json!([{"allow": false, "type": "c", "access": "rwm"}]))[defaults().len()]));
        // The later of two deny-alls is where the defaults go.
        let d = merged(serde_json::json!([
            {"allow": true, "type": "c", "major": 4, "access": "rwm"},
            {"allow": false, "type": "a"},
            {"allow": true, "type": "c", "major": 7, "access": "rwm"}
        ]));
        assert!(is_deny_all(&d[1]));
        assert_eq!(d[2..2 + defaults().len()], defaults()[..]);
        assert_eq!(d.last().unwrap().major(), Some(7));
    }
}
