// podman drives tsc-box-runtime as it drives runc (`podman --runtime PATH`, through conmon): each
// scenario runs with runc first, as the baseline, then with tsc-box-runtime. podman has its own
// --root, --runroot and tmpdir under one temp dir (the host's podman storage is not touched), a
// containers.conf of the test's (CONTAINERS_CONF), no network (no CNI bridge, no firewall rule)
// and the containers' cgroups below a parent named for this test.
import test from 'ava'
import { spawnSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serialIf } from './helpers/conditional'
import { processesMentioning, RUNTIMES, removeParentCgroups, run, topCgroups, unmountUnder, until, which } from './helpers/engines'
import { mountsUnder } from './helpers/leaks'
import { makeRootfs } from './helpers/rootfs'
import { makeArchive } from './image-fixtures'

const IMAGE = 'localhost/tsc-box-e2e/busybox:latest'
const PARENT = `tsc-box-e2e-podman-${process.pid}`
const missing = ['podman', 'conmon', 'runc'].filter((b) => !which(b))
const reason = process.getuid?.() !== 0 ? 'needs root' : `not installed: ${missing.join(', ')} (Debian: podman, runc)`
const scenario = serialIf(process.getuid?.() === 0 && missing.length === 0, reason)

let dir = ''
type Rt = (typeof RUNTIMES)[number]

/** `podman` with the test's storage, cgroup manager and the runtime of `rt`. */
function podman(rt: Rt, args: string[], opts: { input?: string } = {}) {
  return run(
    'podman',
    [
      '--root',
      join(dir, 'root'),
      '--runroot',
      join(dir, 'run'),
      '--tmpdir',
      join(dir, 'tmp'),
      '--cgroup-manager=cgroupfs',
      '--events-backend=file',
      '--runtime',
      rt.bin,
      ...args,
    ],
    { ...opts, env: { ...process.env, CONTAINERS_CONF: join(dir, 'containers.conf') }, timeout: 120_000 },
  )
}

/** `podman run` options every scenario uses: no network, the test's cgroup parent, and ulimits this host's hard limits allow. */
const RUN = ['--network', 'none', '--cgroup-parent', `/${PARENT}`, '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024']

test.before(() => {
  if (process.getuid?.() !== 0 || missing.length) return
  dir = mkdtempSync(join(tmpdir(), 'tsc-box-podman-'))
  // runtime_supports_json: podman asks runtimes named there for JSON errors (--log-format=json);
  // a runtime given by path is known by its file name.
  writeFileSync(
    join(dir, 'containers.conf'),
    [
      '[engine]',
      `events_logfile_path = "${join(dir, 'events.log')}"`,
      'runtime_supports_json = ["runc", "tsc-box-runtime"]',
      'runtime_supports_kvm = []',
      '[network]',
      `network_config_dir = "${join(dir, 'networks')}"`,
      '',
    ].join('\n'),
  )
  const archive = makeArchive({ dir: makeRootfs(), name: IMAGE, format: 'docker', config: { Cmd: ['sh'], Env: ['PATH=/bin'] } })
  const r = podman(RUNTIMES[0]!, ['load', '-i', archive])
  if (r.code !== 0) throw new Error(`podman load: ${r.stderr}`)
})

test.after.always((t) => {
  if (!dir) return
  for (const rt of RUNTIMES) podman(rt, ['rm', '-af', '-t', '0'])
  const conmons = processesMentioning(dir)
  // podman's storage is mounted under its root while it has containers: unmounted by `podman
  // system reset`-like cleanup here, and anything else still mounted is a leak.
  podman(RUNTIMES[0]!, ['image', 'rm', '-af'])
  const mounts = mountsUnder(dir).filter((m) => !m.endsWith('/overlay') && !m.endsWith('/root/overlay'))
  unmountUnder(dir)
  // podman puts conmon in PARENT/conmon (its own, never removed); the containers' were the runtime's.
  const cgroups = removeParentCgroups(PARENT).filter((c) => !c.endsWith(`/${PARENT}/conmon`))
  rmSync(dir, { recursive: true, force: true })
  t.deepEqual({ conmons, mounts, cgroups }, { conmons: [], mounts: [], cgroups: [] }, 'podman and the runtimes left nothing behind')
  t.deepEqual(topCgroups(PARENT), [])
})

const statusCases: Array<[string, string[], number]> = [
  ['exit status 0 and output', ['sh', '-c', 'echo hello; id -u'], 0],
  ['a non-zero exit status', ['sh', '-c', 'exit 3'], 3],
  // podman maps the runtime's "permission denied" / "not found" errors to 126 / 127 (issue #12 point 6).
  ['a command that cannot be executed exits 126', ['/etc/passwd'], 126],
  ['a missing command exits 127', ['no-such-command'], 127],
]

