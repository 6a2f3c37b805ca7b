//! The stable error kinds of the runtime's JSON log line (contract 2): the CLI maps them to
//! docker's exit codes, so their spelling never changes.

/// What went wrong, in the vocabulary the CLI relies on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    pub fn as_str(self) -> &'static str {
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

    /// Inverse of `as_str`, for kinds that cross the sync socket from the container.
    pub fn from_u8(v: u8) -> Kind {
        match v {
            0 => Kind::Config,
            1 => Kind::NotFound,
            2 => Kind::Permission,
            3 => Kind::Rootfs,
            4 => Kind::Namespace,
            5 => Kind::Cgroup,
            6 => Kind::Mount,
            7 => Kind::User,
            8 => Kind::Process,
            9 => Kind::State,
            _ => Kind::Internal,
        }
    }

    pub fn to_u8(self) -> u8 {
        self as u8
    }

    /// The exit status `run` returns for a failure of this kind (like runc and docker).
    pub fn exit_status(self) -> i32 {
        match self {
            Kind::NotFound => 127,
            Kind::Permission => 126,
            _ => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_u8() {
        for k in [
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
        ] {
            assert_eq!(Kind::from_u8(k.to_u8()), k);
        }
        assert_eq!(Kind::NotFound.as_str(), "not_found");
        assert_eq!(Kind::Permission.exit_status(), 126);
    }
}
