use super::*;
use crate::security::seccomp::arch::Host;
use crate::security::seccomp::interp::{run, Data};
use crate::security::seccomp::tables;

const X86_64: u32 = 0xc000_003e;
const I386: u32 = 0x4000_0003;
const AARCH64: u32 = 0xc000_00b7;
const ERRNO_EPERM: u32 = RET_ERRNO | 1;
const ERRNO_ENOSYS: u32 = RET_ERRNO | 38;

fn filter(json: &str, host: Host) -> Result<Filter, SeccompError> {
    let p: LinuxSeccomp = serde_json::from_str(json).expect("test profile parses");
    compile(&p, host)
}

fn x86(json: &str) -> Filter {
    filter(json, Host::X86_64).unwrap()
}

fn decide(f: &Filter, arch: u32, nr: u32, args: [u64; 6]) -> u32 {
    run(f.instructions(), &Data { nr, arch, args })
}

fn nr(abi: Abi, name: &str) -> u32 {
    abi.syscall(name).unwrap()
}

const ALLOWLIST: &str = r#"{
  "defaultAction": "SCMP_ACT_ERRNO",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  "syscalls": [
    {"names": ["read", "write", "exit_group", "clone", "no_such_syscall_xyz"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
    {"names": ["keyctl"], "action": "SCMP_ACT_KILL_PROCESS"},
    {"names": ["getpid"], "action": "SCMP_ACT_TRAP"},
    {"names": ["getppid"], "action": "SCMP_ACT_LOG"},
    {"names": ["gettid"], "action": "SCMP_ACT_TRACE", "errnoRet": 7},
    {"names": ["getuid"], "action": "SCMP_ACT_KILL"}
  ]
}"#;

#[test]
fn allowlist_actions_on_x86_64() {
    let f = x86(ALLOWLIST);
    let a = Abi::X86_64;
    let z = [0; 6];
    assert_eq!(decide(&f, X86_64, nr(a, "read"), z), RET_ALLOW);
    assert_eq!(decide(&f, X86_64, nr(a, "write"), z), RET_ALLOW);
    assert_eq!(decide(&f, X86_64, nr(a, "clone3"), z), ERRNO_ENOSYS);
    assert_eq!(decide(&f, X86_64, nr(a, "keyctl"), z), RET_KILL_PROCESS);
    assert_eq!(decide(&f, X86_64, nr(a, "getpid"), z), RET_TRAP);
    assert_eq!(decide(&f, X86_64, nr(a, "getppid"), z), RET_LOG);
    assert_eq!(decide(&f, X86_64, nr(a, "gettid"), z), RET_TRACE | 7);
    assert_eq!(decide(&f, X86_64, nr(a, "getuid"), z), RET_KILL_THREAD);
    // Not listed, older than the newest listed (clone3 = 435): the default.
    assert_eq!(decide(&f, X86_64, nr(a, "mount"), z), ERRNO_EPERM);
    assert_eq!(decide(&f, X86_64, nr(a, "open"), z), ERRNO_EPERM);
    // Newer than anything listed: ENOSYS so libc can fall back.
    assert_eq!(decide(&f, X86_64, 436, z), ERRNO_ENOSYS);
    assert_eq!(decide(&f, X86_64, 469, z), ERRNO_ENOSYS);
    assert_eq!(decide(&f, X86_64, 0x3fff_ffff, z), ERRNO_ENOSYS);
}

#[test]
fn every_number_agrees_with_a_naive_lookup() {
    // The interval tree must give exactly what a linear reading of the profile gives.
    let f = x86(ALLOWLIST);
    let p: LinuxSeccomp = serde_json::from_str(ALLOWLIST).unwrap();
    for (abi, audit) in [(Abi::X86_64, X86_64), (Abi::I386, I386), (Abi::X32, X86_64)] {
        let mut named: Vec<(u32, u32)> = Vec::new();
        for sc in p.syscalls().as_ref().unwrap() {
            let act = action_value(sc.action(), sc.errno_ret(), "", "").unwrap();
            for n in sc.names() {
                if let Some(nr) = abi.syscall(n) {
                    named.push((nr, act));
                }
            }
        }
        let max = named.iter().map(|x| x.0).max().unwrap();
        let base = if abi == Abi::X32 { X32_SYSCALL_BIT } else { 0 };
        for n in base..base + 600 {
            let want = named.iter().find(|x| x.0 == n).map(|x| x.1).unwrap_or(if n > max { ERRNO_ENOSYS } else { ERRNO_EPERM });
            assert_eq!(decide(&f, audit, n, [0; 6]), want, "{abi:?} nr {n}");
        }
    }
}

#[test]
fn compat_architectures_use_their_own_numbers() {
    let f = x86(ALLOWLIST);
    let z = [0; 6];
    // i386 read is 3, which on x86_64 is close: the filter must not mix them up.
    assert_eq!(decide(&f, I386, nr(Abi::I386, "read"), z), RET_ALLOW);
    assert_eq!(decide(&f, I386, nr(Abi::I386, "keyctl"), z), RET_KILL_PROCESS);
    assert_eq!(decide(&f, I386, nr(Abi::I386, "close"), z), ERRNO_EPERM);
    assert_eq!(decide(&f, X86_64, nr(Abi::X32, "read"), z), RET_ALLOW);
    assert_eq!(decide(&f, X86_64, nr(Abi::X32, "keyctl"), z), RET_KILL_PROCESS);
    // An architecture not in the profile: killed.
    assert_eq!(decide(&f, AARCH64, 63, z), RET_KILL_PROCESS);
    assert_eq!(decide(&f, 0x4000_0028, 3, z), RET_KILL_PROCESS);
}

#[test]
fn x32_half_is_killed_when_only_x86_64_is_listed() {
    let f = x86(r#"{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["mount"],"action":"SCMP_ACT_ERRNO"}]}"#);
    assert_eq!(decide(&f, X86_64, nr(Abi::X86_64, "mount"), [0; 6]), ERRNO_EPERM);
    assert_eq!(decide(&f, X86_64, nr(Abi::X86_64, "read"), [0; 6]), RET_ALLOW);
    // Default ALLOW: no ENOSYS for newer syscalls.
    assert_eq!(decide(&f, X86_64, 460, [0; 6]), RET_ALLOW);
    assert_eq!(decide(&f, X86_64, nr(Abi::X32, "read"), [0; 6]), RET_KILL_PROCESS);
    assert_eq!(decide(&f, I386, 3, [0; 6]), RET_KILL_PROCESS);
}

#[test]
fn empty_architectures_means_native_only() {
    let f = x86(r#"{"defaultAction":"SCMP_ACT_ALLOW"}"#);
    assert_eq!(decide(&f, X86_64, 0, [0; 6]), RET_ALLOW);
    assert_eq!(decide(&f, I386, 3, [0; 6]), RET_KILL_PROCESS);
    let f = filter(r#"{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_NATIVE"]}"#, Host::Aarch64).unwrap();
    assert_eq!(decide(&f, AARCH64, 63, [0; 6]), RET_ALLOW);
    assert_eq!(decide(&f, X86_64, 0, [0; 6]), RET_KILL_PROCESS);
}

#[test]
fn aarch64_profile_compiles_with_its_numbers() {
    let f = filter(
        r#"{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_AARCH64","SCMP_ARCH_ARM"],
            "syscalls":[{"names":["openat","open","read"],"action":"SCMP_ACT_ALLOW"}]}"#,
        Host::Aarch64,
    )
    .unwrap();
    assert_eq!(decide(&f, AARCH64, 56, [0; 6]), RET_ALLOW); // openat
    assert_eq!(decide(&f, AARCH64, 63, [0; 6]), RET_ALLOW); // read
    assert_eq!(decide(&f, AARCH64, 57, [0; 6]), ERRNO_EPERM); // close
    assert_eq!(decide(&f, AARCH64, 100, [0; 6]), ERRNO_ENOSYS); // newer than read (63)
                                                                // ARM (AArch32) has no table: its tasks meet the bad-arch kill.
    assert_eq!(decide(&f, 0x4000_0028, 3, [0; 6]), RET_KILL_PROCESS);
    // On x86_64 hosts an aarch64-only profile still applies its rules to the native ABI (as
    // runc's libseccomp filters do); aarch64 itself cannot run there.
    let g = filter(
        r#"{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_AARCH64"],"syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]}"#,
        Host::X86_64,
    )
    .unwrap();
    assert_eq!(decide(&g, X86_64, 0, [0; 6]), RET_ALLOW);
    assert_eq!(decide(&g, X86_64, nr(Abi::X86_64, "mkdir"), [0; 6]), ERRNO_EPERM);
    assert_eq!(decide(&g, I386, 3, [0; 6]), RET_KILL_PROCESS);
}

#[test]
fn the_native_abi_follows_the_profile_even_when_only_compat_abis_are_listed() {
    // runc's seccomp.bats "SCMP_ACT_ERRNO default" lists X86 and X32 alone: mkdir gets EPERM
    // on x86_64 and the rest is allowed, instead of every native syscall killing the task.
    let f = x86(r#"{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86","SCMP_ARCH_X32"],
        "syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","errnoRet":100}]}"#);
    assert_eq!(decide(&f, X86_64, nr(Abi::X86_64, "mkdir"), [0; 6]), RET_ERRNO | 100);
    assert_eq!(decide(&f, X86_64, nr(Abi::X86_64, "read"), [0; 6]), RET_ALLOW);
    assert_eq!(decide(&f, I386, nr(Abi::I386, "mkdir"), [0; 6]), RET_ERRNO | 100);
    assert_eq!(decide(&f, X86_64, nr(Abi::X32, "mkdir"), [0; 6]), RET_ERRNO | 100);
}

#[test]
fn conditions_on_one_argument_are_alternatives_as_runc_adds_them() {
    // runc's seccomp_syscall_test1: two EQ conditions on arg 0 match either value (each is its
    // own rule); conditions on different arguments must all hold.
    let f = x86(r#"{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
        {"names":["process_vm_readv"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":100,"op":"SCMP_CMP_EQ"},{"index":0,"value":9001,"op":"SCMP_CMP_EQ"}]},
        {"names":["process_vm_writev"],"action":"SCMP_ACT_ERRNO","errnoRet":55,"args":[{"index":0,"value":1337,"op":"SCMP_CMP_EQ"},{"index":0,"value":2020,"op":"SCMP_CMP_EQ"}]},
        {"names":["kcmp"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":0,"op":"SCMP_CMP_EQ"},{"index":1,"value":1337,"op":"SCMP_CMP_EQ"}]}]}"#);
    let call = |name: &str, a0: u64, a1: u64| decide(&f, X86_64, nr(Abi::X86_64, name), [a0, a1, 0, 0, 0, 0]);
    assert_eq!(call("process_vm_readv", 100, 0), RET_ALLOW);
    assert_eq!(call("process_vm_readv", 9001, 0), RET_ALLOW);
    assert_eq!(call("process_vm_readv", 0, 0), ERRNO_EPERM);
    assert_eq!(call("process_vm_writev", 1337, 0), RET_ERRNO | 55);
    assert_eq!(call("process_vm_writev", 2020, 0), RET_ERRNO | 55);
    assert_eq!(call("process_vm_writev", 0, 0), ERRNO_EPERM);
    assert_eq!(call("kcmp", 0, 1337), RET_ALLOW);
    assert_eq!(call("kcmp", 0, 0), ERRNO_EPERM);
    assert_eq!(call("kcmp", 500, 1337), ERRNO_EPERM);
}

fn one_arg_profile(arch: &str, op: &str, value: u64, value_two: Option<u64>) -> String {
    let two = value_two.map(|v| format!(",\"valueTwo\":{v}")).unwrap_or_default();
    format!(
        r#"{{"defaultAction":"SCMP_ACT_ERRNO","architectures":["{arch}"],"syscalls":[
            {{"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{{"index":2,"value":{value},"op":"{op}"{two}}}]}}]}}"#
    )
}

fn arg_decision(f: &Filter, abi: Abi, audit: u32, arg: u64) -> bool {
    let mut args = [0u64; 6];
    args[2] = arg;
    match decide(f, audit, nr(abi, "personality"), args) {
        RET_ALLOW => true,
        ERRNO_EPERM => false,
        other => panic!("unexpected {other:#x}"),
    }
}

#[test]
fn argument_operators_are_exact_over_64_bits() {
    let big = 0x1_0000_0005u64;
    let probes = [0u64, 4, 5, 6, 0xffff_ffff, 0x1_0000_0000, big - 1, big, big + 1, 0x2_0000_0005, u64::MAX];
    type Op = (&'static str, fn(u64, u64) -> bool);
    let ops: [Op; 6] = [
        ("SCMP_CMP_EQ", |a, v| a == v),
        ("SCMP_CMP_NE", |a, v| a != v),
        ("SCMP_CMP_LT", |a, v| a < v),
        ("SCMP_CMP_LE", |a, v| a <= v),
        ("SCMP_CMP_GT", |a, v| a > v),
        ("SCMP_CMP_GE", |a, v| a >= v),
    ];
    for value in [5u64, big, 0xffff_ffff] {
        for (op, want) in ops {
            let f = x86(&one_arg_profile("SCMP_ARCH_X86_64", op, value, None));
            for a in probes {
                assert_eq!(arg_decision(&f, Abi::X86_64, X86_64, a), want(a, value), "{op} {a:#x} vs {value:#x}");
            }
            // i386: arguments are 32-bit and zero-extended.
            let g = x86(&one_arg_profile("SCMP_ARCH_X86", op, value, None));
            for a in probes.iter().map(|a| a & 0xffff_ffff) {
                assert_eq!(arg_decision(&g, Abi::I386, I386, a), want(a, value), "i386 {op} {a:#x} vs {value:#x}");
            }
        }
    }
}

#[test]
fn masked_eq_uses_value_as_mask_and_value_two_as_datum() {
    // docker's clone rule: allowed only when no CLONE_NEW* flag (mask 0x7E020000) is set.
    let f = x86(&one_arg_profile("SCMP_ARCH_X86_64", "SCMP_CMP_MASKED_EQ", 0x7E02_0000, Some(0)));
    assert!(arg_decision(&f, Abi::X86_64, X86_64, 0x0001_1200));
    assert!(!arg_decision(&f, Abi::X86_64, X86_64, 0x1000_0000)); // CLONE_NEWUSER
    assert!(!arg_decision(&f, Abi::X86_64, X86_64, 0x0002_0000)); // CLONE_NEWNS
    let g = x86(&one_arg_profile("SCMP_ARCH_X86_64", "SCMP_CMP_MASKED_EQ", 0xff_0000_00ff, Some(0x12_0000_0034)));
    assert!(arg_decision(&g, Abi::X86_64, X86_64, 0x12_5555_5534));
    assert!(!arg_decision(&g, Abi::X86_64, X86_64, 0x13_0000_0034));
    assert!(!arg_decision(&g, Abi::X86_64, X86_64, 0x12_0000_0035));
    // On i386 the high word is zero, so a datum with high bits never matches.
    let h = x86(&one_arg_profile("SCMP_ARCH_X86", "SCMP_CMP_MASKED_EQ", 0xff_0000_00ff, Some(0x12_0000_0034)));
    assert!(!arg_decision(&h, Abi::I386, I386, 0x34));
}

#[test]
fn a_missing_value_two_is_zero_as_runc_reads_it() {
    // docker's and containerd's default profiles as Go encodes them: valueTwo 0 is omitted.
    let f = x86(&one_arg_profile("SCMP_ARCH_X86_64", "SCMP_CMP_MASKED_EQ", 0x7E02_0000, None));
    assert!(arg_decision(&f, Abi::X86_64, X86_64, 0x0001_1200));
    assert!(!arg_decision(&f, Abi::X86_64, X86_64, 0x1000_0000)); // CLONE_NEWUSER
                                                                  // Any operator: EQ with value 0 and no valueTwo compares with 0.
    let g = x86(&one_arg_profile("SCMP_ARCH_X86_64", "SCMP_CMP_EQ", 0, None));
    assert!(arg_decision(&g, Abi::X86_64, X86_64, 0));
    assert!(!arg_decision(&g, Abi::X86_64, X86_64, 1));
}

#[test]
fn rules_are_or_and_args_are_and() {
    let f = x86(r#"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[
        {"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":0,"op":"SCMP_CMP_EQ"}]},
        {"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"}]},
        {"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[
            {"index":0,"value":1,"op":"SCMP_CMP_GE"},{"index":2,"value":40,"op":"SCMP_CMP_NE"},{"index":1,"value":3,"op":"SCMP_CMP_LE"}]},
        {"names":["socket"],"action":"SCMP_ACT_KILL_PROCESS"}
        ]}"#);
    let p = nr(Abi::X86_64, "personality");
    let s = nr(Abi::X86_64, "socket");
    assert_eq!(decide(&f, X86_64, p, [0, 0, 0, 0, 0, 0]), RET_ALLOW);
    assert_eq!(decide(&f, X86_64, p, [8, 0, 0, 0, 0, 0]), RET_ALLOW);
    assert_eq!(decide(&f, X86_64, p, [9, 0, 0, 0, 0, 0]), ERRNO_EPERM);
    assert_eq!(decide(&f, X86_64, s, [2, 1, 0, 0, 0, 0]), RET_ALLOW);
    assert_eq!(decide(&f, X86_64, s, [2, 1, 40, 0, 0, 0]), RET_KILL_PROCESS);
    assert_eq!(decide(&f, X86_64, s, [2, 4, 0, 0, 0, 0]), RET_KILL_PROCESS);
    assert_eq!(decide(&f, X86_64, s, [0, 1, 0, 0, 0, 0]), RET_KILL_PROCESS);
}

#[test]
fn first_unconditional_rule_wins() {
    let f = x86(r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
        {"names":["mount"],"action":"SCMP_ACT_ERRNO","errnoRet":13},
        {"names":["mount"],"action":"SCMP_ACT_ALLOW"}]}"#);
    assert_eq!(decide(&f, X86_64, nr(Abi::X86_64, "mount"), [0; 6]), RET_ERRNO | 13);
}

#[test]
fn default_errno_ret_and_flags() {
    let f = x86(r#"{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":95,"flags":["SECCOMP_FILTER_FLAG_LOG","SECCOMP_FILTER_FLAG_SPEC_ALLOW"]}"#);
    assert_eq!(decide(&f, X86_64, 0, [0; 6]), RET_ERRNO | 95);
    assert_eq!(f.flags(), 2 | 4);
}

#[test]
fn large_profiles_stay_small_and_correct() {
    // Every x86_64 syscall allowed except every 7th: many intervals, long jumps.
    let names: Vec<&str> = tables::X86_64.iter().map(|x| x.0).collect();
    let allowed: Vec<String> = names.iter().enumerate().filter(|(i, _)| i % 7 != 0).map(|(_, n)| format!("\"{n}\"")).collect();
    let json = format!(
        r#"{{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"],"syscalls":[{{"names":[{}],"action":"SCMP_ACT_ALLOW"}}]}}"#,
        allowed.join(",")
    );
    let f = x86(&json);
    assert!(f.instructions().len() < 4096);
    for (i, n) in names.iter().enumerate() {
        let want = if i % 7 != 0 { RET_ALLOW } else { ERRNO_EPERM };
        let x = nr(Abi::X86_64, n);
        if x <= 469 {
            assert_eq!(decide(&f, X86_64, x, [0; 6]), want, "{n}");
        }
    }
}

fn refused(json: &str) -> String {
    match filter(json, Host::X86_64) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("profile accepted: {json}"),
    }
}

#[test]
fn bad_profiles_are_refused_naming_the_field() {
    let e = refused(r#"{"defaultAction":"SCMP_ACT_NOTIFY"}"#);
    assert!(e.starts_with("linux.seccomp.defaultAction:"), "{e}");
    // An agent's socket with a rule that would notify it: refused at the rule.
    let e = refused(r#"{"defaultAction":"SCMP_ACT_ALLOW","listenerPath":"/run/agent.sock","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_NOTIFY"}]}"#);
    assert!(e.starts_with("linux.seccomp.syscalls[0].action:"), "{e}");
    // Without one, nothing would reach the agent: accepted (runc's "empty listener path").
    let f = x86(r#"{"defaultAction":"SCMP_ACT_ALLOW","listenerPath":"/run/agent.sock","listenerMetadata":"bar"}"#);
    assert_eq!(decide(&f, X86_64, nr(Abi::X86_64, "mkdir"), [0; 6]), RET_ALLOW);
    let e = refused(
        r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","args":[{"index":6,"value":0,"op":"SCMP_CMP_EQ"}]}]}"#,
    );
    assert!(e.starts_with("linux.seccomp.syscalls[0].args[0].index:"), "{e}");
    let e = refused(
        r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"},{"names":["write"],"action":"SCMP_ACT_ALLOW","errnoRet":1}]}"#,
    );
    assert!(e.starts_with("linux.seccomp.syscalls[1].errnoRet:"), "{e}");
    let e = refused(r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","errnoRet":70000}]}"#);
    assert!(e.starts_with("linux.seccomp.syscalls[0].errnoRet:"), "{e}");
    let e = refused(r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":[],"action":"SCMP_ACT_ERRNO"}]}"#);
    assert!(e.starts_with("linux.seccomp.syscalls[0].names:"), "{e}");
    let e = refused(r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read","../etc"],"action":"SCMP_ACT_ERRNO"}]}"#);
    assert!(e.starts_with("linux.seccomp.syscalls[0].names[1]:"), "{e}");
    let e = refused(r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_NOTIFY"}]}"#);
    assert!(e.starts_with("linux.seccomp.syscalls[0].action:"), "{e}");
    let e = refused(r#"{"defaultAction":"SCMP_ACT_ALLOW","defaultErrnoRet":1}"#);
    assert!(e.starts_with("linux.seccomp.defaultErrnoRet:"), "{e}");
    let e = refused(r#"{"defaultAction":"SCMP_ACT_ALLOW","flags":["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]}"#);
    assert!(e.starts_with("linux.seccomp.flags[0]:"), "{e}");
}

#[test]
fn unknown_enum_values_never_reach_the_compiler() {
    // Unknown actions, architectures and operators are refused when config.json is parsed
    // (oci-spec's typed enums); this pins that so the compiler may rely on it.
    for bad in [
        r#"{"defaultAction":"SCMP_ACT_MAYBE"}"#,
        r#"{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_VAX"]}"#,
        r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_ABOUT"}]}]}"#,
    ] {
        assert!(serde_json::from_str::<LinuxSeccomp>(bad).is_err(), "{bad}");
    }
}
