// containerd drives tsc-box-runtime as it drives runc (`ctr run --runc-binary`, through the
// io.containerd.runc.v2 shim): every scenario runs with runc first, as the baseline, then with
// tsc-box-runtime, and the two must behave alike. One containerd serves the whole file, with its
// own root, state, sockets and namespace; nothing is left on the host afterwards.
import test, { type ExecutionContext } from 'ava'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { serialIf } from './helpers/conditional'
import {
  type Containerd,
  fifoDir,
  importImage,
  processesMentioning,
  RUNTIMES,
  run,
  SHIM_SOCKET_ROOT,
  startContainerd,
  stopContainerd,
  until,
  which,
} from './helpers/engines'
import { mountsUnder } from './helpers/leaks'
import { makeRootfs } from './helpers/rootfs'
import { makeArchive } from './image-fixtures'

const IMAGE = 'localhost/tsc-box-e2e/busybox:latest'
const NS = `tsc-box-e2e-${process.pid}`
const missing = ['containerd', 'ctr', 'containerd-shim-runc-v2', 'runc'].filter((b) => !which(b))
const reason = process.getuid?.() !== 0 ? 'needs root' : `not installed: ${missing.join(', ')} (Debian: containerd, runc)`
const scenario = serialIf(process.getuid?.() === 0 && missing.length === 0, reason)

let ctd: Containerd
const runContainerdExisted = existsSync(SHIM_SOCKET_ROOT)
let seq = 0
const newId = (p: string) => `${p}-${++seq}`
/** Ids whose number is the same for both runtimes of one scenario, so outputs that show it compare. */
const pairId = (rt: { name: string }, n: number) => `${rt.name}-${n}`

test.before(async () => {
  if (process.getuid?.() !== 0 || missing.length) return
  ctd = await startContainerd({ ns: NS })
  importImage(ctd, makeArchive({ dir: makeRootfs(), name: IMAGE, config: { Cmd: ['sh'], Env: ['PATH=/bin'] } }), IMAGE)
})

test.after.always(async (t) => {
  if (!ctd) return
  const left = await stopContainerd(ctd, runContainerdExisted)
  t.deepEqual(left, { shims: [], mounts: [], cgroups: [] }, 'containerd and the runtimes left nothing behind')
})

/** The runtime options of `ctr run`: which binary, and its state root under the test's dir. */
const runtimeArgs = (rt: (typeof RUNTIMES)[number]) => ['--runc-binary', rt.bin, '--runc-root', ctd.runtimeRoot(rt.name), '--fifo-dir', fifoDir(ctd)]

/** `ctr run --rm IMAGE ID ARGS` with one runtime. */
function ctrRun(rt: (typeof RUNTIMES)[number], args: string[], extra: string[] = [], n = ++seq) {
  return ctd.ctr(['run', '--rm', ...runtimeArgs(rt), ...extra, IMAGE, pairId(rt, n), ...args])
}

/** What a task of the given id left: its cgroup directories, mounts of its rootfs, its shim. */
function taskLeftovers(id: string) {
  const cgroups: string[] = []
  for (const c of readdirOrEmpty('/sys/fs/cgroup')) {
    for (const p of [join('/sys/fs/cgroup', c, NS, id), join('/sys/fs/cgroup', NS, id)]) if (existsSync(p)) cgroups.push(p)
  }
  return { cgroups: [...new Set(cgroups)], mounts: mountsUnder(join(ctd.dir, 'state')).filter((m) => m.includes(id)), shims: processesMentioning(`-id ${id} `) }
}

