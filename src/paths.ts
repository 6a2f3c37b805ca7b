/**
 * Where tsc-box keeps its data (records, bundles) and its volatile state (runtime state,
 * locks): a data root that survives reboots and a run directory that does not.
 */
import * as path from 'node:path'
import {storeStatic} from './container/store'

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

/**
 * `root` is the --root flag (or TSC_BOX_ROOT). A chosen data root gets its own run directory,
 * derived from the root's path (crates/containers/src/paths.rs has the rules).
 */
export function resolvePaths(root: string | undefined, p: PathEnv): Paths {
  return storeStatic((s) =>
    s.resolvePaths(root, {uid: p.uid, home: p.home, xdgDataHome: p.env.XDG_DATA_HOME, xdgRuntimeDir: p.env.XDG_RUNTIME_DIR, cwd: process.cwd()}),
  )
}

/** Where the runtime keeps its state (`--root` of every runtime call), as runtime_root() in Rust. */
export function runtimeRoot(paths: Paths): string {
  return path.join(paths.runDir, 'runtime')
}

export function currentPathEnv(): PathEnv {
  return {uid: process.getuid?.() ?? 0, env: process.env, home: process.env.HOME ?? '/'}
}

/** Without root the run directory may sit in /tmp: refused unless it is ours and 0700. */
export function ensureOwnRunDir(runDir: string, uid: number): void {
  storeStatic((s) => s.ensureOwnRunDir(runDir, uid))
}
