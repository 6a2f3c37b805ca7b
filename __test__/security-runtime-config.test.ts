// tsc-box-runtime as an engine's target, fed a hostile config.json (as containerd or podman
// drive it: a bundle and `run`): a namespace path that is a FIFO, a cgroupsPath naming a
// cgroup someone else's processes live in, a nested cgroupsPath, device rules that deny a
// standard device, and mount destinations that resolve through the image's symlinks into
// /proc. Runs on cgroup v1/hybrid hosts and in the pure cgroup v2 guest.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Mount } from '../src/oci/spec'
import { makeBundle, stateDir, TSC_RUNTIME, type Config } from './helpers/bundle'
import { cgroupsNamed, mountsUnder } from './helpers/leaks'
import { serialIf } from './helpers/conditional'

let seq = 0
const newId = (p: string) => `${p}-${process.pid}-${++seq}`
const isRoot = process.getuid?.() === 0
const rootTest = serialIf(isRoot, 'needs root')

/** Pure cgroup v2 (the guest) or v1/hybrid (this host): where a test makes its own cgroups. */
const V2 = existsSync('/sys/fs/cgroup/cgroup.controllers')
/** The hierarchy whose pids.max the cgroup tests look at. */
const PIDS_ROOT = V2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/pids'

/** `run` with a deadline: a runtime that blocks is killed and reported, not waited for. */
function runWithin(bundle: string, id: string, ms: number) {
  const r = spawnSync(TSC_RUNTIME, ['--root', stateDir(), 'run', '-b', bundle, id], {
    encoding: 'utf8',
    timeout: ms,
    killSignal: 'SIGKILL',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return {
    code: r.status,
    signal: r.signal,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    timedOut: (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT',
  }
}

function withNamespacePath(type: string, path: string) {
  return (c: Config) => {
    c.process.args = ['true']
    if (type === 'uts') delete c.hostname
    c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== type)
    c.linux.namespaces.push({ type, path })
  }
}

rootTest('a namespace path that is a FIFO, a plain file or a namespace of another type is refused at once, naming it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-nsfifo-'))
  const fifo = join(dir, 'netns')
  spawnSync('mkfifo', [fifo])
  t.true(statSync(fifo).isFIFO())
  const file = join(dir, 'file')
  writeFileSync(file, '')
  const cases: Array<[string, string, RegExp]> = [
    ['network', fifo, /is a FIFO, not a net namespace file/],
    ['network', file, /not nsfs, not a net namespace file/],
    ['uts', '/proc/self/ns/net', /is a net namespace, not a uts namespace file/],
  ]
  for (const [type, path, message] of cases) {
    const id = newId('nsfifo')
    const started = Date.now()
    // The old runtime opened the path for reading and waited for a writer that never comes.
    const r = runWithin(makeBundle(withNamespacePath(type, path)), id, 30_000)
    t.false(r.timedOut, `run still blocked on ${path} after 30 s`)
    t.not(r.code, 0)
    t.regex(r.stderr, message)
    t.true(r.stderr.includes(path), r.stderr)
    t.true(Date.now() - started < 30_000)
    t.deepEqual(cgroupsNamed(id), [], 'no cgroup left')
  }
})

/** A process in `dir` (a cgroup made by the test), sleeping until killed. */
function sleeperIn(dir: string) {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' })
  writeFileSync(join(dir, 'cgroup.procs'), String(child.pid))
  return child
}

/**
 * Every writable control file of a cgroup directory with its content: the limits and settings
 * a runtime could change (read-only counters such as pids.peak, and pressure stall figures,
 * move by themselves and are left out).
 */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f)
    try {
      const st = statSync(p)
      if (st.isFile() && st.mode & 0o200 && !f.endsWith('.pressure')) out[f] = readFileSync(p, 'utf8')
    } catch {
      out[f] = '(unreadable)'
    }
  }
  return out
}

