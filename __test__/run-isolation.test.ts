// `tsc-box run` gives the app its own process tree, hostname, mounts and network, and shows it
// none of the host's mounts.
import test from 'ava'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeDataRoot, tsc } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'

const root = makeDataRoot()
const rootfs = makeRootfs()
const run = (...args: string[]) => tsc(root, ['run', '--rm', '--rootfs', rootfs, ...args])

test('the app is pid 1 and sees only its own processes', (t) => {
  const r = run('sh', '-c', 'echo $$; ls /proc | grep -E "^[0-9]+$" | sort -n | tr "\\n" " "')
  t.is(r.code, 0, r.stderr)
  const [pid, procs] = r.stdout.split('\n')
  t.is(pid, '1')
  // sh (1), plus the ls/grep/sort/tr pipeline it forked: all small pids of a fresh namespace.
  const pids = procs!.trim().split(' ').map(Number)
  t.true(pids.length <= 6, procs)
  t.true(
    pids.every((p) => p < 20),
    procs,
  )
})

test('the hostname defaults to the short container id and -h/--domainname set it', (t) => {
  const def = run('hostname')
  t.is(def.code, 0, def.stderr)
  t.regex(def.stdout.trim(), /^[0-9a-f]{12}$/)
  const named = run('-h', 'web1', '--domainname', 'example.test', 'sh', '-c', 'hostname; cat /proc/sys/kernel/domainname; cat /etc/hostname')
  t.is(named.code, 0, named.stderr)
  t.deepEqual(named.stdout.trim().split('\n'), ['web1', 'example.test', 'web1'])
  t.not(execFileSync('hostname', { encoding: 'utf8' }).trim(), 'web1')
})

test('none of the host mounts are visible, and the old root is detached', (t) => {
  const canary = mkdtempSync(join(tmpdir(), 'tsc-box-canary-'))
  execFileSync('mount', ['-t', 'tmpfs', 'canary', canary])
  t.teardown(() => {
    execFileSync('umount', [canary])
    rmSync(canary, { recursive: true })
  })
  const r = run('cat', '/proc/self/mountinfo')
  t.is(r.code, 0, r.stderr)
  const points = r.stdout
    .trim()
    .split('\n')
    .map((l) => l.split(' ')[4]!)
  t.false(points.includes(canary), 'host tmpfs visible in the container')
  // (Field 4, the root of a bind mount within its filesystem, names host paths under runc too;
  // what matters is that no host mount point is reachable.)
  t.false(
    points.some((p) => p.includes(rootfs)),
    'the old root is still mounted',
  )
  t.false(r.stdout.includes(' canary '), 'host tmpfs source visible')
  const allowed = /^\/(proc|sys|dev|etc\/(hostname|hosts|resolv\.conf))?(\/|$)/
  for (const p of points) t.regex(p, allowed, `unexpected mount ${p}`)
  t.true(points.includes('/'))
})

test('/proc, /sys (read-only) and a minimal /dev are provided', (t) => {
  const r = run(
    'sh',
    '-c',
    [
      'ls /dev | sort | tr "\\n" " "; echo',
      'test -c /dev/null && test -c /dev/zero && test -c /dev/full && test -c /dev/random && test -c /dev/urandom && test -c /dev/tty && echo chars-ok',
      'test -e /dev/ptmx && test -d /dev/pts && test -d /dev/shm && echo pty-ok',
      'touch /sys/x 2>/dev/null && echo sys-rw || echo sys-ro',
      'head -c 4 /dev/zero | wc -c',
      'echo hi > /dev/shm/f && cat /dev/shm/f',
    ].join('; '),
  )
  t.is(r.code, 0, r.stderr)
  const lines = r.stdout.trim().split('\n')
  t.deepEqual(lines.slice(1), ['chars-ok', 'pty-ok', 'sys-ro', '4', 'hi'])
  // No host devices: disks, the console and kmsg stay outside.
  for (const dev of ['vda', 'sda', 'console', 'kmsg', 'mem']) t.false(lines[0]!.split(' ').includes(dev), `/dev/${dev} visible`)
})

test('/etc/hostname, /etc/hosts and /etc/resolv.conf are provided', (t) => {
  const r = run('-h', 'box', 'sh', '-c', 'cat /etc/hostname; grep -c localhost /etc/hosts; grep box /etc/hosts | wc -l; grep -c nameserver /etc/resolv.conf')
  t.is(r.code, 0, r.stderr)
  const [hn, localhost, self, ns] = r.stdout.trim().split('\n')
  t.is(hn, 'box')
  t.true(Number(localhost) >= 1)
  t.true(Number(self) >= 1)
  t.true(Number(ns) >= 1)
  // The files come from the container's own directory, never from the host's /etc.
  t.not(readFileSync('/etc/hostname', 'utf8').trim(), 'box')
})

test('the network namespace has only a loopback that is up', (t) => {
  // --network none: by default (as root) the container joins the bridge network.
  const r = tsc(root, [
    'run',
    '--rm',
    '--network',
    'none',
    '--rootfs',
    rootfs,
    'sh',
    '-c',
    'ls /sys/class/net | tr "\\n" " "; echo; cat /sys/class/net/lo/operstate',
  ])
  t.is(r.code, 0, r.stderr)
  const [ifaces, state] = r.stdout.trim().split('\n')
  t.is(ifaces!.trim(), 'lo')
  t.regex(state!, /^(unknown|up)$/)
})

test("every namespace of the app differs from the host's", (t) => {
  const r = run('sh', '-c', 'for n in ipc uts pid mnt net cgroup; do readlink /proc/1/ns/$n; done')
  t.is(r.code, 0, r.stderr)
  const inside = r.stdout.trim().split('\n')
  const outside = ['ipc', 'uts', 'pid', 'mnt', 'net', 'cgroup'].map((n) => execFileSync('readlink', [`/proc/self/ns/${n}`], { encoding: 'utf8' }).trim())
  t.is(inside.length, 6)
  for (const [i, ns] of inside.entries()) t.not(ns, outside[i], `namespace ${ns} is shared with the host`)
})
