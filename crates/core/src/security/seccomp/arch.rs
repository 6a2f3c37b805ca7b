//! The architectures the compiler knows: their audit values, syscall tables and word size.

use oci_spec::runtime::Arch;

use super::tables;

const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
const AUDIT_ARCH_I386: u32 = 0x4000_0003;
const AUDIT_ARCH_AARCH64: u32 = 0xc000_00b7;
/// x32 syscalls arrive with the x86_64 audit value and this bit set in the number.
pub const X32_SYSCALL_BIT: u32 = 0x4000_0000;

/// An architecture whose rules we compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Abi {
    X86_64,
    I386,
    X32,
    Aarch64,
}

impl Abi {
    /// The value the kernel puts in seccomp_data.arch for this ABI.
    pub fn audit_arch(self) -> u32 {
        match self {
            Abi::X86_64 | Abi::X32 => AUDIT_ARCH_X86_64,
            Abi::I386 => AUDIT_ARCH_I386,
            Abi::Aarch64 => AUDIT_ARCH_AARCH64,
        }
    }

    /// Whether syscall arguments are 64 bits wide (else the kernel zero-extends 32-bit ones).
    /// x32 passes its arguments in 64-bit registers, which the kernel hands over unchanged.
    pub fn wide_args(self) -> bool {
        !matches!(self, Abi::I386)
    }

    pub fn syscall(self, name: &str) -> Option<u32> {
        let table = match self {
            Abi::X86_64 => tables::X86_64,
            Abi::I386 => tables::I386,
            Abi::X32 => tables::X32,
            Abi::Aarch64 => tables::AARCH64,
        };
        table.binary_search_by(|(n, _)| n.cmp(&name)).ok().map(|i| table[i].1)
    }
}

/// The machine the filter will run on: decides which profile architectures are reachable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    X86_64,
    #[cfg_attr(not(target_arch = "aarch64"), allow(dead_code))] // built on aarch64 hosts; tests
    Aarch64,
}

/// What to do with one architecture named by a profile on this host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Compile its rules.
    Compile(Abi),
    /// Nothing to compile: the host can never run it, or (ARM on aarch64) we have no table
    /// for it, and its tasks then meet the bad-arch action (kill), which fails closed.
    Skip,
}

impl Host {
    pub fn native() -> Host {
        #[cfg(target_arch = "x86_64")]
        return Host::X86_64;
        #[cfg(target_arch = "aarch64")]
        return Host::Aarch64;
    }

    pub fn native_abi(self) -> Abi {
        match self {
            Host::X86_64 => Abi::X86_64,
            Host::Aarch64 => Abi::Aarch64,
        }
    }

    pub fn reach(self, arch: Arch) -> Reach {
        match (self, arch) {
            (_, Arch::ScmpArchNative) => Reach::Compile(self.native_abi()),
            (Host::X86_64, Arch::ScmpArchX86_64) => Reach::Compile(Abi::X86_64),
            (Host::X86_64, Arch::ScmpArchX86) => Reach::Compile(Abi::I386),
            (Host::X86_64, Arch::ScmpArchX32) => Reach::Compile(Abi::X32),
            (Host::Aarch64, Arch::ScmpArchAarch64) => Reach::Compile(Abi::Aarch64),
            _ => Reach::Skip,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_for_binary_search() {
        for t in [tables::X86_64, tables::I386, tables::X32, tables::AARCH64] {
            assert!(t.windows(2).all(|w| w[0].0 < w[1].0));
        }
    }

    #[test]
    fn known_numbers() {
        assert_eq!(Abi::X86_64.syscall("read"), Some(0));
        assert_eq!(Abi::X86_64.syscall("clone3"), Some(435));
        assert_eq!(Abi::I386.syscall("execve"), Some(11));
        assert_eq!(Abi::X32.syscall("execve"), Some(X32_SYSCALL_BIT | 520));
        assert_eq!(Abi::Aarch64.syscall("openat"), Some(56));
        assert_eq!(Abi::Aarch64.syscall("open"), None);
        assert_eq!(Abi::X86_64.syscall("file_setattr"), Some(469));
        assert_eq!(Abi::X86_64.syscall("no_such_call"), None);
    }

    #[test]
    fn host_native_table_matches_libc() {
        #[cfg(target_arch = "x86_64")]
        {
            assert_eq!(Abi::X86_64.syscall("seccomp"), Some(libc::SYS_seccomp as u32));
            assert_eq!(Abi::X86_64.syscall("keyctl"), Some(libc::SYS_keyctl as u32));
        }
    }

    #[test]
    fn reachability() {
        assert_eq!(Host::X86_64.reach(Arch::ScmpArchAarch64), Reach::Skip);
        assert_eq!(Host::X86_64.reach(Arch::ScmpArchX32), Reach::Compile(Abi::X32));
        assert_eq!(Host::Aarch64.reach(Arch::ScmpArchArm), Reach::Skip);
        assert_eq!(Host::Aarch64.reach(Arch::ScmpArchNative), Reach::Compile(Abi::Aarch64));
    }
}
