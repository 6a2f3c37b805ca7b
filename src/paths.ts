/**
 * Where tsc-box keeps its data (records, bundles) and its volatile state (runtime state,
 * locks): a data root that survives reboots and a run directory that does not.
 */
import * as path from 'node:path'
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
