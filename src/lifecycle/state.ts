/**
 * A container as the lifecycle commands see it: the CLI's record joined with the monitor's
 * status, judged against the kernel (is the monitor still that process?). Reading never
 * writes: `ps` reports the truth even while a monitor is being killed, and the commands that
 * change things (`rm`, `start`, `prune`) clean up what a dead monitor left.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {containerDir, containersDir, readRecord, type ContainerRecord} from '../container/record'
import {lifecycleFiles, monitorAlive, readJson, type MonitorStatus, type Settings} from './files'

export type State = 'created' | 'running' | 'paused' | 'restarting' | 'exited'

export interface ContainerView {
  id: string
  name: string
  created: string
  command: string[]
  rootfs: string
  state: State
  /** The init's host pid while running, else 0. */
  pid: number
  exitCode: number | null
  oomKilled: boolean
  startedAt: string | null
  finishedAt: string | null
  restartCount: number
  restartPolicy: string
  /** Detached (a monitor supervises it) or a foreground `run`. */
  detached: boolean
  dir: string
}

/**
 * State from the record and the monitor's status file. `runtimeRoot` lets a foreground run's
 * record be checked against the runtime: a `run` whose tsc-box was killed says "running"
 * forever, but its runtime state goes when the container ends.
 */
export function viewOf(dir: string, record: ContainerRecord, runtimeRoot?: string): ContainerView {
  const files = lifecycleFiles(dir)
  const st = readJson<MonitorStatus>(files.status)
  const settings = readJson<Settings>(files.settings)
  const view: ContainerView = {
    id: record.id,
    name: record.name,
    created: record.created,
    command: record.command,
    rootfs: record.rootfs,
    state: record.status === 'created' ? 'created' : record.status === 'running' ? 'running' : 'exited',
    pid: 0,
    exitCode: record.exitCode,
    oomKilled: record.oomKilled,
    startedAt: null,
    finishedAt: null,
    restartCount: 0,
    restartPolicy: settings?.restart ?? 'no',
    detached: settings !== undefined,
    dir,
  }
  if (!st) {
    if (view.state === 'running' && !view.detached && runtimeRoot !== undefined && !fs.existsSync(path.join(runtimeRoot, record.id))) view.state = 'exited'
    return view
  }
  view.startedAt = st.startedAt || null
  view.finishedAt = st.finishedAt
  view.restartCount = st.restartCount
  view.oomKilled = st.oomKilled
  const alive = monitorAlive(st)
  if ((st.status === 'running' || st.status === 'restarting') && alive) {
    view.state = st.status === 'running' ? (fs.existsSync(files.paused) ? 'paused' : 'running') : 'restarting'
    view.pid = st.status === 'running' ? st.pid : 0
    view.exitCode = st.status === 'restarting' ? st.exitCode : null
    return view
  }
  view.state = 'exited'
  // A monitor killed before it could record the end: its container died with it
  // (PR_SET_PDEATHSIG SIGKILL), so 137 is what happened to the app.
  view.exitCode = st.status === 'exited' ? st.exitCode : (st.exitCode ?? 137)
  return view
}

/** Every container with a readable record; half-created directories are skipped. */
export function listContainers(dataRoot: string, runtimeRoot?: string): ContainerView[] {
  let ids: string[]
  try {
    ids = fs.readdirSync(containersDir(dataRoot))
  } catch {
    return []
  }
  const out: ContainerView[] = []
  for (const id of ids) {
    const dir = containerDir(dataRoot, id)
    try {
      out.push(viewOf(dir, readRecord(dir), runtimeRoot))
    } catch {
      // removed meanwhile, or created half-way (its own command removes it, or prune)
    }
  }
  return out.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0))
}

export function viewById(dataRoot: string, id: string): ContainerView | undefined {
  const dir = containerDir(dataRoot, id)
  try {
    return viewOf(dir, readRecord(dir))
  } catch {
    return undefined
  }
}

export function isActive(v: ContainerView): boolean {
  return v.state === 'running' || v.state === 'paused' || v.state === 'restarting'
}

export function containerDirOf(dataRoot: string, id: string): string {
  return path.join(containersDir(dataRoot), id)
}