function readdirOrEmpty(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

/** A task's status in `ctr task ls` (RUNNING, PAUSED, STOPPED, ...), or '' when there is none. */
function taskStatus(id: string): string {
  const line = ctd
    .ctr(['task', 'ls'])
    .stdout.split('\n')
    .find((l) => l.startsWith(`${id} `))
  return line?.trim().split(/\s+/)[2] ?? ''
}

const exitCases: Array<[string, string[]]> = [
  ['output and exit status 0', ['sh', '-c', 'echo hello && head -1 /etc/passwd']],
  ['a non-zero exit status', ['sh', '-c', 'echo out; echo err >&2; exit 3']],
  ['a container killed by a signal', ['sh', '-c', 'kill -9 $$']],
  ['pid 1, user and working dir', ['sh', '-c', 'echo $$; id; pwd']],
  // Known difference (docs/engines.md): on cgroup v1 runc also moves the container into the
  // named name=systemd hierarchy; tsc-box-runtime leaves it where the engine was there.
  ['its own cgroup, seen in /proc/self/cgroup', ['sh', '-c', "sed 's/^[0-9]*://' /proc/self/cgroup | grep -v '^name=systemd:' | sort"]],
  ['the mount points it sees', ['sh', '-c', "awk '{print $5}' /proc/self/mountinfo | sort"]],
  ['its capabilities', ['sh', '-c', 'grep ^Cap /proc/self/status']],
]

for (const [what, args] of exitCases) {
  scenario(`ctr run --rm with tsc-box-runtime as with runc: ${what}`, (t) => {
    const n = ++seq
    const [base, ours] = RUNTIMES.map((rt) => ctrRun(rt, args, [], n))
    t.is(ours!.code, base!.code, `runc: ${base!.stderr}\nours: ${ours!.stderr}`)
    t.is(ours!.stdout, base!.stdout.replaceAll('/runc-', '/tsc-box-runtime-'))
  })
}

scenario('ctr run of a missing command fails as with runc, naming the command', (t) => {
  for (const rt of RUNTIMES) {
    const r = ctrRun(rt, ['no-such-command'])
    t.not(r.code, 0, rt.name)
    t.regex(r.stderr, /no-such-command/, rt.name)
    // containerd passes the runtime's error on; the engines above it (docker, kubelet) parse it.
    t.regex(r.stderr, /executable file not found in \$PATH|no such file or directory/, `${rt.name} (issue #12 point 6): ${r.stderr}`)
  }
})

scenario('ctr run -t gives the container a terminal with either runtime', (t) => {
  const outs = RUNTIMES.map((rt) => {
    const cmd = [
      'ctr',
      '-a',
      ctd.socket,
      '-n',
      NS,
      'run',
      '--rm',
      '-t',
      ...runtimeArgs(rt),
      IMAGE,
      newId(rt.name),
      'sh',
      '-c',
      'tty; test -t 0 && echo stdin-is-tty; exit 5',
    ]
    // ctr needs a terminal of its own for -t: script(1) gives it one.
    const r = run('script', ['-qefc', cmd.map((a) => `'${a}'`).join(' '), '/dev/null'])
    return { code: r.code, out: r.stdout.replaceAll('\r', '') }
  })
  t.deepEqual(outs[1], outs[0])
  t.regex(outs[0]!.out, /\/dev\/pts\/\d+\nstdin-is-tty/)
  t.is(outs[0]!.code, 5)
})

async function detachedLifecycle(t: ExecutionContext, rt: (typeof RUNTIMES)[number]) {
  const id = newId(`d-${rt.name}`)
  const r = ctd.ctr(['run', '-d', ...runtimeArgs(rt), IMAGE, id, 'sh', '-c', 'echo ready > /tmp/ready; exec sleep 1000'])
  t.is(r.code, 0, `${rt.name} run -d: ${r.stderr}`)
  t.true(await until(() => taskStatus(id) === 'RUNNING'), `${rt.name}: the task runs`)
  const seen: Record<string, unknown> = {}

  const ex = ctd.ctr(['task', 'exec', '--exec-id', 'e1', id, 'sh', '-c', 'cat /tmp/ready; echo $$ > /dev/null; id -u; exit 7'])
  seen.exec = { code: ex.code, out: ex.stdout }

  // The runtime's own view: `RUNTIME --root ROOT/NS state ID`, as the shim asks it.
  const stateOf = () => {
    const s = run(rt.bin, ['--root', join(ctd.runtimeRoot(rt.name), NS), 'state', id])
    return s.code === 0 ? (JSON.parse(s.stdout) as { status: string }).status : `error: ${s.stderr.trim()}`
  }
  seen.stateRunning = stateOf()

  const ps = ctd.ctr(['task', 'ps', id])
  seen.psLines = ps.stdout.trim().split('\n').length // a header and the one process
  seen.metrics = ctd
    .ctr(['task', 'metrics', id])
    .stdout.split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((m) => m && /^(memory|pids|cpu)\./.test(m))
    .sort()

  const freezer = ['/sys/fs/cgroup/freezer', NS, id, 'freezer.state'].join('/')
  const frozen = () => (existsSync(freezer) ? readFileSync(freezer, 'utf8').trim() : 'cgroup v2')
  seen.pause = ctd.ctr(['task', 'pause', id]).code
  seen.pausedStatus = taskStatus(id)
  seen.pausedFreezer = frozen()
  seen.statePaused = stateOf() // issue #12 point 7: the runtime says "paused"
  seen.resume = ctd.ctr(['task', 'resume', id]).code
  seen.resumedStatus = taskStatus(id)
  seen.resumedFreezer = frozen()
  // runc refuses to resume what is not paused (issue #12 point 7).
  const again = run(rt.bin, ['--root', join(ctd.runtimeRoot(rt.name), NS), 'resume', id])
  seen.resumeRunningRefused = again.code !== 0

  seen.kill = ctd.ctr(['task', 'kill', '-s', 'SIGKILL', id]).code
  seen.stopped = await until(() => taskStatus(id) === 'STOPPED')
  seen.taskDelete = ctd.ctr(['task', 'delete', id]).code
  seen.containerDelete = ctd.ctr(['container', 'delete', id]).code
  // Let the shim exit before looking for what the task left.
  await until(() => processesMentioning(`-id ${id} `).length === 0, 10_000)
  seen.left = taskLeftovers(id)
  return seen
}

scenario('a detached task under tsc-box-runtime: exec, ps, metrics, pause/resume, kill and delete as with runc', async (t) => {
  const base = await detachedLifecycle(t, RUNTIMES[0]!)
  const ours = await detachedLifecycle(t, RUNTIMES[1]!)
  t.deepEqual(base.exec, { code: 7, out: 'ready\n0\n' })
  t.deepEqual(base.left, { cgroups: [], mounts: [], shims: [] })
  t.deepEqual(ours, base)
})

scenario('ctr run with a memory limit and cpu quota: the container reads them from its cgroup as under runc', (t) => {
  const args = [
    'sh',
    '-c',
    'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cat /sys/fs/cgroup/cpu.max',
  ]
  // ctr's default spec has no /sys/fs/cgroup mount (the CRI plugin adds one): ask for it.
  const cgroupMount = ['--mount', 'type=cgroup,src=cgroup,dst=/sys/fs/cgroup,options=ro:nosuid:noexec:nodev']
  const [base, ours] = RUNTIMES.map((rt) => ctrRun(rt, args, ['--memory-limit', String(64 << 20), '--cpus', '0.5', ...cgroupMount]))
  t.is(base!.code, 0, base!.stderr)
  t.regex(base!.stdout, /^67108864\n(50000|50000 100000)\n$/)
  // issue #12 point 3: without a cgroup namespace the container's /sys/fs/cgroup/<controller>
  // must be its own cgroup, not the host's hierarchy.
  t.is(ours!.stdout, base!.stdout, ours!.stderr)
  t.is(ours!.code, base!.code)
})

scenario('nothing of the tasks is left: no shim, no rootfs mount, no container cgroup', (t) => {
  t.deepEqual(ctd.ctr(['task', 'ls', '-q']).stdout.trim(), '')
  t.deepEqual(processesMentioning(ctd.socket), [])
  t.deepEqual(mountsUnder(ctd.dir), [])
  for (const rt of RUNTIMES) t.deepEqual(readdirOrEmpty(join(ctd.runtimeRoot(rt.name), NS)), [], `${rt.name} state`)
})
