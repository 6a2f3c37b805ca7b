// dockerd drives tsc-box-runtime as it drives runc (`dockerd --add-runtime`, through containerd's
// io.containerd.runc.v2 shim): each scenario runs with runc first, as the baseline, then with
// tsc-box-runtime, with docker's defaults (its default seccomp profile included). dockerd has its
// own data root, exec root, pidfile, config file and socket, and the containerd of the test's
// (--containerd); it changes nothing in the host's network: no iptables, no bridge, no IP
// forwarding or masquerade. Images come from `docker load` of an archive made here.
import test from 'ava'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { serialIf } from './helpers/conditional'
import {
  type Containerd,
  type Daemon,
  hostLinks,
  nftChains,
  RUNTIMES,
  removeParentCgroups,
  run,
  SHIM_SOCKET_ROOT,
  startContainerd,
  startDaemon,
  stopContainerd,
  stopDaemon,
  tail,
  topCgroups,
  unmountUnder,
  until,
  which,
} from './helpers/engines'
import { mountsUnder } from './helpers/leaks'
import { makeRootfs } from './helpers/rootfs'
import { makeArchive } from './image-fixtures'

const IMAGE = 'localhost/tsc-box-e2e/busybox:latest'
const PARENT = `tsc-box-e2e-docker-${process.pid}`
// Debian's docker CLI (the one packaged with this dockerd), not another one earlier on PATH.
const DOCKER = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker'
const missing = ['dockerd', 'containerd', 'containerd-shim-runc-v2', 'runc'].filter((b) => !which(b))
if (!which(DOCKER)) missing.push('docker')
const reason = process.getuid?.() !== 0 ? 'needs root' : `not installed: ${missing.join(', ')} (Debian: docker.io)`
const scenario = serialIf(process.getuid?.() === 0 && missing.length === 0, reason)

let ctd: Containerd
let dockerd: Daemon
let sock = ''
const runContainerdExisted = existsSync(SHIM_SOCKET_ROOT)
const hostDockerDirs = ['/run/docker', '/var/lib/docker', '/var/run/docker.sock', '/etc/docker/key.json']
const hostDockerBefore = hostDockerDirs.filter((p) => existsSync(p))
let linksBefore: string[] = []
let nftBefore: string[] = []

/** `docker -H SOCK ARGS` with a CLI config of the test's. */
function docker(args: string[], timeout = 120_000) {
  return run(DOCKER, ['-H', `unix://${sock}`, ...args], { timeout, env: { ...process.env, DOCKER_CONFIG: join(ctd.dir, 'docker-cli') } })
}

test.before(async () => {
  if (process.getuid?.() !== 0 || missing.length) return
  linksBefore = hostLinks()
  nftBefore = nftChains()
  // docker's namespace in containerd is "moby".
  ctd = await startContainerd({ ns: 'moby' })
  const d = join(ctd.dir, 'docker')
  mkdirSync(d)
  sock = join(d, 'docker.sock')
  writeFileSync(join(d, 'daemon.json'), JSON.stringify({ runtimes: { 'tsc-box-runtime': { path: RUNTIMES[1]!.bin } } }))
  dockerd = startDaemon(ctd.dir, 'dockerd', 'dockerd', [
    '--config-file',
    join(d, 'daemon.json'),
    '--data-root',
    join(d, 'data'),
    '--exec-root',
    join(d, 'exec'),
    '--pidfile',
    join(d, 'docker.pid'),
    '-H',
    `unix://${sock}`,
    '--containerd',
    ctd.socket,
    '--containerd-namespace',
    'moby',
    '--containerd-plugins-namespace',
    'moby-plugins',
    '--iptables=false',
    '--ip6tables=false',
    '--ip-forward=false',
    '--ip-masq=false',
    '--bridge=none',
    '--userland-proxy=false',
    '--exec-opt',
    'native.cgroupdriver=cgroupfs',
    '--cgroup-parent',
    `/${PARENT}`,
    // docker's default is runc from PATH; named here so that both runtimes are explicit.
    '--add-runtime',
    `runc-baseline=${RUNTIMES[0]!.bin}`,
  ])
  if (!(await until(() => docker(['version']).code === 0, 60_000))) throw new Error(`dockerd did not start: ${tail(dockerd.log)}`)
  const archive = makeArchive({ dir: makeRootfs(), name: IMAGE, format: 'docker', config: { Cmd: ['sh'], Env: ['PATH=/bin'] } })
  const r = docker(['load', '-i', archive])
  if (r.code !== 0) throw new Error(`docker load: ${r.stderr}`)
})

test.after.always(async (t) => {
  if (!ctd) return
  if (dockerd) {
    const ids = docker(['ps', '-aq']).stdout.split('\n').filter(Boolean)
    if (ids.length) docker(['rm', '-f', ...ids])
    await stopDaemon(dockerd)
  }
  const dockerMounts = unmountUnder(join(ctd.dir, 'docker')).filter((m) => !/\/data\/(overlay2|plugins)$/.test(m) && !m.endsWith('/exec/netns'))
  const left = await stopContainerd(ctd, runContainerdExisted)
  const cgroups = removeParentCgroups(PARENT)
  // dockerd 20.10 writes its trust key to /etc/docker/key.json and makes /run/docker/plugins
  // whatever its roots are: removed when they were not there before.
  if (!hostDockerBefore.includes('/etc/docker/key.json')) rmSync('/etc/docker/key.json', { force: true })
  if (!hostDockerBefore.includes('/run/docker')) run('rmdir', ['/run/docker/plugins', '/run/docker'])
  t.deepEqual(
    { ...left, dockerMounts, cgroups },
    { shims: [], mounts: [], cgroups: [], dockerMounts: [] },
    'dockerd, containerd and the runtimes left nothing behind',
  )
  t.deepEqual(topCgroups(PARENT), [])
  t.deepEqual(
    hostDockerDirs.filter((p) => existsSync(p)),
    hostDockerBefore,
    "the host's docker dirs are untouched",
  )
  t.deepEqual(
    hostLinks().filter((l) => !linksBefore.includes(l) && (l === 'docker0' || l.startsWith('br-'))),
    [],
    'docker made no bridge',
  )
  // --ip-forward=false too: dockerd leaves the host's forwarding setting alone.
  t.deepEqual(nftChains(), nftBefore, 'dockerd changed no firewall rule')
})

