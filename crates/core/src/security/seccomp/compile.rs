//! Profile -> BPF. The program dispatches on seccomp_data.arch, then binary-searches the
//! syscall number over a partition of the number space into intervals that share one outcome
//! (allowlists are mostly runs of consecutive allowed numbers), so a syscall costs about
//! log2(intervals) comparisons rather than one per listed syscall.

use std::collections::BTreeMap;

use oci_spec::runtime::{LinuxSeccomp, LinuxSeccompAction as Act, LinuxSeccompFilterFlag as FilterFlag, LinuxSeccompOperator as Op};

use super::arch::{Abi, Host, Reach, X32_SYSCALL_BIT};
use super::bpf::{Asm, Label, JEQ_K, JGE_K, JGT_K, MAX_INSNS};
use super::{Filter, SeccompError};

pub const RET_KILL_PROCESS: u32 = 0x8000_0000;
pub const RET_KILL_THREAD: u32 = 0x0000_0000;
pub const RET_TRAP: u32 = 0x0003_0000;
pub const RET_ERRNO: u32 = 0x0005_0000;
pub const RET_TRACE: u32 = 0x7ff0_0000;
pub const RET_LOG: u32 = 0x7ffc_0000;
pub const RET_ALLOW: u32 = 0x7fff_0000;

const EPERM: u32 = 1;
/// Same value on every architecture we compile for.
const ENOSYS: u32 = 38;
/// The kernel clamps larger errno values; refusing them keeps "what you wrote is what runs".
const MAX_ERRNO: u32 = 4095;
const RET_DATA_MAX: u32 = 0xffff;

const SECCOMP_FILTER_FLAG_TSYNC: u32 = 1;
const SECCOMP_FILTER_FLAG_LOG: u32 = 2;
const SECCOMP_FILTER_FLAG_SPEC_ALLOW: u32 = 4;

/// Offsets in struct seccomp_data.
const OFF_NR: u32 = 0;
const OFF_ARCH: u32 = 4;
const OFF_ARGS: u32 = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cond {
    index: u32,
    op: Op,
    value: u64,
    value_two: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    action: u32,
    conds: Vec<Cond>,
}

/// What one interval of syscall numbers does.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Body {
    Ret(u32),
    /// Conditional rules tried in order; `fallback` when none holds.
    Rules {
        rules: Vec<Rule>,
        fallback: u32,
        wide: bool,
    },
}

pub fn compile(profile: &LinuxSeccomp, host: Host) -> Result<Filter, SeccompError> {
    // listenerPath and listenerMetadata only matter to a filter that notifies: without an
    // SCMP_ACT_NOTIFY rule (refused below) no agent is ever contacted, as with runc.
    let flags = filter_flags(profile)?;
    let default = action_value(profile.default_action(), profile.default_errno_ret(), "linux.seccomp.defaultAction", "linux.seccomp.defaultErrnoRet")?;
    let rules = parse_rules(profile)?;
    let abis = abis(profile, host);
    // docker/runc semantics: syscalls newer than the profile get ENOSYS so libc falls back,
    // unless the default already lets them through.
    let enosys = !matches!(profile.default_action(), Act::ScmpActAllow | Act::ScmpActLog);

    let mut sections: BTreeMap<u32, Vec<(u64, Body)>> = BTreeMap::new();
    for abi in [Abi::X86_64, Abi::X32, Abi::I386, Abi::Aarch64] {
        let audit = abi.audit_arch();
        let enabled = abis.contains(&abi);
        // x86_64 and x32 share one audit value: both halves of its number space are laid out
        // as soon as either is enabled, the disabled half killing like an unknown arch.
        let shares = matches!(abi, Abi::X86_64 | Abi::X32) && (abis.contains(&Abi::X86_64) || abis.contains(&Abi::X32));
        if !enabled && !shares {
            continue;
        }
        let (lo, hi) = match abi {
            Abi::X86_64 => (0, X32_SYSCALL_BIT as u64),
            Abi::X32 => (X32_SYSCALL_BIT as u64, 1u64 << 32),
            _ => (0, 1u64 << 32),
        };
        let part = if enabled { partition(lo, hi, &by_number(&rules, abi, default), default, enosys) } else { vec![(lo, Body::Ret(RET_KILL_PROCESS))] };
        sections.entry(audit).or_default().extend(part);
    }

    let mut asm = Asm::default();
    asm.load(OFF_ARCH);
    // The native architecture first: it is what nearly every syscall carries.
    let native = host.native_abi().audit_arch();
    let mut order: Vec<u32> = sections.keys().copied().collect();
    order.sort_by_key(|a| *a != native);
    let labels: Vec<Label> = order.iter().map(|_| asm.label()).collect();
    for (audit, l) in order.iter().zip(&labels) {
        let next = asm.label();
        asm.jump(JEQ_K, *audit, *l, next);
        asm.bind(next);
    }
    asm.ret(RET_KILL_PROCESS);
    for (audit, l) in order.iter().zip(&labels) {
        asm.bind(*l);
        asm.load(OFF_NR);
        emit_intervals(&mut asm, &merge(sections[audit].clone()));
    }
    let insns = asm.finish();
    if insns.len() > MAX_INSNS {
        return Err(SeccompError::TooLarge(insns.len()));
    }
    Ok(Filter { insns, flags })
}