/** A cgroup made by the test below the hierarchy root, removed (deepest first) at the end. */
function testCgroup(t: import('ava').ExecutionContext, name: string): string {
  const top = join(PIDS_ROOT, name)
  mkdirSync(top)
  if (V2) {
    // The controllers the runtime makes available to a container (cgroups v2.rs CONTROLLERS),
    // enabled by the test as an engine's parent cgroup has them: enabling them is not a limit,
    // and the runtime does not undo it (nor does runc), so the comparisons below are of values.
    for (const d of ['/sys/fs/cgroup', top]) {
      const offered = readFileSync(join(d, 'cgroup.controllers'), 'utf8').split(/\s+/)
      const wanted = ['cpu', 'cpuset', 'io', 'memory', 'pids'].filter((c) => offered.includes(c))
      writeFileSync(join(d, 'cgroup.subtree_control'), wanted.map((c) => `+${c}`).join(' '))
    }
  }
  t.teardown(() => {
    const rm = (d: string) => {
      if (!existsSync(d)) return
      for (const e of readdirSync(d)) if (statSync(join(d, e)).isDirectory()) rm(join(d, e))
      try {
        rmdirSync(d)
      } catch {
        // still busy: reported by the assertions that matter
      }
    }
    rm(top)
  })
  return top
}

rootTest('a cgroupsPath naming an existing cgroup whose child holds processes is refused before anything is written', (t) => {
  const name = `tsc-box-sec-${process.pid}-busy`
  const top = testCgroup(t, name)
  const existing = join(top, 'existing')
  mkdirSync(join(existing, 'kid'), { recursive: true })
  const sleeper = sleeperIn(join(existing, 'kid'))
  t.teardown(() => {
    sleeper.kill('SIGKILL')
  })
  const before = { existing: snapshot(existing), top: snapshot(top), dirs: cgroupsNamed(name) }
  const id = newId('busy')
  const bundle = makeBundle((c) => {
    c.process.args = ['true']
    c.linux.cgroupsPath = `/${name}/existing`
    c.linux.resources = { ...c.linux.resources, pids: { limit: 17 }, memory: { limit: 64 * 1024 * 1024 } }
  })
  const r = runWithin(bundle, id, 60_000)
  t.not(r.code, 0)
  t.regex(r.stderr, /already exists and it or a cgroup below it holds processes/)
  t.deepEqual(snapshot(existing), before.existing, 'the existing cgroup was written to')
  t.deepEqual(snapshot(top), before.top, 'its parent was written to')
  t.deepEqual(cgroupsNamed(name), before.dirs, 'cgroups were made or removed')
  t.true(readFileSync(join(existing, 'kid', 'cgroup.procs'), 'utf8').includes(String(sleeper.pid)), 'the process was moved or killed')
})

rootTest('an existing empty cgroup is used, and after a failed run it is kept with the values it had', (t) => {
  const name = `tsc-box-sec-${process.pid}-adopt`
  const top = testCgroup(t, name)
  const existing = join(top, 'existing')
  mkdirSync(existing)
  const before = snapshot(existing)
  t.truthy(before['pids.max'], 'no pids.max to compare')
  const id = newId('adopt')
  const bundle = makeBundle((c) => {
    // The limit is in place while the container runs; the command then fails to start.
    c.process.args = ['/no/such/program']
    c.linux.cgroupsPath = `/${name}/existing`
    c.linux.resources = { ...c.linux.resources, pids: { limit: 23 } }
  })
  const r = runWithin(bundle, id, 60_000)
  t.is(r.code, 127, r.stderr)
  t.true(existsSync(existing), 'a cgroup the runtime did not create was removed')
  t.deepEqual(snapshot(existing), before, 'limits were left in a cgroup the runtime did not create')
  // A successful run in it, then the same: the container's values do not stay.
  const ok = makeBundle((c) => {
    c.process.args = ['sh', '-c', 'cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max']
    c.linux.cgroupsPath = `/${name}/existing`
    c.linux.resources = { ...c.linux.resources, pids: { limit: 23 } }
    // Its own cgroup as the root of /sys/fs/cgroup (runc spec has it already on a v2 host).
    if (!c.linux.namespaces.some((n: { type: string }) => n.type === 'cgroup')) c.linux.namespaces.push({ type: 'cgroup' })
  })
  const r2 = runWithin(ok, newId('adopt'), 60_000)
  t.is(r2.code, 0, r2.stderr)
  t.is(r2.stdout.trim(), '23')
  t.deepEqual(snapshot(existing), before)
  // The levels the runtime made for the path in the other hierarchies (v1) went with it.
  t.deepEqual(cgroupsNamed(name), [top])
  t.true(existsSync(existing))
})

