//! Every error code a user can see: the `code` of `{"error": {"code", "message"}}` under
//! `--json`, from the CLI, the napi binding and the runtime's front door alike. Scripts and
//! tests match these spellings, so they never change; each code has one exit status.

use crate::{Kind, EXIT_ENGINE, EXIT_NO_SUCH};

/// The CLI's status for a runtime failure of `kind`: the runtime's own (126/127 for a command
/// that cannot run) except its generic 1, which from the CLI is docker's 125.
const fn runtime_exit(kind: Kind) -> i32 {
    match kind.exit_status() {
        1 => EXIT_ENGINE,
        s => s,
    }
}

/// One table: variant, spelling, exit status. The macro keeps the three in one row so a code
/// cannot be added without its spelling and status.
macro_rules! codes {
    ($($variant:ident = $spelling:literal => $exit:expr,)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($variant,)*
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $spelling,)*
                }
            }

            /// docker's exit status for a failure with this code.
            pub const fn exit_status(self) -> i32 {
                match self {
                    $(ErrorCode::$variant => $exit,)*
                }
            }
        }
    };
}

codes! {
    // Bad input: flags, arguments, config files. docker's 125.
    InvalidUsage = "invalid_usage" => EXIT_ENGINE,
    UnknownCommand = "unknown_command" => EXIT_ENGINE,
    UnknownFlag = "unknown_flag" => EXIT_ENGINE,
    FlagNeedsValue = "flag_needs_value" => EXIT_ENGINE,
    InvalidFlag = "invalid_flag" => EXIT_ENGINE,
    ConflictingOptions = "conflicting_options" => EXIT_ENGINE,
    InvalidFilter = "invalid_filter" => EXIT_ENGINE,
    InvalidFormat = "invalid_format" => EXIT_ENGINE,
    InvalidSince = "invalid_since" => EXIT_ENGINE,
    InvalidName = "invalid_name" => EXIT_ENGINE,
    InvalidId = "invalid_id" => EXIT_ENGINE,
    InvalidEnv = "invalid_env" => EXIT_ENGINE,
    InvalidEnvFile = "invalid_env_file" => EXIT_ENGINE,
    InvalidWorkdir = "invalid_workdir" => EXIT_ENGINE,
    InvalidHostname = "invalid_hostname" => EXIT_ENGINE,
    InvalidVolume = "invalid_volume" => EXIT_ENGINE,
    VolumeSourceMissing = "volume_source_missing" => EXIT_ENGINE,
    InvalidResource = "invalid_resource" => EXIT_ENGINE,
    InvalidRestartPolicy = "invalid_restart_policy" => EXIT_ENGINE,
    InvalidCapability = "invalid_capability" => EXIT_ENGINE,
    CapabilityUnavailable = "capability_unavailable" => EXIT_ENGINE,
    InvalidSecurityOpt = "invalid_security_opt" => EXIT_ENGINE,
    InvalidSeccompProfile = "invalid_seccomp_profile" => EXIT_ENGINE,
    InvalidUserns = "invalid_userns" => EXIT_ENGINE,
    UsernsExhausted = "userns_exhausted" => EXIT_ENGINE,
    UnknownUser = "unknown_user" => EXIT_ENGINE,
    NoImage = "no_image" => EXIT_ENGINE,
    NoCommand = "no_command" => EXIT_ENGINE,
    RootfsRelative = "rootfs_relative" => EXIT_ENGINE,
    RootfsMissing = "rootfs_missing" => EXIT_ENGINE,
    RootfsNotDirectory = "rootfs_not_directory" => EXIT_ENGINE,
    RootfsBadFile = "rootfs_bad_file" => EXIT_ENGINE,
    RootfsSymlinkLoop = "rootfs_symlink_loop" => EXIT_ENGINE,
    RootfsMount = "rootfs_mount" => EXIT_ENGINE,

    // Containers. A container that is absent or not in a state for the command is docker's 1
    // (docker kill/stop/pause/exec), not an engine failure.
    NoSuchContainer = "no_such_container" => EXIT_NO_SUCH,
    // `inspect` of a name that is no container, image, network or volume (docker's 1).
    NoSuchObject = "no_such_object" => EXIT_NO_SUCH,
    AmbiguousId = "ambiguous_id" => EXIT_NO_SUCH,
    ContainerNotFound = "container_not_found" => EXIT_ENGINE,
    ContainerNotRunning = "container_not_running" => EXIT_NO_SUCH,
    ContainerNotPaused = "container_not_paused" => EXIT_NO_SUCH,
    ContainerRunning = "container_running" => EXIT_NO_SUCH,
    ContainerCreating = "container_creating" => EXIT_NO_SUCH,
    ContainerDead = "container_dead" => EXIT_NO_SUCH,
    NameInUse = "name_in_use" => EXIT_ENGINE,
    CreateFailed = "create_failed" => EXIT_ENGINE,
    RemoveFailed = "remove_failed" => EXIT_ENGINE,
    KillFailed = "kill_failed" => EXIT_ENGINE,
    StopFailed = "stop_failed" => EXIT_ENGINE,
    PauseFailed = "pause_failed" => EXIT_NO_SUCH,
    UnpauseFailed = "unpause_failed" => EXIT_NO_SUCH,
    TopFailed = "top_failed" => EXIT_NO_SUCH,
    UnsafeRunDir = "unsafe_run_dir" => EXIT_ENGINE,
    // cp: docker's 1 for a path that is not there or cannot take the copy.
    CpNoSuchPath = "cp_no_such_path" => EXIT_NO_SUCH,
    CpInvalidPath = "cp_invalid_path" => EXIT_NO_SUCH,
    CpRefused = "cp_refused" => EXIT_NO_SUCH,
    CpFailed = "cp_failed" => EXIT_NO_SUCH,
    CpUnsupported = "cp_unsupported" => EXIT_NO_SUCH,
    // port: no such published port (docker's 1).
    NoPublicPort = "no_public_port" => EXIT_NO_SUCH,

    // The runtime binary: missing, failing as a process, or reporting a failure of a kind.
    RuntimeMissing = "runtime_missing" => EXIT_ENGINE,
    RuntimeFailed = "runtime_failed" => EXIT_ENGINE,
    RuntimeDeleteFailed = "runtime_delete_failed" => EXIT_ENGINE,
    RuntimeConfig = "runtime_config" => runtime_exit(Kind::Config),
    RuntimeNotFound = "runtime_not_found" => runtime_exit(Kind::NotFound),
    RuntimePermission = "runtime_permission" => runtime_exit(Kind::Permission),
    RuntimeRootfs = "runtime_rootfs" => runtime_exit(Kind::Rootfs),
    RuntimeNamespace = "runtime_namespace" => runtime_exit(Kind::Namespace),
    RuntimeCgroup = "runtime_cgroup" => runtime_exit(Kind::Cgroup),
    RuntimeMount = "runtime_mount" => runtime_exit(Kind::Mount),
    RuntimeUser = "runtime_user" => runtime_exit(Kind::User),
    RuntimeProcess = "runtime_process" => runtime_exit(Kind::Process),
    RuntimeState = "runtime_state" => runtime_exit(Kind::State),
    RuntimeInternal = "runtime_internal" => runtime_exit(Kind::Internal),

    // Images and the store.
    ImageNotFound = "image_not_found" => EXIT_ENGINE,
    ImageAmbiguous = "image_ambiguous" => EXIT_ENGINE,
    ImageConflict = "image_conflict" => EXIT_ENGINE,
    ImageInUse = "image_in_use" => EXIT_ENGINE,
    InvalidReference = "invalid_reference" => EXIT_ENGINE,
    InvalidImage = "invalid_image" => EXIT_ENGINE,
    InvalidArchive = "invalid_archive" => EXIT_ENGINE,
    ArchiveIo = "archive_io" => EXIT_ENGINE,
    BlobMismatch = "blob_mismatch" => EXIT_ENGINE,
    BlobMissing = "blob_missing" => EXIT_ENGINE,
    LayerRejected = "layer_rejected" => EXIT_ENGINE,
    StoreCorrupt = "store_corrupt" => EXIT_ENGINE,
    StoreIo = "store_io" => EXIT_ENGINE,
    HostBinaryNotFound = "host_binary_not_found" => EXIT_ENGINE,
    FromHost = "from_host" => EXIT_ENGINE,
    FromHostElf = "from_host_elf" => EXIT_ENGINE,
    FromHostInput = "from_host_input" => EXIT_ENGINE,

    // Builds (`tsc-box build`): docker build exits 1 for a failed step or a bad Dockerfile.
    BuildFailed = "build_failed" => EXIT_NO_SUCH,
    BuildDockerfile = "build_dockerfile" => EXIT_NO_SUCH,
    BuildContext = "build_context" => EXIT_NO_SUCH,
    BuildLayer = "build_layer" => EXIT_ENGINE,

    // Registries.
    RegistryAuth = "registry_auth" => EXIT_ENGINE,
    RegistryError = "registry_error" => EXIT_ENGINE,
    RegistryInterrupted = "registry_interrupted" => EXIT_ENGINE,
    RegistryNotFound = "registry_not_found" => EXIT_ENGINE,
    RegistryProtocol = "registry_protocol" => EXIT_ENGINE,
    RegistryTimeout = "registry_timeout" => EXIT_ENGINE,
    RegistryUnreachable = "registry_unreachable" => EXIT_ENGINE,
    NoMatchingPlatform = "no_matching_platform" => EXIT_ENGINE,

    // Files fetched from an http(s) URL (`import URL`, a build's `ADD URL`).
    DownloadFailed = "download_failed" => EXIT_ENGINE,

    // Networks.
    NetworkFailed = "network_failed" => EXIT_ENGINE,
    NetworkNotFound = "network_not_found" => EXIT_ENGINE,
    NetworkExists = "network_exists" => EXIT_ENGINE,
    NetworkInUse = "network_in_use" => EXIT_ENGINE,
    NetworkDefault = "network_default" => EXIT_ENGINE,
    NetworkRootless = "network_rootless" => EXIT_ENGINE,
    NetworkUnavailable = "network_unavailable" => EXIT_ENGINE,
    InvalidNetwork = "invalid_network" => EXIT_ENGINE,
    InvalidNetworkName = "invalid_network_name" => EXIT_ENGINE,
    InvalidSubnet = "invalid_subnet" => EXIT_ENGINE,
    SubnetOverlap = "subnet_overlap" => EXIT_ENGINE,
    InvalidGateway = "invalid_gateway" => EXIT_ENGINE,
    InvalidBridge = "invalid_bridge" => EXIT_ENGINE,
    InvalidMtu = "invalid_mtu" => EXIT_ENGINE,
    InvalidIp = "invalid_ip" => EXIT_ENGINE,
    InvalidPublish = "invalid_publish" => EXIT_ENGINE,
    InvalidDns = "invalid_dns" => EXIT_ENGINE,
    InvalidAddHost = "invalid_add_host" => EXIT_ENGINE,
    Ipv6Unavailable = "ipv6_unavailable" => EXIT_ENGINE,
    Nftables = "nftables" => EXIT_ENGINE,
    AlreadyConnected = "already_connected" => EXIT_ENGINE,
    NotConnected = "not_connected" => EXIT_ENGINE,

    // Volumes (`volume` commands, `-v NAME:/path`, `--mount`, `--tmpfs`): docker's daemon
    // errors on a volume are its CLI's 1.
    NoSuchVolume = "no_such_volume" => EXIT_NO_SUCH,
    VolumeInUse = "volume_in_use" => EXIT_NO_SUCH,
    InvalidVolumeName = "invalid_volume_name" => EXIT_NO_SUCH,
    InvalidVolumeOption = "invalid_volume_option" => EXIT_NO_SUCH,
    VolumeFailed = "volume_failed" => EXIT_ENGINE,
    InvalidMount = "invalid_mount" => EXIT_ENGINE,

    // A bug or an unexpected host failure.
    Internal = "internal" => EXIT_ENGINE,
}

