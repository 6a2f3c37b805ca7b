/**
 * The lifecycle operations the commands share, each the store's through the binding (the code
 * the runtime's native front door runs too): start and restart (crates/containers/src/start.rs:
 * a monitor runs the container from its bundle, on the same root filesystem and writable
 * layer), stop and kill (crates/containers/src/lifecycle.rs), as removal is (src/container/remove.ts).
 */
import {call, callAsync} from '../image/native'
import type {Paths} from '../paths'
import {cliCommand} from '../runtime/locate'
import {storeStatic} from '../container/store'
import type {Settings} from './files'
import type {ContainerView} from './state'

export interface DetachedLaunch {
  runtime: string
  paths: Paths
  id: string
  /** The container's directory: the bundle, its record and its lifecycle files. */
  dir: string
  /** The runtime's JSON log of this start (read for its error line). */
  runtimeLog: string
  restart: string
  /** Remove the container once it has ended (the monitor runs `tsc-box rm`). */
  rm?: boolean
}

/** Saves how to start the container again; `run -d` and `create` call it before the start. */
export function saveSettings(dir: string, settings: Settings): void {
  storeStatic((s) => s.writeSettings(dir, settings))
}

/**
 * Starts the container under a new monitor and returns once it runs (the runtime waits for
 * the monitor's report): crates/containers/src/start.rs, the native front door's code too.
 * A failure is the runtime's error, with docker's exit code.
 */
export async function launchDetached(l: DetachedLaunch): Promise<void> {
  const {paths} = l
  await callAsync((n) => n.containerLaunch(paths.dataRoot, paths.runDir, l.runtime, cliCommand(), l.id, l.dir, l.runtimeLog, l.restart, l.rm === true))
}

/**
 * `start`: a container that is not running runs again from its bundle (what a dead monitor
 * or an earlier run left goes first), under a new monitor.
 */
export async function startContainer(runtime: string, paths: Paths, v: ContainerView): Promise<void> {
  await callAsync((n) => n.containerStart(paths.dataRoot, paths.runDir, runtime, cliCommand(), v.id))
}

/** `restart -t SECS`: `stop`, then `start`. */
export async function restartContainer(runtime: string, paths: Paths, v: ContainerView, timeoutSec: number): Promise<void> {
  await callAsync((n) => n.containerRestart(paths.dataRoot, paths.runDir, runtime, cliCommand(), v.id, timeoutSec))
}

/**
 * `stop`: the stop marker (no restart follows), SIGTERM, then after `timeoutSec` SIGKILL to
 * every process (crates/containers/src/lifecycle.rs, the native front door's code too).
 * Resolves to the exit status then recorded.
 */
export function stopContainer(runtime: string, paths: Paths, v: ContainerView, timeoutSec: number): Promise<number | null> {
  return callAsync((n) => n.containerStop(paths.dataRoot, paths.runDir, runtime, v.id, timeoutSec))
}

/** `kill`: a signal to the container's init (the restart policy still applies, as with docker). */
export function killContainer(runtime: string, paths: Paths, v: ContainerView, sig: string): void {
  call((n) => n.containerKill(paths.dataRoot, paths.runDir, runtime, v.id, sig))
}
