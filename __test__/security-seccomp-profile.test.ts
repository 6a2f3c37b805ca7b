// The default seccomp profile as data (its names exist, what it never allows) and the
// resolution of docker-format profiles (includes/excludes, archMap).
import test from 'ava'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ALL_CAPS, DEFAULT_CAPS } from '../src/oci/security-caps'
import { resolveProfile, type DockerSeccompProfile } from '../src/oci/security-seccomp'
import { DEFAULT_SECCOMP_PROFILE } from '../src/oci/security-seccomp-default'
import type { LinuxSeccomp } from '../src/oci/spec'

const X64 = { arch: 'x64', kernel: '6.18.0-1-amd64' }

// The runtime's syscall tables (generated from the kernel headers): a name in our profile that
// no table knows would be silently skipped by the compiler, so it must not exist.
function knownSyscalls(): Set<string> {
  const text = readFileSync(join(__dirname, '../crates/core/src/security/seccomp/tables.rs'), 'utf8')
  return new Set([...text.matchAll(/\("([a-z0-9_]+)", \d+\)/g)].map((m) => m[1]))
}

/** Whether `name` can be allowed for some argument values. */
function mayAllow(p: LinuxSeccomp, name: string): boolean {
  for (const s of p.syscalls ?? []) {
    if (!s.names.includes(name)) continue
    if (s.action === 'SCMP_ACT_ALLOW') return true
    if (!s.args || s.args.length === 0) return false // first unconditional rule decides
  }
  return p.defaultAction === 'SCMP_ACT_ALLOW'
}

function unconditionallyAllowed(p: LinuxSeccomp, name: string): boolean {
  for (const s of p.syscalls ?? []) {
    if (!s.names.includes(name)) continue
    if (!s.args || s.args.length === 0) return s.action === 'SCMP_ACT_ALLOW'
  }
  return false
}

const NEVER = [
  'keyctl',
  'add_key',
  'request_key',
  'kexec_load',
  'kexec_file_load',
  'init_module',
  'finit_module',
  'delete_module',
  'swapon',
  'swapoff',
  'userfaultfd',
  'modify_ldt',
  'uselib',
  '_sysctl',
  'io_uring_setup',
]

test('every syscall the default profile names is known to the runtime', (t) => {
  const known = knownSyscalls()
  t.true(known.size > 400)
  const unknown = DEFAULT_SECCOMP_PROFILE.syscalls!.flatMap((s) => s.names ?? [s.name!]).filter((n) => !known.has(n))
  // arm and riscv-only names have no table here (we compile x86_64/i386/x32/aarch64 only).
  t.deepEqual(
    unknown.filter(
      (n) =>
        ![
          'set_tls',
          'get_tls',
          'cacheflush',
          'breakpoint',
          'riscv_flush_icache',
          'arm_sync_file_range',
          'sync_file_range2',
          'arm_fadvise64_64',
          'send',
          'recv',
        ].includes(n),
    ),
    [],
  )
})

test('without capabilities beyond the defaults: no namespaces, mounts, keyring, modules, bpf', (t) => {
  const p = resolveProfile(DEFAULT_SECCOMP_PROFILE, { ...X64, caps: DEFAULT_CAPS })
  t.is(p.defaultAction, 'SCMP_ACT_ERRNO')
  t.is(p.defaultErrnoRet, 1)
  for (const n of [
    'mount',
    'umount2',
    'unshare',
    'setns',
    'pivot_root',
    'fsopen',
    'open_tree',
    'move_mount',
    'bpf',
    'perf_event_open',
    'syslog',
    'reboot',
    'settimeofday',
    'open_by_handle_at',
    'acct',
    ...NEVER,
  ]) {
    t.false(mayAllow(p, n), n)
  }
  for (const n of ['read', 'execve', 'openat', 'clock_gettime', 'socket', 'ptrace', 'chroot', 'getrandom', 'statx', 'rseq']) {
    t.true(unconditionallyAllowed(p, n), n)
  }
  // clone only without namespace flags; clone3 reports ENOSYS so libc falls back to clone.
  const clone = p.syscalls!.filter((s) => s.names.includes('clone'))
  t.deepEqual(clone, [{ names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] }])
  t.deepEqual(
    p.syscalls!.find((s) => s.names.includes('clone3')),
    { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
  )
  t.false(unconditionallyAllowed(p, 'personality'))
  // Block devices: mknod with S_IFBLK is refused before mknod is allowed.
  const mknod = p.syscalls!.filter((s) => s.names.includes('mknod'))
  t.is(mknod[0].action, 'SCMP_ACT_ERRNO')
  t.deepEqual(mknod[0].args, [{ index: 1, value: 0o170000, valueTwo: 0o060000, op: 'SCMP_CMP_MASKED_EQ' }])
})

test('CAP_SYS_ADMIN opens namespaces and mounts, never the keyring or modules', (t) => {
  const p = resolveProfile(DEFAULT_SECCOMP_PROFILE, { ...X64, caps: [...DEFAULT_CAPS, 'CAP_SYS_ADMIN'] })
  for (const n of ['mount', 'unshare', 'setns', 'clone', 'clone3', 'bpf', 'perf_event_open']) t.true(unconditionallyAllowed(p, n), n)
  t.false(p.syscalls!.some((s) => s.names.includes('clone3') && s.action === 'SCMP_ACT_ERRNO'))
  const all = resolveProfile(DEFAULT_SECCOMP_PROFILE, { ...X64, caps: ALL_CAPS })
  for (const n of NEVER) t.false(mayAllow(all, n), n)
  t.true(unconditionallyAllowed(all, 'reboot'))
})

test('archMap picks the host architecture and its compat ones', (t) => {
  const arm = resolveProfile(DEFAULT_SECCOMP_PROFILE, { arch: 'arm64', kernel: '6.1.0', caps: DEFAULT_CAPS })
  t.deepEqual(arm.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'])
  const other = resolveProfile(DEFAULT_SECCOMP_PROFILE, { arch: 'riscv64', kernel: '6.1.0', caps: DEFAULT_CAPS })
  t.is(other.architectures, undefined, 'no entry for the host: native only')
})

test('includes and excludes: caps (all required), arches, minKernel', (t) => {
  const profile: DockerSeccompProfile = {
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: ['SCMP_ARCH_X86_64'],
    syscalls: [
      { names: ['a'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN', 'CAP_NET_ADMIN'] } },
      { names: ['b'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm64'] } },
      { names: ['c'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '6.19' } },
      { names: ['d'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '6.18' } },
      { names: ['e'], action: 'SCMP_ACT_ALLOW', excludes: { caps: ['CAP_NET_ADMIN'] } },
      { names: ['f'], action: 'SCMP_ACT_ALLOW', excludes: { arches: ['amd64'] } },
      { name: 'g', action: 'SCMP_ACT_ERRNO', errnoRet: 5 },
    ],
  }
  const names = (caps: string[]) => resolveProfile(profile, { ...X64, caps }).syscalls!.map((s) => s.names[0])
  t.deepEqual(names(['CAP_SYS_ADMIN']), ['d', 'e', 'g'])
  t.deepEqual(names(['CAP_SYS_ADMIN', 'CAP_NET_ADMIN']), ['a', 'd', 'g'])
  const g = resolveProfile(profile, { ...X64, caps: [] }).syscalls!.at(-1)
  t.deepEqual(g, { names: ['g'], action: 'SCMP_ACT_ERRNO', errnoRet: 5 })
  t.deepEqual(resolveProfile(profile, { ...X64, caps: [] }).architectures, ['SCMP_ARCH_X86_64'])
})