impl ErrorCode {
    /// Inverse of `as_str`; None for a spelling that is no code.
    pub fn parse(s: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.iter().copied().find(|c| c.as_str() == s)
    }

    /// The code of a runtime failure of `kind`: `runtime_<kind>`.
    pub const fn runtime(kind: Kind) -> ErrorCode {
        match kind {
            Kind::Config => ErrorCode::RuntimeConfig,
            Kind::NotFound => ErrorCode::RuntimeNotFound,
            Kind::Permission => ErrorCode::RuntimePermission,
            Kind::Rootfs => ErrorCode::RuntimeRootfs,
            Kind::Namespace => ErrorCode::RuntimeNamespace,
            Kind::Cgroup => ErrorCode::RuntimeCgroup,
            Kind::Mount => ErrorCode::RuntimeMount,
            Kind::User => ErrorCode::RuntimeUser,
            Kind::Process => ErrorCode::RuntimeProcess,
            Kind::State => ErrorCode::RuntimeState,
            Kind::Internal => ErrorCode::RuntimeInternal,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// napi-rs puts an error's status string in the JS error's `code` property.
impl AsRef<str> for ErrorCode {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn spellings_are_unique_snake_case_and_round_trip() {
        let mut seen = HashSet::new();
        for &c in ErrorCode::ALL {
            let s = c.as_str();
            assert!(seen.insert(s), "{s} spelled twice");
            assert!(!s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'), "{s}");
            assert_eq!(ErrorCode::parse(s), Some(c));
        }
        assert_eq!(ErrorCode::parse("no_such_thing"), None);
        assert_eq!(ErrorCode::parse("exit"), None);
    }

    /// Users and tests match these; a change here is a break of the JSON contract.
    #[test]
    fn published_spellings_and_statuses_stay() {
        let fixed = [
            (ErrorCode::InvalidUsage, "invalid_usage", 125),
            (ErrorCode::UnknownFlag, "unknown_flag", 125),
            (ErrorCode::FlagNeedsValue, "flag_needs_value", 125),
            (ErrorCode::NoSuchContainer, "no_such_container", 1),
            (ErrorCode::ContainerNotRunning, "container_not_running", 1),
            (ErrorCode::ContainerRunning, "container_running", 1),
            (ErrorCode::ImageNotFound, "image_not_found", 125),
            (ErrorCode::RuntimeNotFound, "runtime_not_found", 127),
            (ErrorCode::RuntimePermission, "runtime_permission", 126),
            (ErrorCode::RuntimeNamespace, "runtime_namespace", 125),
            (ErrorCode::RuntimeInternal, "runtime_internal", 125),
            (ErrorCode::Internal, "internal", 125),
        ];
        for (c, s, exit) in fixed {
            assert_eq!((c.as_str(), c.exit_status()), (s, exit));
        }
    }

    #[test]
    fn every_status_is_dockers() {
        for &c in ErrorCode::ALL {
            assert!([1, 125, 126, 127].contains(&c.exit_status()), "{c}: {}", c.exit_status());
        }
    }

    #[test]
    fn runtime_codes_are_the_kinds() {
        for k in Kind::ALL {
            let c = ErrorCode::runtime(k);
            assert_eq!(c.as_str(), format!("runtime_{}", k.as_str()));
            assert_eq!(c.exit_status(), if k.exit_status() == 1 { 125 } else { k.exit_status() });
        }
    }
}
