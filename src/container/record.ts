/**
 * The small typed record kept for each container in data root/containers/<id>/record.json.
 * Its one schema, its writing and its reading are the store's (crates/containers/src/record.rs).
 */
import * as path from 'node:path'
import type {ContainerConfig} from '../run/container-config'
import type {MountPoint} from '../volume/store'
import {storeStatic, type StoreClass} from './store'

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
  creator?: {pid: number; startTime: number} | null
  /** A foreground run's start and end (ISO 8601): ps's "Up 3 seconds", "Exited (0) 2 seconds ago". */
  startedAt?: string | null
  finishedAt?: string | null
  /** What run/create were asked for (inspect's Config and HostConfig; ps's filters). */
  config?: ContainerConfig | null
  /** Its binds, volumes and tmpfs mounts (crates/containers/src/volumes/mounts.rs). */
  mounts?: MountPoint[] | null
}

export function containersDir(dataRoot: string): string {
  return path.join(dataRoot, 'containers')
}

export function containerDir(dataRoot: string, id: string): string {
  return path.join(containersDir(dataRoot), id)
}

/** The binding's record type: the same fields, its status a string enum of the same spellings. */
type StoreRecord = Parameters<StoreClass['writeRecordIn']>[1]

export function toStoreRecord(record: ContainerRecord): StoreRecord {
  // The binding's optional fields are nullable ones: present, null when absent.
  return {
    ...record,
    creator: record.creator ?? null,
    startedAt: record.startedAt ?? null,
    finishedAt: record.finishedAt ?? null,
    config: record.config ?? null,
    mounts: record.mounts ?? null,
  } as unknown as StoreRecord
}

/**
 * Replaces the record in one step, so readers never see a half-written one. With
 * `keepMissing`, a directory removed meanwhile is no error.
 */
export function writeRecord(dir: string, record: ContainerRecord, keepMissing = false): void {
  storeStatic((s) => s.writeRecordIn(dir, toStoreRecord(record), keepMissing))
}

/** The record in `dir`; throws ENOENT when there is none (removed meanwhile). */
export function readRecord(dir: string): ContainerRecord {
  const r = storeStatic((s) => s.readRecordIn(dir))
  if (!r) throw Object.assign(new Error(`no container record in ${dir}`), {code: 'ENOENT'})
  return r as ContainerRecord
}