fn filter_flags(profile: &LinuxSeccomp) -> Result<u32, SeccompError> {
    let mut bits = 0;
    for (i, f) in profile.flags().iter().flatten().enumerate() {
        bits |= match f {
            FilterFlag::SeccompFilterFlagTsync => SECCOMP_FILTER_FLAG_TSYNC,
            FilterFlag::SeccompFilterFlagLog => SECCOMP_FILTER_FLAG_LOG,
            FilterFlag::SeccompFilterFlagSpecAllow => SECCOMP_FILTER_FLAG_SPEC_ALLOW,
            FilterFlag::SeccompFilterFlagWaitKillableRecv => {
                return Err(SeccompError::profile(
                    format!("linux.seccomp.flags[{i}]"),
                    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a seccomp agent, which is not supported",
                ))
            }
        };
    }
    Ok(bits)
}

fn action_value(act: Act, errno: Option<u32>, field: &str, errno_field: &str) -> Result<u32, SeccompError> {
    let data = |default: u32, max: u32| match errno {
        None => Ok(default),
        Some(e) if e <= max => Ok(e),
        Some(e) => Err(SeccompError::profile(errno_field, format!("{e} is out of range (0..={max})"))),
    };
    if errno.is_some() && !matches!(act, Act::ScmpActErrno | Act::ScmpActTrace) {
        return Err(SeccompError::profile(errno_field, format!("only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not {act}")));
    }
    Ok(match act {
        Act::ScmpActKill | Act::ScmpActKillThread => RET_KILL_THREAD,
        Act::ScmpActKillProcess => RET_KILL_PROCESS,
        Act::ScmpActTrap => RET_TRAP,
        Act::ScmpActErrno => RET_ERRNO | data(EPERM, MAX_ERRNO)?,
        Act::ScmpActTrace => RET_TRACE | data(EPERM, RET_DATA_MAX)?,
        Act::ScmpActLog => RET_LOG,
        Act::ScmpActAllow => RET_ALLOW,
        Act::ScmpActNotify => return Err(SeccompError::profile(field, "SCMP_ACT_NOTIFY needs a seccomp agent, which tsc-box-runtime does not support")),
    })
}

