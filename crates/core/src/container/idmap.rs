//! uid_map/gid_map of a child's new user namespace, written by the parent: directly as root,
//! through newuidmap/newgidmap (setuid helpers that check /etc/subuid) otherwise.

use std::process::Command;

use nix::unistd::{geteuid, Pid};
use oci_spec::runtime::LinuxIdMapping;

use super::ContainerError;

fn render(maps: &[LinuxIdMapping]) -> String {
    maps.iter().map(|m| format!("{} {} {}\n", m.container_id(), m.host_id(), m.size())).collect()
}

pub fn write_maps(pid: Pid, uid: &[LinuxIdMapping], gid: &[LinuxIdMapping]) -> Result<(), ContainerError> {
    if geteuid().is_root() {
        for (file, maps) in [("uid_map", uid), ("gid_map", gid)] {
            let path = format!("/proc/{pid}/{file}");
            std::fs::write(&path, render(maps)).map_err(|e| ContainerError::User(format!("writing {path}: {e}")))?;
        }
        return Ok(());
    }
    for (tool, maps) in [("newuidmap", uid), ("newgidmap", gid)] {
        let mut cmd = Command::new(tool);
        cmd.arg(pid.to_string());
        for m in maps {
            cmd.args([m.container_id().to_string(), m.host_id().to_string(), m.size().to_string()]);
        }
        let st = cmd.status().map_err(|e| ContainerError::User(format!("{tool}: {e}")))?;
        if !st.success() {
            return Err(ContainerError::User(format!("{tool} failed ({st})")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_one_line_per_mapping() {
        let maps: Vec<LinuxIdMapping> =
            serde_json::from_str(r#"[{"containerID":0,"hostID":1000,"size":1},{"containerID":1,"hostID":100000,"size":65536}]"#).unwrap();
        assert_eq!(render(&maps), "0 1000 1\n1 100000 65536\n");
    }
}