/** docker's name of each runtime: runc is registered as runc-baseline, ours as tsc-box-runtime. */
const dockerName = (rt: (typeof RUNTIMES)[number]) => (rt.name === 'runc' ? 'runc-baseline' : rt.name)

const statusCases: Array<[string, string[], string[], number]> = [
  ['output and exit status 0', [], ['sh', '-c', 'echo hello; id'], 0],
  ['a non-zero exit status', [], ['sh', '-c', 'exit 3'], 3],
  // docker's CLI maps the runtime's errors: "executable file not found in $PATH" / "no such
  // file or directory" to 127, "permission denied" to 126 (issue #12 point 6).
  ['a missing command exits 127', [], ['no-such-command'], 127],
  ['a command that cannot be executed exits 126', [], ['/etc/passwd'], 126],
  ['a working dir that is a file exits 125', ['-w', '/etc/passwd'], ['true'], 125],
  // docker's default seccomp profile has masked compares with no valueTwo (issue #12 point 1).
  ['the default seccomp profile applies', [], ['grep', '^Seccomp:', '/proc/self/status'], 0],
  ['the default capabilities', [], ['grep', '^Cap', '/proc/self/status'], 0],
]

for (const [what, opts, args, code] of statusCases) {
  scenario(`docker run --runtime tsc-box-runtime as with runc: ${what}`, (t) => {
    const [base, ours] = RUNTIMES.map((rt) => docker(['run', '--rm', '--network', 'none', '--runtime', dockerName(rt), ...opts, IMAGE, ...args]))
    t.is(base!.code, code, base!.stderr)
    t.is(ours!.code, base!.code, ours!.stderr)
    t.is(ours!.stdout, base!.stdout)
  })
}

const LIMITS =
  'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cut -d" " -f1 /sys/fs/cgroup/cpu.max'

/** A detached container's life under one runtime; returns what was seen, to compare with runc's. */
async function detached(rt: (typeof RUNTIMES)[number]) {
  const seen: Record<string, unknown> = {}
  const r = docker([
    'run',
    '-d',
    '--network',
    'none',
    '--runtime',
    dockerName(rt),
    '-m',
    '64m',
    '--cpus',
    '0.5',
    IMAGE,
    'sh',
    '-c',
    'trap "exit 0" TERM; echo ready > /tmp/ready; while :; do sleep 0.2; done',
  ])
  if (r.code !== 0) return { run: r.code, error: r.stderr.trim() }
  const id = r.stdout.trim()
  const status = () => docker(['inspect', '-f', '{{.State.Status}}', id]).stdout.trim()
  seen.running = await until(() => status() === 'running')
  const exec = (...args: string[]) => {
    const e = docker(['exec', id, ...args])
    return { code: e.code, out: e.stdout }
  }
  seen.exec = exec('sh', '-c', 'cat /tmp/ready; exit 4')
  seen.execMissing = exec('no-such-command').code
  seen.execNoExec = exec('/etc/passwd').code
  // -m and --cpus, read where programs read them (issue #12 point 3 on cgroup v1).
  seen.limits = exec('sh', '-c', LIMITS).out
  // docker update sends zeros for what it leaves unset (issue #12 point 2).
  const u = docker(['update', '-m', '96m', '--memory-swap', '192m', '--cpus', '0.25', id])
  seen.update = { code: u.code, err: u.code === 0 ? '' : u.stderr.trim() }
  seen.limitsAfterUpdate = exec('sh', '-c', LIMITS).out
  seen.devicesAfterUpdate = exec('sh', '-c', 'echo x > /dev/null && head -c 4 /dev/urandom | wc -c').out
  seen.pause = docker(['pause', id]).code
  seen.paused = status()
  seen.unpause = docker(['unpause', id]).code
  seen.stop = docker(['stop', '-t', '5', id]).code
  seen.stopped = status()
  seen.exitCode = docker(['inspect', '-f', '{{.State.ExitCode}}', id]).stdout.trim()
  seen.rm = docker(['rm', id]).code
  seen.mounts = mountsUnder(ctd.dir).filter((m) => m.includes(id))
  return seen
}

scenario('docker run -d, exec, update, pause, stop and rm with tsc-box-runtime as with runc; -m and --cpus visible inside', async (t) => {
  const base = await detached(RUNTIMES[0]!)
  t.like(base, {
    running: true,
    exec: { code: 4, out: 'ready\n' },
    execMissing: 126, // docker 20.10's exec reports every failed start as 126
    execNoExec: 126,
    limits: `${64 << 20}\n50000\n`,
    update: { code: 0 },
    limitsAfterUpdate: `${96 << 20}\n25000\n`,
    devicesAfterUpdate: '4\n',
    paused: 'paused',
    stopped: 'exited',
    exitCode: '0',
  })
  const ours = await detached(RUNTIMES[1]!)
  t.deepEqual(ours, base)
})
