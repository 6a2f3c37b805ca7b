// OCI bundles made the way users of runc make them: `runc spec`, then edit config.json.
import { execFileSync, spawnSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Linux, LinuxCapabilities, LinuxResources, Mount, Process, Root, Spec } from '../../src/oci/spec'
import { RUNTIME } from './cli'
import { makeRootfs } from './rootfs'

/**
 * config.json as `runc spec` writes it: the OCI spec with the parts runc always fills in made
 * required. A namespace type is any string, so that a test can hand the runtime a bogus one.
 */
export interface Config extends Omit<Spec, 'process' | 'root' | 'mounts' | 'linux'> {
  process: Process & { capabilities: Required<LinuxCapabilities> }
  root: Root
  mounts: Mount[]
  linux: Omit<Linux, 'namespaces' | 'resources'> & { namespaces: Array<{ type: string; path?: string }>; resources: LinuxResources }
}

/** A bundle dir with a busybox rootfs and runc's default config.json, edited by `edit`. */
export function makeBundle(edit: (c: Config) => void = () => {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-bundle-'))
  renameSync(makeRootfs(), join(dir, 'rootfs'))
  execFileSync('runc', ['spec'], { cwd: dir })
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Config
  config.process.terminal = false
  edit(config)
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2))
  return dir
}

export function setArgs(...args: string[]) {
  return (c: Config) => {
    c.process.args = args
  }
}

export interface RunOut {
  code: number | null
  stdout: string
  stderr: string
}

/** `<runtime> --root STATE ARGS` for runc, crun or tsc-box-runtime. */
export function runtime(bin: string, state: string, args: string[], input = ''): RunOut {
  const r = spawnSync(bin, ['--root', state, ...args], { encoding: 'utf8', input, timeout: 60_000 })
  if (r.error) throw r.error
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/**
 * For `create`: the container keeps the runtime's stdio, so pipes would stay open until it
 * exits (as with runc). Its output goes to files in the bundle instead.
 */
export function runtimeCreate(bin: string, state: string, args: string[]): RunOut {
  const bundle = args[args.indexOf('-b') + 1]!
  const out = join(bundle, 'create.out')
  const err = join(bundle, 'create.err')
  const fds = [openSync(out, 'w'), openSync(err, 'w')]
  try {
    const r = spawnSync(bin, ['--root', state, ...args], { stdio: ['ignore', fds[0], fds[1]], timeout: 60_000 })
    if (r.error) throw r.error
    return { code: r.status, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') }
  } finally {
    for (const fd of fds) closeSync(fd)
  }
}

export const TSC_RUNTIME = RUNTIME

export function stateDir(): string {
  return mkdtempSync(join(tmpdir(), 'tsc-box-rtstate-'))
}
