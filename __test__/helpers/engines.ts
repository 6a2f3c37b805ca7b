// Real container engines (containerd, its CRI plugin, podman, dockerd) driving tsc-box-runtime in
// runc's place, each started by the test with its own root, state and socket under one temp dir,
// so that nothing of the host's own engines is used or touched, and everything they made can be
// found (and removed) afterwards.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { RUNTIME } from './cli'
import { mountsUnder } from './leaks'

export { RUNTIME }

/** The two runtimes every scenario runs with: runc is the baseline, ours must behave alike. */
export const RUNTIMES: Array<{ name: 'runc' | 'tsc-box-runtime'; bin: string }> = [
  { name: 'runc', bin: 'runc' },
  { name: 'tsc-box-runtime', bin: RUNTIME },
]

export interface Out {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a command to its end (never throws on a non-zero status: the status is what is tested). */
export function run(file: string, args: string[], opts: { input?: string; timeout?: number; env?: NodeJS.ProcessEnv } = {}): Out {
  const r = spawnSync(file, args, {
    encoding: 'utf8',
    input: opts.input ?? '',
    timeout: opts.timeout ?? 60_000,
    env: opts.env ?? process.env,
    maxBuffer: 64 << 20,
  })
  if (r.error) throw r.error
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** The path of an executable on PATH, or undefined. */
export function which(name: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : undefined
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Polls `ok` until it holds or `ms` pass; returns whether it held. */
export async function until(ok: () => boolean, ms = 15_000): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (ok()) return true
    await sleep(100)
  }
  return ok()
}

/** Pids of the processes whose command line mentions `needle` (shims, conmons, daemons of a test). */
export function processesMentioning(needle: string): number[] {
  const found: number[] = []
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8')
      if (cmd.includes(needle)) found.push(Number(e))
    } catch {
      /* exited while listed */
    }
  }
  return found
}

/** Cgroup directories (every v1 controller and the v2 tree) called `name` right below the root. */
export function topCgroups(name: string): string[] {
  const base = '/sys/fs/cgroup'
  const out: string[] = []
  const candidates = [join(base, name)]
  for (const c of readdirSync(base)) candidates.push(join(base, c, name))
  for (const p of candidates) if (existsSync(p)) out.push(p)
  return out
}

/** Every cgroup directory below `dir`, deepest first (the order rmdir needs). */
export function cgroupTree(dir: string): string[] {
  const out: string[] = []
  let entries: string[] = []
  try {
    entries = readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
  } catch {
    return out
  }
  for (const e of entries) out.push(...cgroupTree(join(dir, e)))
  out.push(dir)
  return out
}

/**
 * The parent cgroups an engine made for its containers (containerd's namespace, a pod's parent):
 * engines never remove those, runc neither. What is below them must be gone (each container's
 * own cgroup is the runtime's to remove): returns what was still there, then removes them all.
 */
export function removeParentCgroups(name: string): string[] {
  const left: string[] = []
  for (const top of topCgroups(name)) {
    const hierarchy = dirname(top)
    if (hierarchy !== '/sys/fs/cgroup' && run('mountpoint', ['-q', hierarchy]).code !== 0) {
      // A controller the kernel has but this host does not mount (hugetlb, net_cls, ... on some
      // v1 hosts): podman still makes its conmon "cgroup" there, as plain directories and a
      // tasks file on /sys/fs/cgroup's tmpfs. Removed with the controller's directory when
      // nothing else is in it.
      rmSync(top, { recursive: true, force: true })
      try {
        rmdirSync(hierarchy)
      } catch {
        /* someone else's are there too */
      }
      continue
    }
    for (const d of cgroupTree(top)) {
      if (d !== top) left.push(d)
      try {
        rmdirSync(d)
      } catch {
        /* still has tasks: reported through `left` and by the caller's leak check */
      }
    }
  }
  return left
}

/** Network links of the host (names only), to compare before and after. */
export function hostLinks(): string[] {
  return run('ip', ['-o', 'link', 'show'])
    .stdout.split('\n')
    .map((l) => l.split(': ')[1]?.split('@')[0] ?? '')
    .filter(Boolean)
    .sort()
}

/**
 * The nftables tables and chains that docker or CNI would make (iptables-nft rules show up in
 * nftables too). Only theirs: other tests on this host add and remove their own meanwhile.
 */
export function nftChains(): string[] {
  const r = run('nft', ['list', 'ruleset'])
  if (r.code !== 0) return []
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^(table|chain) /.test(l) && /docker|cni/i.test(l))
}

/** Unmounts (lazily, deepest first) whatever is still mounted under dir; returns what it found. */
export function unmountUnder(dir: string): string[] {
  const found = mountsUnder(dir)
  for (const m of [...found].sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', m])
  return found
}

export interface Daemon {
  dir: string
  proc: ChildProcess
  log: string
}

/** Starts `file args` with its output in dir/NAME.log, in its own process group. */
export function startDaemon(dir: string, name: string, file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Daemon {
  const log = join(dir, `${name}.log`)
  const fd = openSync(log, 'a')
  const proc = spawn(file, args, { stdio: ['ignore', fd, fd], env, detached: true })
  return { dir, proc, log }
}

/** SIGTERM, then SIGKILL after `ms`; resolves when the daemon has exited. */
export async function stopDaemon(d: Daemon, ms = 20_000): Promise<void> {
  if (d.proc.exitCode !== null || d.proc.signalCode !== null) return
  const exited = new Promise<void>((r) => d.proc.once('exit', () => r()))
  d.proc.kill('SIGTERM')
  const timer = setTimeout(() => d.proc.kill('SIGKILL'), ms)
  await exited
  clearTimeout(timer)
}

export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n')
  } catch {
    return ''
  }
}

