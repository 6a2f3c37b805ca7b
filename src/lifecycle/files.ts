/**
 * The lifecycle files in a container's directory, beside the CLI's record.json:
 *  - status.json   the monitor's record of the container's life (runtime writes it atomically)
 *  - status.stop   present when `stop`/`rm` ended the container on purpose (no restart)
 *  - container.log the container's output (CRI lines), container.log.1 after a rotation
 *  - lifecycle.json how to start it again: restart policy, --rm
 *  - paused        present while the container is frozen
 */
import * as fs from 'node:fs'
import * as path from 'node:path'

export interface LifecycleFiles {
  status: string
  stop: string
  log: string
  settings: string
  paused: string
}

export function lifecycleFiles(dir: string): LifecycleFiles {
  return {
    status: path.join(dir, 'status.json'),
    stop: path.join(dir, 'status.stop'),
    log: path.join(dir, 'container.log'),
    settings: path.join(dir, 'lifecycle.json'),
    paused: path.join(dir, 'paused'),
  }
}

/** What the monitor writes (crates/core/src/monitor/status.rs). */
export interface MonitorStatus {
  status: 'running' | 'restarting' | 'exited'
  pid: number
  monitorPid: number
  monitorStartTime: number
  startedAt: string
  finishedAt: string | null
  exitCode: number | null
  oomKilled: boolean
  restartCount: number
}

export interface Settings {
  restart: string
  /** `run -d --rm` / `create --rm`: the container removes itself once it has ended. */
  rm?: boolean
}

export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T
  } catch {
    return undefined
  }
}

/** Write, fsync, rename: a reader sees the old or the new document, never half of one. */
export function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`
  const fd = fs.openSync(tmp, 'w', 0o644)
  try {
    fs.writeSync(fd, JSON.stringify(value) + '\n')
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  fs.renameSync(tmp, file)
}

/** Field 22 of /proc/PID/stat (start time in clock ticks), or undefined for a dead or zombie pid. */
export function procStartTime(pid: number): number | undefined {
  if (!(pid > 0)) return undefined
  let stat: string
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined
  const t = Number(fields[19])
  return Number.isFinite(t) ? t : undefined
}

/** Whether the monitor recorded in `st` is still that process. */
export function monitorAlive(st: MonitorStatus): boolean {
  return st.monitorPid > 0 && procStartTime(st.monitorPid) === st.monitorStartTime
}
