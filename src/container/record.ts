/** The small typed record kept for each container in data root/containers/<id>/record.json. */
import * as fs from 'node:fs'
import * as path from 'node:path'

/**
 * `creating`: written first, before the name, the writable layer or the bundle exist, with
 * the process making them as `creator` (crates/containers/src/creation.rs).
 */
export type ContainerStatus = 'creating' | 'created' | 'running' | 'exited'

export interface ContainerRecord {
  id: string
  name: string
  /** ISO 8601 creation time. */
  created: string
  rootfs: string
  command: string[]
  status: ContainerStatus
  exitCode: number | null
  oomKilled: boolean
  /** Set by the store while `status` is `creating`: pid and start time (clock ticks). */
  creator?: {pid: number; startTime: number}
}

export function containersDir(dataRoot: string): string {
  return path.join(dataRoot, 'containers')
}

export function containerDir(dataRoot: string, id: string): string {
  return path.join(containersDir(dataRoot), id)
}

/** Write to a temporary file and rename, so readers never see a half-written record. */
export function writeRecord(dir: string, record: ContainerRecord): void {
  const tmp = path.join(dir, 'record.json.tmp')
  fs.writeFileSync(tmp, `${JSON.stringify(record)}\n`, {mode: 0o600})
  fs.renameSync(tmp, path.join(dir, 'record.json'))
}

export function readRecord(dir: string): ContainerRecord {
  return JSON.parse(fs.readFileSync(path.join(dir, 'record.json'), 'utf8')) as ContainerRecord
}
