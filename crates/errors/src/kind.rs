//! The stable error kinds of the runtime's JSON log line: the CLI maps them to its codes
//! (`runtime_<kind>`) and docker's exit statuses, so their spelling never changes.

/// What went wrong, in the vocabulary the CLI relies on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Config,
    NotFound,
    Permission,
    Rootfs,
    Namespace,
    Cgroup,
    Mount,
    User,
    Process,
    State,
    Internal,
}

impl Kind {
    /// In the order of `to_u8`, which crosses the sync socket from the container.
    pub const ALL: [Kind; 11] = [
        Kind::Config,
        Kind::NotFound,
        Kind::Permission,
        Kind::Rootfs,
        Kind::Namespace,
        Kind::Cgroup,
        Kind::Mount,
        Kind::User,
        Kind::Process,
        Kind::State,
        Kind::Internal,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Config => "config",
            Kind::NotFound => "not_found",
            Kind::Permission => "permission",
            Kind::Rootfs => "rootfs",
            Kind::Namespace => "namespace",
            Kind::Cgroup => "cgroup",
            Kind::Mount => "mount",
            Kind::User => "user",
            Kind::Process => "process",
            Kind::State => "state",
            Kind::Internal => "internal",
        }
    }

    /// Inverse of `as_str`; None for a kind this build does not know.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Inverse of `to_u8`, for kinds that cross the sync socket from the container.
    pub fn from_u8(v: u8) -> Kind {
        Kind::ALL.get(usize::from(v)).copied().unwrap_or(Kind::Internal)
    }

    pub const fn to_u8(self) -> u8 {
        self as u8
    }

    /// The exit status the runtime's `run` returns for a failure of this kind (like runc).
    /// The CLI reports 125 where this says 1 (see `ErrorCode::runtime`).
    pub const fn exit_status(self) -> i32 {
        match self {
            Kind::NotFound => crate::EXIT_NOT_FOUND,
            Kind::Permission => crate::EXIT_CANNOT_INVOKE,
            _ => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_u8_and_text() {
        for k in Kind::ALL {
            assert_eq!(Kind::from_u8(k.to_u8()), k);
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        // The wire values are positions in ALL: a reordering would change them.
        assert_eq!(Kind::Config.to_u8(), 0);
        assert_eq!(Kind::State.to_u8(), 9);
        assert_eq!(Kind::from_u8(200), Kind::Internal);
        assert_eq!(Kind::parse("exit"), None);
    }

    #[test]
    fn spellings_and_statuses_are_runcs() {
        let spelled: Vec<_> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(spelled, ["config", "not_found", "permission", "rootfs", "namespace", "cgroup", "mount", "user", "process", "state", "internal"]);
        assert_eq!(Kind::NotFound.exit_status(), 127);
        assert_eq!(Kind::Permission.exit_status(), 126);
        assert_eq!(Kind::Mount.exit_status(), 1);
    }
}
