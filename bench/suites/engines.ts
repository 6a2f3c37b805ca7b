// Issue 12: tsc-box-runtime in runc's place under real engines. End to end, `ctr run --rm` (a
// containerd of the bench's own) and `podman run --rm`, each with runc and with tsc-box-runtime;
// and the runtime's own verbs as containerd's shim calls them (`create --bundle --pid-file` with
// a JSON log, `start`, `exec --process --detach`, `delete --force`), each timed against runc's in the
// same run. Targets: `create` at most 0.5x runc's; engine runs faster than with runc.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, openSync, rmdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Command, compare, report, works } from '../measure'
import { busyboxRootfs, RUNTIME, runcSpecBundle, tempDir } from '../fixtures'

const RUNTIMES = [
  { name: 'runc', bin: 'runc' },
  { name: 'tsc-box-runtime', bin: RUNTIME },
]

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0
const sleepMs = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/** rmdir of a cgroup parent an engine made (and never removes) in every hierarchy. */
function removeCgroupParent(name: string) {
  // A controller this host does not mount has plain directories there (podman makes its conmon
  // "cgroup" in every controller the kernel lists): removed as files, with the controller's
  // directory when it is left empty.
  spawnSync('sh', [
    '-c',
    `for d in /sys/fs/cgroup/*/${name} /sys/fs/cgroup/${name}; do [ -d "$d" ] || continue; h=$(dirname "$d"); ` +
      `if [ "$h" = /sys/fs/cgroup ] || mountpoint -q "$h"; then find "$d" -depth -type d -exec rmdir {} + ; else rm -rf "$d"; rmdir "$h"; fi; done 2>/dev/null; true`,
  ])
}

