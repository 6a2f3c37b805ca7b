//! What the unpacking process may apply of a layer's metadata. Root on the host applies it
//! all; root of a user namespace (a rootless user's layers, unpacked by `tsc-box-runtime
//! unpack-layer` with the user's subordinate ids mapped) applies ownership within its maps but
//! cannot make device nodes or trusted.* xattrs, so it marks opaque directories with the
//! user.overlay.* xattr that an overlay mounted with `userxattr` reads; anyone else applies
//! neither ownership nor devices.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Privilege {
    Host,
    UserNs,
    None,
}

impl Privilege {
    /// Ours, from the effective uid and whether our user namespace is the initial one.
    pub fn current() -> Privilege {
        if !nix::unistd::geteuid().is_root() {
            return Privilege::None;
        }
        match std::fs::read_to_string("/proc/self/uid_map") {
            Ok(map) if !is_initial_map(&map) => Privilege::UserNs,
            _ => Privilege::Host,
        }
    }

    pub fn chown(self) -> bool {
        self != Privilege::None
    }

    pub fn devices(self) -> bool {
        self == Privilege::Host
    }

    /// The xattr marking an opaque directory for the overlay that will stack this layer.
    pub fn opaque_xattr(self) -> &'static str {
        match self {
            Privilege::UserNs => "user.overlay.opaque",
            _ => "trusted.overlay.opaque",
        }
    }
}

/// The initial user namespace maps all 2^32-1 ids onto themselves.
fn is_initial_map(map: &str) -> bool {
    let fields: Vec<&str> = map.split_whitespace().collect();
    fields == ["0", "0", "4294967295"]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_identity_map_of_all_ids_is_the_initial_namespace() {
        assert!(is_initial_map("         0          0 4294967295\n"));
        assert!(!is_initial_map("0 1000 1\n1 100000 65536\n"));
        assert!(!is_initial_map("0 0 65536\n"));
    }

    #[test]
    fn a_user_namespace_marks_opaque_directories_with_user_xattrs() {
        assert_eq!(Privilege::UserNs.opaque_xattr(), "user.overlay.opaque");
        assert_eq!(Privilege::Host.opaque_xattr(), "trusted.overlay.opaque");
        assert!(Privilege::UserNs.chown() && !Privilege::UserNs.devices());
        assert!(!Privilege::None.chown());
    }
}