export interface Containerd extends Daemon {
  socket: string
  /** `ctr -a SOCKET -n NS ARGS` */
  ctr(args: string[], opts?: { input?: string; timeout?: number }): Out
  ns: string
  /** The runc-compatible state root the shim hands each runtime (its --root), per runtime name. */
  runtimeRoot(name: string): string
}

/** /run/containerd/s holds the shims' sockets whatever containerd's state dir is: made by us? */
export const SHIM_SOCKET_ROOT = '/run/containerd'

/**
 * containerd with everything under a fresh temp dir: root, state, sockets, the opt dir; plugins
 * that would read the host's config (CRI unless `cri` is given as extra TOML) are disabled.
 */
export async function startContainerd(opts: { ns: string; criToml?: (dir: string) => string }): Promise<Containerd> {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-containerd-'))
  const socket = join(dir, 'containerd.sock')
  const disabled = [
    'io.containerd.snapshotter.v1.btrfs',
    'io.containerd.snapshotter.v1.zfs',
    'io.containerd.snapshotter.v1.devmapper',
    'io.containerd.snapshotter.v1.aufs',
    'io.containerd.tracing.processor.v1.otlp',
    'io.containerd.internal.v1.tracing',
  ]
  if (!opts.criToml) disabled.push('io.containerd.grpc.v1.cri')
  const toml = [
    'version = 2',
    `root = "${dir}/root"`,
    `state = "${dir}/state"`,
    `disabled_plugins = ${JSON.stringify(disabled)}`,
    '[grpc]',
    `  address = "${socket}"`,
    '[ttrpc]',
    `  address = "${socket}.ttrpc"`,
    '[debug]',
    '  address = ""',
    '  level = "info"',
    '[metrics]',
    '  address = ""',
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = "${dir}/opt"`,
    opts.criToml ? opts.criToml(dir) : '',
  ].join('\n')
  writeFileSync(join(dir, 'config.toml'), toml)
  const d = startDaemon(dir, 'containerd', 'containerd', ['--config', join(dir, 'config.toml')])
  const ctr = (args: string[], o: { input?: string; timeout?: number } = {}) => run('ctr', ['-a', socket, '-n', opts.ns, ...args], o)
  const up = await until(() => ctr(['version']).code === 0, 30_000)
  if (!up) {
    await stopDaemon(d)
    throw new Error(`containerd did not start: ${tail(d.log)}`)
  }
  const runtimeRoot = (name: string) => join(dir, `runtime-${name}`)
  return { ...d, socket, ctr, ns: opts.ns, runtimeRoot }
}

/** A fresh dir for ctr's FIFOs (its default, /run/containerd/fifo, is the host's). */
export function fifoDir(c: Containerd): string {
  const p = join(c.dir, 'fifo')
  mkdirSync(p, { recursive: true })
  return p
}

/**
 * Stops containerd and returns everything it or the runtimes left: shims still running, mounts
 * under its dir, cgroups below the namespace's parent (which are removed too). Then removes the
 * dir, and /run/containerd when it was not there before the test.
 */
export async function stopContainerd(c: Containerd, runContainerdExisted: boolean): Promise<{ shims: number[]; mounts: string[]; cgroups: string[] }> {
  await stopDaemon(c)
  const shims = processesMentioning(c.socket)
  for (const p of shims) {
    try {
      process.kill(p, 'SIGKILL')
    } catch {
      /* gone */
    }
  }
  await until(() => processesMentioning(c.socket).length === 0, 5_000)
  const mounts = unmountUnder(c.dir)
  const cgroups = removeParentCgroups(c.ns)
  rmSync(c.dir, { recursive: true, force: true })
  if (!runContainerdExisted) {
    // Removed only when empty: another test file's containerd may be using it at the same time.
    // A shim removes its socket as it exits, which may be just after it left the process list.
    const sockets = join(SHIM_SOCKET_ROOT, 's')
    await until(() => !existsSync(sockets) || readdirSync(sockets).length === 0, 5_000)
    // Only empty dirs: a shim socket still there would be a leak, and is not ours to hide.
    for (const d of [join(SHIM_SOCKET_ROOT, 's'), join(SHIM_SOCKET_ROOT, 'fifo'), SHIM_SOCKET_ROOT]) {
      try {
        rmdirSync(d)
      } catch {
        /* absent, or not empty */
      }
    }
  }
  return { shims, mounts, cgroups }
}

/** `ctr image import` of an OCI archive made by the fixtures; returns the image's name. */
export function importImage(c: Containerd, archive: string, name: string): string {
  const r = c.ctr(['image', 'import', archive], { timeout: 120_000 })
  if (r.code !== 0) throw new Error(`ctr image import: ${r.stderr}`)
  return name
}

/** Whether a command exists and answers `--version` (used to skip with the reason). */
export function available(file: string, args = ['--version']): boolean {
  try {
    execFileSync(file, args, { stdio: 'ignore', timeout: 20_000 })
    return true
  } catch {
    return false
  }
}