for (const [what, args, code] of statusCases) {
  scenario(`podman run with tsc-box-runtime as with runc: ${what}`, (t) => {
    const [base, ours] = RUNTIMES.map((rt) => podman(rt, ['run', '--rm', ...RUN, IMAGE, ...args]))
    t.is(base!.code, code, base!.stderr)
    t.is(ours!.code, base!.code, ours!.stderr)
    t.is(ours!.stdout, base!.stdout)
  })
}

scenario('podman run: memory and cpu limits are visible inside the container as under runc', (t) => {
  const args = [
    'sh',
    '-c',
    'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cut -d" " -f1 /sys/fs/cgroup/cpu.max; cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max',
  ]
  const [base, ours] = RUNTIMES.map((rt) => podman(rt, ['run', '--rm', ...RUN, '-m', '64m', '--cpus', '0.5', '--pids-limit', '77', IMAGE, ...args]))
  t.is(base!.stdout, `${64 << 20}\n50000\n77\n`, base!.stderr)
  // issue #12 point 3: on cgroup v1 without a cgroup namespace the limit must be the container's.
  t.is(ours!.stdout, base!.stdout, ours!.stderr)
})

/** A detached container's life under one runtime; returns what was seen, to compare with runc's. */
async function detached(rt: Rt) {
  const seen: Record<string, unknown> = {}
  const r = podman(rt, ['run', '-d', ...RUN, IMAGE, 'sh', '-c', 'trap "exit 0" TERM; echo ready > /tmp/ready; while :; do sleep 0.2; done'])
  if (r.code !== 0) throw new Error(`${rt.name} run -d: ${r.stderr}`)
  const id = r.stdout.trim()
  const status = () => podman(rt, ['inspect', '-f', '{{.State.Status}}', id]).stdout.trim()
  seen.running = await until(() => status() === 'running')

  const ex = podman(rt, ['exec', id, 'sh', '-c', 'cat /tmp/ready; exit 4'])
  seen.exec = { code: ex.code, out: ex.stdout }
  // exec --preserve-fds 1: the caller's fd 3 is the process's fd 3 (issue #12 point 4).
  const fdFile = join(dir, `fd3-${rt.name}`)
  writeFileSync(fdFile, 'through fd 3\n')
  const fd = openSync(fdFile, 'r')
  const pf = spawnSync(
    'podman',
    [
      '--root',
      join(dir, 'root'),
      '--runroot',
      join(dir, 'run'),
      '--tmpdir',
      join(dir, 'tmp'),
      '--cgroup-manager=cgroupfs',
      '--events-backend=file',
      '--runtime',
      rt.bin,
      'exec',
      '--preserve-fds',
      '1',
      id,
      'sh',
      '-c',
      'cat <&3',
    ],
    { stdio: ['ignore', 'pipe', 'pipe', fd], encoding: 'utf8', env: { ...process.env, CONTAINERS_CONF: join(dir, 'containers.conf') }, timeout: 60_000 },
  )
  closeSync(fd)
  seen.preserveFds = { code: pf.status, out: pf.stdout, err: pf.status === 0 ? '' : pf.stderr.trim() }
  seen.execMissing = podman(rt, ['exec', id, 'no-such-command']).code
  seen.execNoExec = podman(rt, ['exec', id, '/etc/passwd']).code

  seen.top = podman(rt, ['top', id, 'args']).stdout.includes('sleep')
  seen.pause = podman(rt, ['pause', id]).code
  seen.paused = status()
  seen.unpause = podman(rt, ['unpause', id]).code
  seen.unpaused = status()

  seen.stop = podman(rt, ['stop', '-t', '5', id]).code
  seen.stopped = status()
  seen.exitCode = podman(rt, ['inspect', '-f', '{{.State.ExitCode}}', id]).stdout.trim()
  seen.rm = podman(rt, ['rm', id]).code
  await until(() => processesMentioning(id).length === 0, 10_000)
  seen.left = { processes: processesMentioning(id), mounts: mountsUnder(dir).filter((m) => m.includes(id)) }
  return seen
}

scenario('podman run -d, exec (with --preserve-fds), top, pause/unpause, stop and rm with tsc-box-runtime as with runc', async (t) => {
  const base = await detached(RUNTIMES[0]!)
  t.like(base, {
    running: true,
    exec: { code: 4, out: 'ready\n' },
    preserveFds: { code: 0, out: 'through fd 3\n' },
    execMissing: 127,
    execNoExec: 126,
    paused: 'paused',
    unpaused: 'running',
    stopped: 'exited',
    exitCode: '0',
  })
  const ours = await detached(RUNTIMES[1]!)
  t.deepEqual(ours, base)
})