/** A containerd with its own root, state and socket, no CRI: for `ctr run`. */
function startContainerd(dir: string): { proc: ChildProcess; socket: string } {
  const socket = join(dir, 'containerd.sock')
  writeFileSync(
    join(dir, 'config.toml'),
    [
      'version = 2',
      `root = "${dir}/root"`,
      `state = "${dir}/state"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]',
      `[grpc]\n  address = "${socket}"`,
      `[ttrpc]\n  address = "${socket}.ttrpc"`,
      `[plugins."io.containerd.internal.v1.opt"]\n  path = "${dir}/opt"`,
    ].join('\n'),
  )
  const log = openSync(join(dir, 'containerd.log'), 'a')
  const proc = spawn('containerd', ['--config', join(dir, 'config.toml')], { stdio: ['ignore', log, log], detached: true })
  for (let i = 0; i < 300 && spawnSync('ctr', ['-a', socket, 'version']).status !== 0; i++) sleepMs(100)
  return { proc, socket }
}

function ctrRuns(runs: number, rootfs: string) {
  if (!has('containerd') || !has('ctr') || !has('containerd-shim-runc-v2')) {
    console.log('\n## engines: ctr run --rm\n  left out: containerd not installed (Debian: containerd)')
    return
  }
  const dir = tempDir('tsc-box-bench-containerd-')
  const runContainerdExisted = existsSync('/run/containerd')
  const { proc, socket } = startContainerd(dir)
  const ns = `tsc-box-bench-${process.pid}`
  mkdirSync(join(dir, 'fifo'))
  let n = 0
  // --rootfs: the busybox dir as the container's root, no image or snapshotter in the timing.
  const cmds: Command[] = RUNTIMES.map((rt) => ({
    label: `ctr run --rm (${rt.name})`,
    get argv() {
      return [
        'ctr',
        '-a',
        socket,
        '-n',
        ns,
        'run',
        '--rm',
        '--rootfs',
        '--runc-binary',
        rt.bin,
        '--runc-root',
        join(dir, `rt-${rt.name}`),
        '--fifo-dir',
        join(dir, 'fifo'),
        rootfs,
        `b${++n}`,
        '/bin/true', // no image config here, so no PATH
      ]
    },
  }))
  try {
    const broken = cmds.map(works).find(Boolean)
    if (broken) console.log(`\n## engines: ctr run --rm\n  left out: ${broken}`)
    else
      report('engines: ctr run --rm --rootfs DIR /bin/true (containerd, io.containerd.runc.v2 shim)', compare(cmds, runs), [
        [cmds[1]!.label, cmds[0]!.label, 1.0],
      ])
  } finally {
    proc.kill('SIGTERM')
    for (let i = 0; i < 100 && proc.exitCode === null && proc.signalCode === null; i++) sleepMs(100)
    removeCgroupParent(ns)
    rmSync(dir, { recursive: true, force: true })
    if (!runContainerdExisted) spawnSync('sh', ['-c', 'rmdir /run/containerd/s /run/containerd/fifo /run/containerd 2>/dev/null; true'])
  }
}

function podmanRuns(runs: number, rootfs: string) {
  if (!has('podman')) {
    console.log('\n## engines: podman run --rm\n  left out: podman not installed')
    return
  }
  const dir = tempDir('tsc-box-bench-podman-engines-')
  const parent = `tsc-box-bench-podman-${process.pid}`
  // Its own storage; cgroupfs (no systemd driver in tsc-box-runtime); no network (no CNI
  // bridge or firewall rule); ulimits this host's hard limits allow.
  const cmds: Command[] = RUNTIMES.map((rt) => ({
    label: `podman run --rm (${rt.name})`,
    argv: [
      'podman',
      '--root',
      join(dir, 'root'),
      '--runroot',
      join(dir, 'run'),
      '--tmpdir',
      join(dir, 'tmp'),
      '--cgroup-manager=cgroupfs',
      '--events-backend=none',
      '--runtime',
      rt.bin,
      'run',
      '--rm',
      '--network',
      'none',
      '--cgroup-parent',
      `/${parent}`,
      '--ulimit',
      'nofile=1024:1024',
      '--ulimit',
      'nproc=1024:1024',
      '--rootfs',
      rootfs,
      'true',
    ],
  }))
  try {
    const broken = cmds.map(works).find(Boolean)
    if (broken) console.log(`\n## engines: podman run --rm\n  left out: ${broken}`)
    else report('engines: podman run --rm --rootfs DIR true (conmon)', compare(cmds, runs), [[cmds[1]!.label, cmds[0]!.label, 1.0]])
  } finally {
    // conmon and podman's cleanup of the last container may outlive `podman run --rm` briefly.
    for (let i = 0; i < 100 && spawnSync('pgrep', ['-f', dir]).status === 0; i++) sleepMs(100)
    removeCgroupParent(parent)
    spawnSync('sh', ['-c', `grep -o " ${dir}[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l`])
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The verbs of one runtime, in the order and with the flags of containerd's runc shim. */
function verbs(rt: (typeof RUNTIMES)[number], bundle: string, work: string): Command[] {
  const state = join(work, `state-${rt.name}`)
  const log = join(work, `log-${rt.name}.json`)
  const base = [rt.bin, '--root', state, '--log', log, '--log-format', 'json']
  const proc = join(work, 'process.json')
  let id = ''
  let n = 0
  return [
    {
      label: `${rt.name} create`,
      // The container's init keeps the runtime's stdio (as the shim's pipes): stderr not piped.
      stderr: 'ignore',
      get argv() {
        id = `bench-${rt.name}-${process.pid}-${++n}`
        return [...base, 'create', '--bundle', bundle, '--pid-file', join(work, `${id}.pid`), id]
      },
    },
    {
      label: `${rt.name} start`,
      get argv() {
        return [...base, 'start', id]
      },
    },
    {
      label: `${rt.name} exec --detach`,
      stderr: 'ignore',
      get argv() {
        return [...base, 'exec', '--process', proc, '--detach', '--pid-file', join(work, `${id}.exec.pid`), id]
      },
    },
    {
      label: `${rt.name} delete --force`,
      get argv() {
        // The shim kills the init, reaps what it must (it is the subreaper) and deletes. Here
        // the exited exec'd process is the host pid 1's to reap, which may be late, and the init
        // cannot finish exiting before: SIGKILL and a bounded wait, untimed, then
        // `delete --force` for both runtimes.
        spawnSync(rt.bin, ['--root', state, 'kill', id, 'KILL'])
        for (let i = 0; i < 100; i++) {
          const s = spawnSync(rt.bin, ['--root', state, 'state', id], { encoding: 'utf8' })
          if (s.status !== 0 || /"status":\s*"stopped"/.test(s.stdout)) break
          sleepMs(10)
        }
        return [...base, 'delete', '--force', id]
      },
    },
  ]
}

function runtimeVerbs(runs: number) {
  const bundle = runcSpecBundle(['sleep', '1000'])
  const work = tempDir('tsc-box-bench-verbs-')
  writeFileSync(
    join(work, 'process.json'),
    JSON.stringify({ terminal: false, user: { uid: 0, gid: 0 }, args: ['true'], env: ['PATH=/bin:/usr/bin'], cwd: '/', noNewPrivileges: true }),
  )
  const cmds = RUNTIMES.flatMap((rt) => verbs(rt, bundle, work))
  try {
    const samples = compare(cmds, runs)
    report('engines: the runtime verbs as containerd calls them (create, start, exec --detach, delete --force)', samples, [
      ['tsc-box-runtime create', 'runc create', 0.5],
      ['tsc-box-runtime start', 'runc start'],
      ['tsc-box-runtime exec --detach', 'runc exec --detach'],
      ['tsc-box-runtime delete --force', 'runc delete --force'],
    ])
  } finally {
    for (const rt of RUNTIMES) {
      const state = join(work, `state-${rt.name}`)
      const left = spawnSync(rt.bin, ['--root', state, 'list', '-q'], { encoding: 'utf8' }).stdout ?? ''
      for (const id of left.split('\n').filter(Boolean)) spawnSync(rt.bin, ['--root', state, 'delete', '--force', id])
    }
    rmSync(work, { recursive: true, force: true })
    rmSync(bundle, { recursive: true, force: true })
  }
}

export function engines(runs: number) {
  if (process.getuid?.() !== 0) {
    console.log('\n## engines\n  left out: needs root')
    return
  }
  const rootfs = busyboxRootfs()
  try {
    runtimeVerbs(runs)
    ctrRuns(runs, rootfs)
    podmanRuns(runs, rootfs)
  } finally {
    try {
      rmSync(rootfs, { recursive: true, force: true })
    } catch {
      /* a lazily unmounted path still busy: left in the temp dir */
    }
    try {
      rmdirSync(`/sys/fs/cgroup/tsc-box-bench-${process.pid}`)
    } catch {
      /* never made */
    }
  }
}
