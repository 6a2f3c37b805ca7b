/**
 * The lifecycle operations the commands share: start (a monitor runs the container from its
 * bundle, on the same root filesystem and writable layer), stop, kill, wait (removal is the
 * store's: src/container/remove.ts).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {ensureContainerRootfs} from '../image/rootfs'
import {CliError} from '../errors'
import type {Paths} from '../paths'
import {parseRuntimeLog, runOutcome} from '../runtime/log'
import {launch} from '../run/launch'
import {cliCommand} from '../runtime/locate'
import {storeStatic} from '../container/store'
import {lifecycleFiles, type Settings} from './files'
import {deleteRuntimeState, hasRuntimeState, runtimeCall, runtimeMessage, runtimeRoot} from './runtime'
import {isActive, viewById, type ContainerView} from './state'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

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

async function until(pred: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms
  for (;;) {
    if (pred()) return true
    if (Date.now() > end) return false
    await sleep(10)
  }
}

function stillActive(paths: Paths, id: string): boolean {
  const v = viewById(paths.dataRoot, id, paths.runDir)
  return v !== undefined && isActive(v)
}

/** The monitor is gone (it removes the cgroup and state before it exits). */
function monitorGone(dir: string): boolean {
  return !storeStatic((s) => s.monitor(dir))?.alive
}

/**
 * SIGKILL straight to the init of a monitored container (no runtime process to start): the
 * monitor reaps it and its cleanup kills whatever else is left in the cgroup. Only when the
 * pid provably is that init: the monitor is alive and is its parent.
 */
function killInit(dir: string): boolean {
  const st = storeStatic((s) => s.monitor(dir))
  if (st?.status !== 'running' || !st.initOfMonitor) return false
  try {
    process.kill(st.pid, 'SIGKILL')
    return true
  } catch {
    return false
  }
}

function signal(runtime: string, paths: Paths, id: string, sig: string, all: boolean, dir?: string): void {
  if (!hasRuntimeState(paths, id)) return
  if (all && sig === 'SIGKILL' && dir !== undefined && killInit(dir)) return
  const r = runtimeCall(runtime, paths, ['kill', ...(all ? ['--all'] : []), id, sig])
  // Stopped between our look and the kill: nothing to do.
  if (r.status !== 0 && hasRuntimeState(paths, id) && stillActiveInRuntime(runtime, paths, id))
    throw new CliError('kill_failed', `cannot signal ${id.slice(0, 12)}: ${runtimeMessage(r)}`)
}

function stillActiveInRuntime(runtime: string, paths: Paths, id: string): boolean {
  const r = runtimeCall(runtime, paths, ['state', id])
  if (r.status !== 0) return false
  try {
    return (JSON.parse(r.stdout) as {status: string}).status !== 'stopped'
  } catch {
    return false
  }
}

/** A frozen container cannot act on SIGTERM (nor die of SIGKILL until thawed). */
function thaw(runtime: string, paths: Paths, v: ContainerView): void {
  const files = lifecycleFiles(v.dir)
  if (!fs.existsSync(files.paused)) return
  runtimeCall(runtime, paths, ['resume', v.id])
  fs.rmSync(files.paused, {force: true})
}

/** Ends a restarting container's monitor (it sleeps before the next start: no container). */
function endRestarts(v: ContainerView): void {
  const st = storeStatic((s) => s.monitor(v.dir))
  if (st && st.status === 'restarting' && st.alive) {
    try {
      process.kill(st.monitorPid, 'SIGKILL')
    } catch {
      // gone meanwhile
    }
  }
}

/** `stop`: SIGTERM, then after `timeout` seconds SIGKILL to every process; no restart follows. */
export async function stopContainer(runtime: string, paths: Paths, v: ContainerView, timeoutSec: number): Promise<void> {
  const files = lifecycleFiles(v.dir)
  fs.writeFileSync(files.stop, '')
  if (!isActive(v)) return
  endRestarts(v)
  thaw(runtime, paths, v)
  if (timeoutSec > 0) {
    signal(runtime, paths, v.id, 'SIGTERM', false)
    if (await until(() => !stillActive(paths, v.id), timeoutSec * 1000)) return
  }
  signal(runtime, paths, v.id, 'SIGKILL', true, v.dir)
  if (!(await until(() => !stillActive(paths, v.id) && monitorGone(v.dir), 15_000)))
    throw new CliError('stop_failed', `container ${v.id.slice(0, 12)} did not stop`)
}

/** `kill`: a signal to the container's init (the restart policy still applies, as with docker). */
export function killContainer(runtime: string, paths: Paths, v: ContainerView, sig: string): void {
  if (!isActive(v) || v.state === 'restarting') throw new CliError('container_not_running', `container ${v.id.slice(0, 12)} is not running`, 1)
  if (v.state === 'paused' && sig !== 'SIGKILL' && sig !== 'KILL' && sig !== '9') thaw(runtime, paths, v)
  signal(runtime, paths, v.id, sig, false)
}
