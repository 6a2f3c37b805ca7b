//! Device rules on cgroup v2: v2 has no devices.allow file, the kernel instead asks an eBPF
//! program of type BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup. The program is
//! assembled here by hand from the OCI rules and loaded with the bpf(2) syscall (nix has no
//! wrapper for it).
//!
//! Semantics match v1's devices.allow/deny written in order: the last rule that matches a
//! request decides; a request no rule matches is allowed (as a fresh v1 cgroup inherits
//! "a *:* rwm"). Rule lists therefore start with a deny-all, as every OCI generator does.
use oci_spec::runtime::{LinuxDeviceCgroup, LinuxDeviceType};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum DevicesError {
    #[error("cannot open cgroup directory {path}: {source}")]
    Open {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the kernel refused the device-rules eBPF program: {source}{}", if log.is_empty() { String::new() } else { format!(" (verifier: {log})") })]
    Load {
        #[source]
        source: std::io::Error,
        log: String,
    },
    #[error("cannot attach the device-rules eBPF program to {path}: {source}")]
    Attach {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot {what} the device eBPF program of {path}: {source}")]
    Program {
        what: &'static str,
        path: String,
        #[source]
        source: std::io::Error,
    },
}

// Instruction classes and operations (linux/bpf_common.h, linux/bpf.h).
const LDX_MEM_W: u8 = 0x61; // dst = *(u32 *)(src + off)
const ALU32_AND_K: u8 = 0x54;
const ALU32_RSH_K: u8 = 0x74;
const ALU64_MOV_K: u8 = 0xb7;
const ALU64_MOV_X: u8 = 0xbf;
const JMP_JNE_K: u8 = 0x55;
const JMP_JEQ_K: u8 = 0x15;
const EXIT: u8 = 0x95;

// struct bpf_cgroup_dev_ctx: access_type (type | access << 16), major, minor.
const DEV_BLOCK: i32 = 1;
const DEV_CHAR: i32 = 2;
const ACC_MKNOD: i32 = 1;
const ACC_READ: i32 = 2;
const ACC_WRITE: i32 = 4;

const BPF_PROG_LOAD: libc::c_long = 5;
const BPF_PROG_ATTACH: libc::c_long = 8;
const BPF_PROG_DETACH: libc::c_long = 9;
const BPF_PROG_GET_FD_BY_ID: libc::c_long = 13;
const BPF_PROG_QUERY: libc::c_long = 16;
const BPF_PROG_TYPE_CGROUP_DEVICE: u32 = 15;
const BPF_CGROUP_DEVICE: u32 = 6;

#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Insn {
    pub code: u8,
    /// dst register in the low nibble, src in the high one.
    pub regs: u8,
    pub off: i16,
    pub imm: i32,
}

const fn insn(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> Insn {
    Insn { code, regs: (src << 4) | (dst & 0x0f), off, imm }
}

fn access_bits(access: &str) -> i32 {
    access.chars().fold(0, |acc, c| {
        acc | match c {
            'm' => ACC_MKNOD,
            'r' => ACC_READ,
            'w' => ACC_WRITE,
            _ => 0,
        }
    })
}

/// Assemble the program. Registers: r2 device type, r3 requested access, r4 major, r5 minor.
pub fn assemble(rules: &[LinuxDeviceCgroup]) -> Vec<Insn> {
    let mut prog = vec![
        insn(LDX_MEM_W, 2, 1, 0, 0),
        insn(ALU32_AND_K, 2, 0, 0, 0xffff),
        insn(LDX_MEM_W, 3, 1, 0, 0),
        insn(ALU32_RSH_K, 3, 0, 0, 16),
        insn(LDX_MEM_W, 4, 1, 4, 0),
        insn(LDX_MEM_W, 5, 1, 8, 0),
    ];
    // Last match wins: test the rules from the last one back.
    for rule in rules.iter().rev() {
        let typ = match rule.typ().unwrap_or_default() {
            LinuxDeviceType::A => None,
            LinuxDeviceType::B => Some(DEV_BLOCK),
            LinuxDeviceType::C | LinuxDeviceType::U => Some(DEV_CHAR),
            // FIFOs are not devices: the kernel never asks about them.
            LinuxDeviceType::P => continue,
        };
        let acc = access_bits(rule.access().as_deref().filter(|a| !a.is_empty()).unwrap_or("rwm"));
        // Each element: an instruction, and whether it jumps to the end of the block.
        let mut block: Vec<(Insn, bool)> = Vec::new();
        if let Some(t) = typ {
            block.push((insn(JMP_JNE_K, 2, 0, 0, t), true));
        }
        if acc != ACC_MKNOD | ACC_READ | ACC_WRITE {
            block.push((insn(ALU64_MOV_X, 1, 3, 0, 0), false));
            if rule.allow() {
                // An allow rule covers a request only if every asked right is in it.
                block.push((insn(ALU32_AND_K, 1, 0, 0, !acc & 7), false));
                block.push((insn(JMP_JNE_K, 1, 0, 0, 0), true));
            } else {
                // A deny rule hits a request asking for any right it names.
                block.push((insn(ALU32_AND_K, 1, 0, 0, acc), false));
                block.push((insn(JMP_JEQ_K, 1, 0, 0, 0), true));
            }
        }
        if let Some(m) = rule.major() {
            block.push((insn(JMP_JNE_K, 4, 0, 0, m as i32), true));
        }
        if let Some(m) = rule.minor() {
            block.push((insn(JMP_JNE_K, 5, 0, 0, m as i32), true));
        }
        block.push((insn(ALU64_MOV_K, 0, 0, 0, rule.allow() as i32), false));
        block.push((insn(EXIT, 0, 0, 0, 0), false));
        let len = block.len();
        // A rule matching everything ends the program: the verifier refuses unreachable code.
        let unconditional = !block.iter().any(|(_, to_next)| *to_next);
        for (i, (mut ins, to_next)) in block.into_iter().enumerate() {
            if to_next {
                ins.off = (len - i - 1) as i16;
            }
            prog.push(ins);
        }
        if unconditional {
            return prog;
        }
    }
    prog.push(insn(ALU64_MOV_K, 0, 0, 0, 1));
    prog.push(insn(EXIT, 0, 0, 0, 0));
    prog
}

#[repr(C)]
#[derive(Default)]
struct ProgLoadAttr {
    prog_type: u32,
    insn_cnt: u32,
    insns: u64,
    license: u64,
    log_level: u32,
    log_size: u32,
    log_buf: u64,
    kern_version: u32,
    prog_flags: u32,
}

#[repr(C)]
#[derive(Default)]
struct ProgAttachAttr {
    target_fd: u32,
    attach_bpf_fd: u32,
    attach_type: u32,
    attach_flags: u32,
    replace_bpf_fd: u32,
}

fn load(prog: &[Insn]) -> Result<OwnedFd, DevicesError> {
    let license = c"Apache-2.0";
    let try_load = |log: &mut Vec<u8>| {
        let attr = ProgLoadAttr {
            prog_type: BPF_PROG_TYPE_CGROUP_DEVICE,
            insn_cnt: prog.len() as u32,
            insns: prog.as_ptr() as u64,
            license: license.as_ptr() as u64,
            log_level: if log.is_empty() { 0 } else { 1 },
            log_size: log.len() as u32,
            log_buf: if log.is_empty() { 0 } else { log.as_mut_ptr() as u64 },
            ..Default::default()
        };
        // SAFETY: attr is a fully initialised repr(C) prefix of union bpf_attr (no padding) and
        // the kernel reads at most the size given. insns/insn_cnt describe the `prog` slice and
        // license is a NUL-terminated C string literal, both alive for the whole call; log_buf
        // is 0 or points at `log`, mutably borrowed here, of which the kernel writes at most
        // log_size bytes.
        let fd = unsafe { libc::syscall(libc::SYS_bpf, BPF_PROG_LOAD, &attr as *const _, std::mem::size_of::<ProgLoadAttr>()) };
        if fd < 0 {
            Err(std::io::Error::last_os_error())
        } else {
            // SAFETY: fd >= 0 is a descriptor BPF_PROG_LOAD has just created for this call;
            // nothing else owns it, so the OwnedFd is its only owner and closes it once.
            Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
        }
    };
    try_load(&mut Vec::new()).or_else(|source| {
        // Load again with the verifier's log to say why.
        let mut log = vec![0u8; 1 << 16];
        match try_load(&mut log) {
            Ok(fd) => Ok(fd),
            Err(_) => {
                let end = log.iter().position(|b| *b == 0).unwrap_or(log.len());
                Err(DevicesError::Load { source, log: String::from_utf8_lossy(&log[..end]).trim().to_string() })
            }
        }
    })
}

fn open_dir(dir: &Path) -> Result<OwnedFd, DevicesError> {
    use nix::fcntl::{open, OFlag};
    open(dir, OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, nix::sys::stat::Mode::empty())
        .map_err(|e| DevicesError::Open { path: dir.display().to_string(), source: e.into() })
}

#[repr(C)]
#[derive(Default)]
struct ProgQueryAttr {
    target_fd: u32,
    attach_type: u32,
    query_flags: u32,
    attach_flags: u32,
    prog_ids: u64,
    prog_cnt: u32,
}

#[repr(C)]
#[derive(Default)]
struct GetFdByIdAttr {
    prog_id: u32,
    next_id: u32,
    open_flags: u32,
}

/// bpf(2) with `attr`, which the kernel may write back into (BPF_PROG_QUERY's prog_cnt).
fn bpf<T>(cmd: libc::c_long, attr: &mut T) -> libc::c_long {
    // SAFETY: the callers (this module only) pass ProgQueryAttr, ProgAttachAttr or
    // GetFdByIdAttr: repr(C) prefixes of union bpf_attr built with every field set, behind a
    // unique borrow valid for size_of::<T>() bytes of reads and writes. The only pointer among
    // them is ProgQueryAttr::prog_ids, which attached_program points at its `ids` array with
    // prog_cnt its length, so the kernel writes no further than that array.
    unsafe { libc::syscall(libc::SYS_bpf, cmd, attr as *mut T, std::mem::size_of::<T>()) }
}

/// The id of the device program attached to the cgroup `dir` itself (not inherited), if any.
pub fn attached_program(dir: &Path) -> Result<Option<u32>, DevicesError> {
    let cg = open_dir(dir)?;
    let mut ids = [0u32; 64];
    let mut attr = ProgQueryAttr {
        target_fd: cg.as_raw_fd() as u32,
        attach_type: BPF_CGROUP_DEVICE,
        prog_ids: ids.as_mut_ptr() as u64,
        prog_cnt: ids.len() as u32,
        ..Default::default()
    };
    if bpf(BPF_PROG_QUERY, &mut attr) < 0 {
        return Err(DevicesError::Program { what: "query", path: dir.display().to_string(), source: std::io::Error::last_os_error() });
    }
    // With no flags a cgroup holds one program at most.
    let n = attr.prog_cnt as usize;
    Ok(ids[..n.min(ids.len())].first().copied())
}

/// Puts back what `attached_program` saw: program `id` attached to `dir` again, or no
/// program at all.
pub fn reattach(dir: &Path, id: Option<u32>) -> Result<(), DevicesError> {
    let cg = open_dir(dir)?;
    let err = |what| move |source| DevicesError::Program { what, path: dir.display().to_string(), source };
    let Some(id) = id else {
        let mut attr = ProgAttachAttr { target_fd: cg.as_raw_fd() as u32, attach_type: BPF_CGROUP_DEVICE, ..Default::default() };
        if bpf(BPF_PROG_DETACH, &mut attr) < 0 {
            let e = std::io::Error::last_os_error();
            // Nothing attached (ours never was): already as it was.
            if e.raw_os_error() != Some(libc::ENOENT) {
                return Err(err("detach")(e));
            }
        }
        return Ok(());
    };
    let fd = bpf(BPF_PROG_GET_FD_BY_ID, &mut GetFdByIdAttr { prog_id: id, ..Default::default() });
    if fd < 0 {
        return Err(err("find")(std::io::Error::last_os_error()));
    }
    // SAFETY: fd >= 0 is a descriptor BPF_PROG_GET_FD_BY_ID has just created for this call;
    // nothing else owns it, so the OwnedFd is its only owner and closes it once.
    let prog = unsafe { OwnedFd::from_raw_fd(fd as i32) };
    let mut attr =
        ProgAttachAttr { target_fd: cg.as_raw_fd() as u32, attach_bpf_fd: prog.as_raw_fd() as u32, attach_type: BPF_CGROUP_DEVICE, ..Default::default() };
    if bpf(BPF_PROG_ATTACH, &mut attr) < 0 {
        return Err(err("re-attach")(std::io::Error::last_os_error()));
    }
    Ok(())
}

/// Build, load and attach the program for `rules` to the cgroup at `dir`, replacing the one a
/// previous call attached. The attachment outlives this process and ends with the cgroup.
pub fn attach(dir: &Path, rules: &[LinuxDeviceCgroup]) -> Result<(), DevicesError> {
    let prog = load(&assemble(rules))?;
    crate::restore::note_device_program(dir)?;
    let cg = open_dir(dir)?;
    let attr = ProgAttachAttr {
        target_fd: cg.as_raw_fd() as u32,
        attach_bpf_fd: prog.as_raw_fd() as u32,
        attach_type: BPF_CGROUP_DEVICE,
        // No flags: a single program per cgroup, which a later attach replaces.
        attach_flags: 0,
        ..Default::default()
    };
    // SAFETY: attr is a fully initialised repr(C) prefix of union bpf_attr (five u32, no
    // padding, no pointers) that lives through the call, and the kernel reads at most the size
    // given; the two fds in it are `cg` and `prog`, both open until this function returns.
    let rc = unsafe { libc::syscall(libc::SYS_bpf, BPF_PROG_ATTACH, &attr as *const _, std::mem::size_of::<ProgAttachAttr>()) };
    if rc < 0 {
        return Err(DevicesError::Attach { path: dir.display().to_string(), source: std::io::Error::last_os_error() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use oci_spec::runtime::LinuxDeviceCgroupBuilder;

    /// Run the subset of eBPF that assemble() emits, on one request.
    fn run(prog: &[Insn], typ: i32, access: i32, major: u32, minor: u32) -> u64 {
        let ctx = [(typ as u32) | ((access as u32) << 16), major, minor];
        let mut r = [0u64; 11];
        let mut pc = 0usize;
        loop {
            let i = prog[pc];
            let (dst, src) = ((i.regs & 0x0f) as usize, (i.regs >> 4) as usize);
            pc += 1;
            match i.code {
                LDX_MEM_W => {
                    assert_eq!(src, 1);
                    r[dst] = ctx[(i.off / 4) as usize] as u64
                }
                ALU32_AND_K => r[dst] = (r[dst] as u32 & i.imm as u32) as u64,
                ALU32_RSH_K => r[dst] = ((r[dst] as u32) >> i.imm) as u64,
                ALU64_MOV_K => r[dst] = i.imm as i64 as u64,
                ALU64_MOV_X => r[dst] = r[src],
                JMP_JNE_K => {
                    if r[dst] != i.imm as i64 as u64 {
                        pc += i.off as usize
                    }
                }
                JMP_JEQ_K => {
                    if r[dst] == i.imm as i64 as u64 {
                        pc += i.off as usize
                    }
                }
                EXIT => return r[0],
                c => panic!("unexpected opcode {c:#x}"),
            }
        }
    }

    fn rule(allow: bool, typ: LinuxDeviceType, major: Option<i64>, minor: Option<i64>, access: &str) -> LinuxDeviceCgroup {
        let mut b = LinuxDeviceCgroupBuilder::default().allow(allow).typ(typ).access(access);
        if let Some(m) = major {
            b = b.major(m);
        }
        if let Some(m) = minor {
            b = b.minor(m);
        }
        b.build().unwrap()
    }

    #[test]
    fn deny_all_then_allow_some() {
        let rules = vec![
            rule(false, LinuxDeviceType::A, None, None, "rwm"),
            rule(true, LinuxDeviceType::C, Some(1), Some(3), "rwm"),
            rule(true, LinuxDeviceType::C, Some(136), None, "rw"),
        ];
        let p = assemble(&rules);
        assert_eq!(p.last(), Some(&insn(EXIT, 0, 0, 0, 0)));
        assert!(!p.ends_with(&[insn(ALU64_MOV_K, 0, 0, 0, 1), insn(EXIT, 0, 0, 0, 0)]), "no unreachable default");
        assert_eq!(run(&p, DEV_CHAR, ACC_READ | ACC_WRITE, 1, 3), 1, "/dev/null");
        assert_eq!(run(&p, DEV_CHAR, ACC_MKNOD, 1, 3), 1, "mknod /dev/null");
        assert_eq!(run(&p, DEV_BLOCK, ACC_READ, 8, 0), 0, "/dev/sda");
        assert_eq!(run(&p, DEV_CHAR, ACC_READ, 1, 5), 0, "/dev/zero not listed");
        assert_eq!(run(&p, DEV_CHAR, ACC_WRITE, 136, 4), 1, "pty write");
        assert_eq!(run(&p, DEV_CHAR, ACC_MKNOD, 136, 4), 0, "pty mknod not allowed");
    }

    #[test]
    fn later_deny_overrides_allow() {
        let rules = vec![rule(true, LinuxDeviceType::A, None, None, "rwm"), rule(false, LinuxDeviceType::B, Some(8), None, "w")];
        let p = assemble(&rules);
        assert_eq!(run(&p, DEV_BLOCK, ACC_READ, 8, 1), 1);
        assert_eq!(run(&p, DEV_BLOCK, ACC_READ | ACC_WRITE, 8, 1), 0);
        assert_eq!(run(&p, DEV_CHAR, ACC_WRITE, 8, 1), 1);
    }

    #[test]
    fn no_rules_allow_everything() {
        assert_eq!(run(&assemble(&[]), DEV_BLOCK, ACC_WRITE, 8, 0), 1);
    }
}
