/**
 * The lifecycle operations the commands share: start (a monitor runs the container from its
 * bundle, on the same root filesystem and writable layer); stop and kill are the store's
 * (crates/containers/src/lifecycle.rs, through the binding), as removal is (src/container/remove.ts).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {ensureContainerRootfs} from '../image/rootfs'
import {CliError} from '../errors'
import {call, callAsync} from '../image/native'
import type {Paths} from '../paths'
import {parseRuntimeLog, runOutcome} from '../runtime/log'
import {launch} from '../run/launch'
import {cliCommand} from '../runtime/locate'
import {storeStatic} from '../container/store'
import {lifecycleFiles, type Settings} from './files'
import {deleteRuntimeState, runtimeRoot} from './runtime'
import {isActive, type ContainerView} from './state'

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
 * the monitor's report). A failure is the runtime's error, with docker's exit code.
 */
export async function launchDetached(l: DetachedLaunch): Promise<void> {
  await ensureContainerRootfs(l.paths.dataRoot, l.dir)
  const files = lifecycleFiles(l.dir)
  for (const f of [files.stop, files.paused]) fs.rmSync(f, {force: true})
  fs.writeFileSync(l.runtimeLog, '')
  fs.mkdirSync(runtimeRoot(l.paths), {recursive: true, mode: 0o700})
  const args = ['--root', runtimeRoot(l.paths), '--log', l.runtimeLog, '--log-format', 'json', 'helper', 'monitor', '-b', l.dir]
  args.push('--status-file', files.status, '--log-file', files.log, '--restart', l.restart)
  if (l.rm) {
    const [program, ...rest] = cliCommand()
    args.push('--exit-command', program)
    // docker's --rm removes the container's anonymous volumes too.
    for (const a of [...rest, 'rm', '-v', '--root', l.paths.dataRoot, l.id]) args.push(`--exit-command-arg=${a}`)
  }
  args.push(l.id)
  const status = await launch({file: l.runtime, args, stdin: false})
  let text = ''
  try {
    text = fs.readFileSync(l.runtimeLog, 'utf8')
  } catch {
    // no log: the runtime never opened it
  }
  const outcome = runOutcome(parseRuntimeLog(text), status)
  if (outcome.kind === 'failed') throw new CliError(`runtime_${outcome.errorKind}`, outcome.message, outcome.exitCode, {shown: outcome.fromLog})
  if (outcome.exitCode !== 0) throw new CliError('runtime_failed', `the runtime exited with status ${outcome.exitCode}`)
}

/** `start`: a container that is not running runs again from its bundle. */
export async function startContainer(runtime: string, paths: Paths, v: ContainerView): Promise<void> {
  if (isActive(v)) return
  const short = v.id.slice(0, 12)
  if (v.state === 'dead')
    throw new CliError(
      'container_dead',
      `container ${short} was never completely created (the run or create making it was killed): remove it with 'tsc-box rm ${v.name || short}'`,
      1,
    )
  if (v.creatorPid !== null)
    throw new CliError(
      'container_creating',
      `container ${short} is still being created by process ${v.creatorPid}: start it once that run or create has finished`,
      1,
    )
  // What a dead monitor or an earlier run left (cgroup, state, network) goes first.
  deleteRuntimeState(runtime, paths, v.id)
  const saved = storeStatic((s) => s.readSettings(v.dir))
  const settings: Settings = saved ? {restart: saved.restart, rm: saved.rm ?? undefined} : {restart: 'no'}
  if (!saved) saveSettings(v.dir, settings)
  await launchDetached({runtime, paths, id: v.id, dir: v.dir, runtimeLog: path.join(v.dir, 'runtime.log'), restart: settings.restart, rm: settings.rm})
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
