// Bundles and root filesystems for the benchmarks, made fresh in a temp dir each run.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Linux, LinuxResources, Spec } from '../src/oci/spec'
import type { Command } from './measure'

export const REPO = resolve(__dirname, '../..')
export const CLI = join(REPO, 'bin/run.js')
export const RUNTIME = process.env.TSC_BOX_RUNTIME ?? join(REPO, 'target/runtime/tsc-box-runtime')

export function busyboxRootfs(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-bench-rootfs-'))
  execFileSync('sh', [join(REPO, 'scripts/busybox-rootfs.sh'), dir], { stdio: 'ignore' })
  return dir
}

/** A bundle made by `runc spec` over a busybox rootfs, running `args`. */
export function runcSpecBundle(args: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-bench-bundle-'))
  execFileSync('sh', [join(REPO, 'scripts/busybox-rootfs.sh'), join(dir, 'rootfs')], { stdio: 'ignore' })
  execFileSync('runc', ['spec'], { cwd: dir })
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))
  config.process.terminal = false
  config.process.args = args
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config))
  return dir
}

let n = 0
export const uniqueId = (p: string) => `${p}-${process.pid}-${++n}`

export function tempDir(p: string): string {
  return mkdtempSync(join(tmpdir(), p))
}

/** Removes a store directory; podman's storage leaves private mounts of its own under its
 * root, which are undone first (deepest first). */
export function removeStore(dir: string): void {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => !!p && p.startsWith(`${dir}/`))
  for (const m of mounts.sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', m])
  rmSync(dir, { recursive: true, force: true })
}

/**
 * podman with its own store under `dir`, as every suite runs it: cgroupfs (no systemd here),
 * runc (crun refuses hybrid cgroup hosts), overlay storage.
 */
export function podmanIn(dir: string): string[] {
  return ['podman', '--root', join(dir, 'root'), '--runroot', join(dir, 'run'), '--cgroup-manager=cgroupfs', '--runtime', 'runc', '--storage-driver', 'overlay']
}

/** podman's default ulimits exceed this host's hard limits. */
export const PODMAN_ULIMITS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024']

/** Runs `suite` with a tempDir that records what it makes, and removes all of it after. */
export function withStores(suite: (tempDir: (p: string) => string) => void): void {
  const made: string[] = []
  try {
    suite((p) => {
      const d = tempDir(p)
      made.push(d)
      return d
    })
  } finally {
    for (const d of made) removeStore(d)
  }
}

/** `<runtime> run` of one bundle, with a fresh container id each time (`run` refuses a used one). */
export function runtimeRun(label: string, bin: string, bundle: string, extra: string[] = []): Command {
  const state = tempDir('tsc-box-bench-state-')
  let i = 0
  return {
    label,
    get argv() {
      return [bin, ...extra, '--root', state, 'run', '-b', bundle, `bench-${process.pid}-${++i}`]
    },
  }
}

/** config.json as `runc spec` writes it: `linux.resources` is always there. */
export interface RuncSpec extends Spec {
  linux: Linux & { resources: LinuxResources }
}

/** Rewrites a bundle's config.json through `edit`. */
export function editConfig(bundle: string, edit: (config: RuncSpec) => void): void {
  const path = join(bundle, 'config.json')
  const config = JSON.parse(readFileSync(path, 'utf8')) as RuncSpec
  edit(config)
  writeFileSync(path, JSON.stringify(config))
}