rootTest('a nested cgroupsPath leaves none of the levels it made, after a run and after a failed run', (t) => {
  const name = `tsc-box-sec-${process.pid}-nest`
  for (const args of [['true'], ['/no/such/program']]) {
    const bundle = makeBundle((c) => {
      c.process.args = args
      c.linux.cgroupsPath = `/${name}/a/b/${newId('leaf')}`
      c.linux.resources = { ...c.linux.resources, pids: { limit: 50 } }
    })
    const r = runWithin(bundle, newId('nest'), 60_000)
    t.is(r.code, args[0] === 'true' ? 0 : 127, r.stderr)
    t.deepEqual(cgroupsNamed(name), [], `left after ${args[0]}`)
  }
})

rootTest('a device rule of the config denies a device the defaults allow (/dev/null)', (t) => {
  const probe = ['sh', '-c', 'if echo x > /dev/null; then echo opened; else echo refused; fi']
  const deny = makeBundle((c) => {
    c.process.args = probe
    // runc spec's deny-all, then the config denies c 1:3.
    c.linux.resources.devices = [...(c.linux.resources.devices ?? []), { allow: false, type: 'c', major: 1, minor: 3, access: 'rwm' }]
  })
  const r = runWithin(deny, newId('devdeny'), 60_000)
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.trim(), 'refused')
  t.regex(r.stderr, /Operation not permitted/)
  // The control: without that rule the defaults allow it.
  const allow = makeBundle((c) => {
    c.process.args = probe
  })
  const r2 = runWithin(allow, newId('devallow'), 60_000)
  t.is(r2.stdout.trim(), 'opened', r2.stderr)
})

/** A bundle whose image has `link` pointing at `target`, and whose config mounts `mount`. */
function symlinkBundle(link: string, target: string, mount: Mount): string {
  const bundle = makeBundle((c) => {
    c.process.args = ['true']
    c.mounts.push(mount)
  })
  symlinkSync(target, join(bundle, 'rootfs', link))
  return bundle
}

rootTest(
  'mount destinations that resolve through the image into /proc are refused: /data -> /proc/sys and /etc/hosts -> /proc/sys/kernel/core_pattern',
  (t) => {
    const corePattern = readFileSync('/proc/sys/kernel/core_pattern', 'utf8')
    const hostsFile = join(mkdtempSync(join(tmpdir(), 'tsc-box-hosts-')), 'hosts')
    writeFileSync(hostsFile, '127.0.0.1 localhost\n')
    const cases: Array<[string, string, Mount]> = [
      ['data', '/proc/sys', { destination: '/data', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev'] }],
      ['etc/hosts', '/proc/sys/kernel/core_pattern', { destination: '/etc/hosts', type: 'bind', source: hostsFile, options: ['rbind', 'ro'] }],
    ]
    for (const [link, target, mount] of cases) {
      const bundle = symlinkBundle(link, target, mount)
      const r = runWithin(bundle, newId('procsym'), 60_000)
      t.not(r.code, 0, `mounted on /${link} -> ${target}: ${r.stdout}`)
      t.regex(r.stderr, new RegExp(`mount destination ${mount.destination} resolves into the container's procfs`))
      t.deepEqual(mountsUnder(join(bundle, 'rootfs')), [])
    }
    t.is(readFileSync('/proc/sys/kernel/core_pattern', 'utf8'), corePattern)
    // The same mounts where the image has no such links still work.
    const plain = makeBundle((c) => {
      c.process.args = ['sh', '-c', 'cat /etc/hosts; grep -c " /data " /proc/self/mountinfo']
      c.mounts.push(cases[0]![2], cases[1]![2])
    })
    const r = runWithin(plain, newId('plain'), 60_000)
    t.is(r.code, 0, r.stderr)
    t.is(r.stdout, '127.0.0.1 localhost\n1\n')
  },
)
