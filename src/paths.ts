/**
 * Where tsc-box keeps its data (records, bundles) and its volatile state (runtime state,
 * locks): a data root that survives reboots and a run directory that does not.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CliError} from './errors'
import {fnv1a64} from './container/id'

export interface Paths {
  /** Persistent data: containers/<id>/ and names/<name>. */
  dataRoot: string
  /** Volatile state; the runtime keeps its state under runtime/. */
  runDir: string
}

export interface PathEnv {
  uid: number
  env: NodeJS.ProcessEnv
  home: string
}

function defaultDataRoot(p: PathEnv): string {
  if (p.uid === 0) return '/var/lib/tsc-box'
  const xdg = p.env.XDG_DATA_HOME
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(p.home, '.local', 'share'), 'tsc-box')
}

function defaultRunDir(p: PathEnv): string {
  if (p.uid === 0) return '/run/tsc-box'
  const xdg = p.env.XDG_RUNTIME_DIR
  return xdg && path.isAbsolute(xdg) ? path.join(xdg, 'tsc-box') : `/tmp/tsc-box-${p.uid}`
}

/**
 * `root` is the --root flag (or TSC_BOX_ROOT). A chosen data root gets its own run directory,
 * derived from the root's path, so that parallel users of different roots (tests) never
 * share runtime state or names; it stays short because the runtime puts sockets under it.
 */
export function resolvePaths(root: string | undefined, p: PathEnv): Paths {
  if (root === undefined || root === '') return {dataRoot: defaultDataRoot(p), runDir: defaultRunDir(p)}
  const dataRoot = path.resolve(root)
  const tag = fnv1a64(dataRoot)
  return {dataRoot, runDir: path.join(defaultRunDir(p), 'r', tag)}
}

export function currentPathEnv(): PathEnv {
  return {uid: process.getuid?.() ?? 0, env: process.env, home: process.env.HOME ?? '/'}
}

/**
 * Without root the run directory may be /tmp/tsc-box-<uid>, in a directory every user can
 * write: whoever made it first would own our state and sockets. Make it 0700 if absent, and
 * refuse one that is not ours or that others may enter.
 */
export function ensureOwnRunDir(runDir: string, uid: number): void {
  const base = `/tmp/tsc-box-${uid}`
  // XDG_RUNTIME_DIR is the user's own 0700 directory already.
  if (uid === 0 || (runDir !== base && !runDir.startsWith(base + '/'))) return
  try {
    fs.mkdirSync(base, {mode: 0o700})
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
  }
  const st = fs.lstatSync(base)
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0)
    throw new CliError('unsafe_run_dir', `the run directory ${base} must be a directory owned by uid ${uid} with mode 0700 (found ${st.isDirectory() ? `uid ${st.uid}, mode ${(st.mode & 0o7777).toString(8)}` : 'not a directory'}): remove it or set XDG_RUNTIME_DIR`)
}
