// What `tsc-box run` gives without security flags, and what the flags change, end to end.
import test from 'ava'
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeDataRoot, tsc, type Result } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { installProbe } from './helpers/security-probe'
import { currentPathEnv, resolvePaths } from '../src/paths'

const root = makeDataRoot()
let rootfs = ''

test.before(() => {
  rootfs = makeRootfs()
  installProbe(rootfs)
})

function run(args: string[]): Result {
  return tsc(root, ['run', '--rm', '--rootfs', rootfs, ...args])
}

function statusField(status: string, field: string): string {
  const m = new RegExp(`^${field}:\\s*(\\S+)$`, 'm').exec(status)
  if (!m) throw new Error(`${field} missing from /proc/self/status`)
  return m[1]
}

test("defaults: no_new_privs, a seccomp filter, docker's capabilities", (t) => {
  const r = run(['cat', '/proc/self/status'])
  t.is(r.code, 0, r.stderr)
  t.is(statusField(r.stdout, 'NoNewPrivs'), '1')
  t.is(statusField(r.stdout, 'Seccomp'), '2')
  t.is(statusField(r.stdout, 'CapEff'), '00000000a80425fb')
})

test('--security-opt no-new-privileges=false and seccomp=unconfined lift them', (t) => {
  const r = run(['--security-opt', 'no-new-privileges=false', '--security-opt', 'seccomp=unconfined', 'cat', '/proc/self/status'])
  t.is(r.code, 0, r.stderr)
  t.is(statusField(r.stdout, 'NoNewPrivs'), '0')
  t.is(statusField(r.stdout, 'Seccomp'), '0')
})

test('--privileged: every capability tsc-box holds, no seccomp, nothing masked', (t) => {
  const r = run(['--privileged', 'sh', '-c', 'cat /proc/self/status; wc -c < /proc/timer_list'])
  t.is(r.code, 0, r.stderr)
  t.is(statusField(r.stdout, 'CapEff'), statusField(readFileSync('/proc/self/status', 'utf8'), 'CapBnd'))
  t.is(statusField(r.stdout, 'Seccomp'), '0')
  t.true(Number(r.stdout.trim().split('\n').at(-1)) > 0, '/proc/timer_list is readable')
})

test('--cap-drop ALL leaves no capability; chown is then refused', (t) => {
  const r = run(['--cap-drop', 'ALL', 'sh', '-c', 'grep CapEff /proc/self/status; chown 1000 /tmp && echo chowned'])
  t.regex(r.stdout, /^CapEff:\s+0000000000000000$/m, r.stdout + r.stderr)
  t.false(r.stdout.includes('chowned'))
})

test('masked paths read empty, read-only paths refuse writes', (t) => {
  // Only paths this kernel has: a masked path that does not exist is skipped, as in runc.
  const r = run(['sh', '-c', 'wc -c < /proc/keys; wc -c < /proc/timer_list; ls /sys/firmware | wc -l; probe write /proc/sys/kernel/hostname x'])
  t.is(r.code, 1, r.stderr)
  const [keys, timers, firmware, write] = r.stdout.trim().split('\n')
  t.is(keys.trim(), '0')
  t.is(timers.trim(), '0')
  t.is(firmware.trim(), '0')
  t.regex(write, /^write: E[A-Z]+$/)
})

test('a docker-format profile file is applied; a bad one is refused naming the field', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-profile-'))
  const profile = join(dir, 'p.json')
  writeFileSync(
    profile,
    JSON.stringify({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }],
    }),
  )
  const r = run(['--security-opt', `seccomp=${profile}`, 'sh', '-c', 'mkdir /tmp/d && echo made; echo done'])
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout, 'done\n')
  t.regex(r.stderr, /Permission denied/)

  const bad = join(dir, 'bad.json')
  writeFileSync(bad, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ALLOW', errnoRet: 1 }] }))
  const b = run(['--security-opt', `seccomp=${bad}`, 'true'])
  t.is(b.code, 125, b.stdout + b.stderr)
  t.regex(b.stderr + b.stdout, /linux\.seccomp\.syscalls\[0\]\.errnoRet/)
})

test('clone3 answers ENOSYS under the default profile so libc falls back to clone', (t) => {
  const r = run(['sh', '-c', 'probe clone3; sh -c "echo child"'])
  t.regex(r.stdout, /^clone3: ENOSYS$/m, r.stdout + r.stderr)
  t.regex(r.stdout, /^child$/m)
})

test('the compiled default filter is cached in the runtime state and reused by the next start', (t) => {
  const own = makeDataRoot()
  const dir = join(resolvePaths(own, currentPathEnv()).runDir, 'runtime', 'seccomp')
  const first = tsc(own, ['run', '--rm', '--rootfs', rootfs, 'true'])
  t.is(first.code, 0, first.stderr)
  const files = readdirSync(dir).filter((f) => f.endsWith('.bpf'))
  t.is(files.length, 1, `cache dir: ${readdirSync(dir).join(', ')}`)
  const before = statSync(join(dir, files[0]))
  t.is(before.mode & 0o077, 0, 'the cache file is private to root')
  const second = tsc(own, ['run', '--rm', '--rootfs', rootfs, 'true'])
  t.is(second.code, 0, second.stderr)
  const after = statSync(join(dir, files[0]))
  t.is(after.ino, before.ino, 'reused, not rewritten')
  t.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith('.bpf')),
    files,
  )
})

test('without no_new_privs the filter is installed early, as root, and still holds for a non-root user', (t) => {
  const r = run(['--security-opt', 'no-new-privileges=false', '-u', '1000', 'sh', '-c', 'cat /proc/self/status; probe keyctl'])
  t.is(statusField(r.stdout, 'NoNewPrivs'), '0', r.stderr)
  t.is(statusField(r.stdout, 'Seccomp'), '2')
  t.is(statusField(r.stdout, 'CapEff'), '0000000000000000')
  t.regex(r.stdout, /^keyctl: EPERM$/m)
})