fn valid_name(n: &str) -> bool {
    !n.is_empty() && n.len() <= 64 && n.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// (syscall names, rule) in profile order, validated.
fn parse_rules(profile: &LinuxSeccomp) -> Result<Vec<(Vec<String>, Rule)>, SeccompError> {
    let mut out = Vec::new();
    for (i, sc) in profile.syscalls().iter().flatten().enumerate() {
        let at = format!("linux.seccomp.syscalls[{i}]");
        if sc.names().is_empty() {
            return Err(SeccompError::profile(format!("{at}.names"), "is empty"));
        }
        for (j, n) in sc.names().iter().enumerate() {
            if !valid_name(n) {
                return Err(SeccompError::profile(format!("{at}.names[{j}]"), format!("{n:?} is not a syscall name")));
            }
        }
        let action = action_value(sc.action(), sc.errno_ret(), &format!("{at}.action"), &format!("{at}.errnoRet"))?;
        let mut conds = Vec::new();
        for (j, a) in sc.args().iter().flatten().enumerate() {
            if a.index() > 5 {
                return Err(SeccompError::profile(format!("{at}.args[{j}].index"), format!("{} is not an argument index (0..=5)", a.index())));
            }
            // A missing valueTwo is 0, as runc reads it: Go's encoding omits a zero (docker's
            // and containerd's default profiles have SCMP_CMP_MASKED_EQ on clone without it),
            // and the spec marks the field optional.
            conds.push(Cond { index: a.index() as u32, op: a.op(), value: a.value(), value_two: a.value_two().unwrap_or(0) });
        }
        // Conditions on different arguments must all hold (AND). Two on the same argument
        // could never both hold for EQ: runc (libseccomp) then adds each condition as its own
        // rule, so any one of them matches (OR), and profiles are written for that meaning.
        let repeats = conds.iter().enumerate().any(|(k, c)| conds[..k].iter().any(|d| d.index == c.index));
        if repeats {
            for c in conds {
                out.push((sc.names().clone(), Rule { action, conds: vec![c] }));
            }
        } else {
            out.push((sc.names().clone(), Rule { action, conds }));
        }
    }
    Ok(out)
}

fn abis(profile: &LinuxSeccomp, host: Host) -> Vec<Abi> {
    let listed = profile.architectures().as_deref().unwrap_or(&[]);
    // The native architecture always gets the profile's rules, listed or not, as runc's
    // filters (libseccomp starts every filter with it): a profile naming only compat ABIs
    // (runc's tests list X86 and X32 alone) would otherwise kill every native syscall.
    let mut abis: Vec<Abi> = vec![host.native_abi()];
    abis.extend(listed.iter().filter_map(|a| match host.reach(*a) {
        Reach::Compile(abi) => Some(abi),
        Reach::Skip => None,
    }));
    abis.sort();
    abis.dedup();
    abis
}

/// The outcome of every syscall number the profile names on `abi`.
fn by_number(rules: &[(Vec<String>, Rule)], abi: Abi, default: u32) -> BTreeMap<u32, Body> {
    let mut lists: BTreeMap<u32, Vec<Rule>> = BTreeMap::new();
    for (names, rule) in rules {
        for name in names {
            // Unknown on this architecture: skipped, like runc (see the module docs).
            if let Some(nr) = abi.syscall(name) {
                lists.entry(nr).or_default().push(rule.clone());
            }
        }
    }
    lists
        .into_iter()
        .map(|(nr, list)| {
            let mut rules = Vec::new();
            let mut fallback = default;
            for r in list {
                if r.conds.is_empty() {
                    // Unconditional: decides here; later rules for this syscall are unreachable.
                    fallback = r.action;
                    break;
                }
                rules.push(r);
            }
            let body = if rules.is_empty() { Body::Ret(fallback) } else { Body::Rules { rules, fallback, wide: abi.wide_args() } };
            (nr, body)
        })
        .collect()
}

/// Cover [lo, hi) with (start, body) intervals.
fn partition(lo: u64, hi: u64, named: &BTreeMap<u32, Body>, default: u32, enosys: bool) -> Vec<(u64, Body)> {
    let mut out = Vec::new();
    let mut cursor = lo;
    for (&nr, body) in named {
        let nr = nr as u64;
        if nr < lo || nr >= hi {
            continue;
        }
        if nr > cursor {
            out.push((cursor, Body::Ret(default)));
        }
        out.push((nr, body.clone()));
        cursor = nr + 1;
    }
    if cursor < hi {
        let newer = enosys && !out.is_empty();
        out.push((cursor, Body::Ret(if newer { RET_ERRNO | ENOSYS } else { default })));
    }
    out
}

fn merge(iv: Vec<(u64, Body)>) -> Vec<(u64, Body)> {
    let mut out: Vec<(u64, Body)> = Vec::with_capacity(iv.len());
    for (start, body) in iv {
        if out.last().is_some_and(|(_, b)| *b == body) {
            continue;
        }
        out.push((start, body));
    }
    out
}

/// A holds the syscall number; intervals are sorted and cover the whole section.
fn emit_intervals(asm: &mut Asm, iv: &[(u64, Body)]) {
    if iv.len() == 1 {
        emit_body(asm, &iv[0].1);
        return;
    }
    let mid = iv.len() / 2;
    let (left, right) = (asm.label(), asm.label());
    asm.jump(JGE_K, iv[mid].0 as u32, right, left);
    asm.bind(left);
    emit_intervals(asm, &iv[..mid]);
    asm.bind(right);
    emit_intervals(asm, &iv[mid..]);
}

fn emit_body(asm: &mut Asm, body: &Body) {
    match body {
        Body::Ret(k) => asm.ret(*k),
        Body::Rules { rules, fallback, wide } => {
            for rule in rules {
                let next = asm.label();
                for c in &rule.conds {
                    emit_cond(asm, c, *wide, next);
                }
                asm.ret(rule.action);
                asm.bind(next);
            }
            asm.ret(*fallback);
        }
    }
}

/// Falls through when the condition holds, jumps to `fail` otherwise.
fn emit_cond(asm: &mut Asm, c: &Cond, wide: bool, fail: Label) {
    let pass = asm.label();
    let v = c.value;
    match c.op {
        Op::ScmpCmpEq => eq64(asm, c.index, wide, None, v, pass, fail),
        Op::ScmpCmpNe => eq64(asm, c.index, wide, None, v, fail, pass),
        Op::ScmpCmpMaskedEq => eq64(asm, c.index, wide, Some(v), c.value_two, pass, fail),
        Op::ScmpCmpGt => gt64(asm, c.index, wide, v, false, pass, fail),
        Op::ScmpCmpGe => gt64(asm, c.index, wide, v, true, pass, fail),
        // a < v  <=>  !(a >= v);  a <= v  <=>  !(a > v)
        Op::ScmpCmpLt => gt64(asm, c.index, wide, v, true, fail, pass),
        Op::ScmpCmpLe => gt64(asm, c.index, wide, v, false, fail, pass),
    }
    asm.bind(pass);
}

fn lo_off(index: u32) -> u32 {
    // Both supported architectures are little-endian: the low word comes first.
    OFF_ARGS + 8 * index
}

/// ((arg & mask) == val) ? t : f, over 64 bits (narrow args have a zero high word).
fn eq64(asm: &mut Asm, index: u32, wide: bool, mask: Option<u64>, val: u64, t: Label, f: Label) {
    let (vhi, vlo) = ((val >> 32) as u32, val as u32);
    let (mhi, mlo) = mask.map_or((u32::MAX, u32::MAX), |m| ((m >> 32) as u32, m as u32));
    if wide {
        let lo = asm.label();
        asm.load(lo_off(index) + 4);
        if mhi != u32::MAX {
            asm.and(mhi);
        }
        asm.jump(JEQ_K, vhi, lo, f);
        asm.bind(lo);
    } else if vhi != 0 {
        asm.ja(f);
        return;
    }
    asm.load(lo_off(index));
    if mlo != u32::MAX {
        asm.and(mlo);
    }
    asm.jump(JEQ_K, vlo, t, f);
}

/// (arg > val) or, with `or_equal`, (arg >= val) ? t : f, unsigned over 64 bits.
fn gt64(asm: &mut Asm, index: u32, wide: bool, val: u64, or_equal: bool, t: Label, f: Label) {
    let (vhi, vlo) = ((val >> 32) as u32, val as u32);
    if wide {
        let (hi_eq, lo) = (asm.label(), asm.label());
        asm.load(lo_off(index) + 4);
        asm.jump(JGT_K, vhi, t, hi_eq);
        asm.bind(hi_eq);
        asm.jump(JEQ_K, vhi, lo, f);
        asm.bind(lo);
    } else if vhi != 0 {
        asm.ja(f);
        return;
    }
    asm.load(lo_off(index));
    asm.jump(if or_equal { JGE_K } else { JGT_K }, vlo, t, f);
}

#[cfg(test)]
#[path = "compile_tests.rs"]
mod tests;
