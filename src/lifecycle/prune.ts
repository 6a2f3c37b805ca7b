/**
 * `container prune`: every container that is not running goes (a dead one, whose `run` was
 * killed while creating it, included), but not one a live `run`/`create` is still creating
 * (its record names the creator: crates/containers/src/creation.rs); so do the staging
 * directories of killed creators, and names whose container directory is gone.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {removeContainer} from '../container/bundle'
import {nameOf, releaseName, staleNames} from '../container/names'
import {removeContainerFully} from '../container/remove'
import {containerDir, containersDir, readRecord} from '../container/record'
import {containers} from '../container/store'
import type {Paths} from '../paths'
import {pruneFilter} from '../image/format'
import {deleteRuntimeState, runtimeRoot} from './runtime'
import {isActive, listContainers} from './state'

/** A container's labels (its record's config; none for records older than labels). */
function labelsOf(dataRoot: string, id: string): Record<string, string> {
  try {
    return readRecord(containerDir(dataRoot, id)).config?.labels ?? {}
  } catch {
    return {}
  }
}

/** TSC_BOX_ORPHAN_AGE_MS overrides it (tests that kill `run` on purpose). */
function orphanAgeMs(): number {
  const v = Number(process.env.TSC_BOX_ORPHAN_AGE_MS)
  return Number.isFinite(v) && v >= 0 ? v : 60_000
}

export interface PruneOutcome {
  removed: string[]
  /** Containers that could not be removed, each with why (the others were). */
  failures: string[]
}

/** `filters`: docker's until=, label=, label!= (crates/format's filter module). */
export async function pruneContainers(runtime: string, paths: Paths, filters: string[] = []): Promise<PruneOutcome> {
  const removed: string[] = []
  const failures: string[] = []
  // With the runtime's state: a killed foreground run's record says "running" forever.
  const stopped = listContainers(paths.dataRoot, runtimeRoot(paths)).filter((v) => !isActive(v) && v.creatorPid === null)
  const go = pruneFilter(
    filters,
    stopped.map((v) => ({created: v.created, labels: labelsOf(paths.dataRoot, v.id)})),
  )
  for (const [i, v] of stopped.entries()) {
    if (!go[i]) continue
    try {
      removeContainerFully(runtime, paths, v.id, false)
      removed.push(v.id)
    } catch (e) {
      // Started or removed meanwhile: not this prune's to remove. Anything else is a failure.
      const code = (e as {code?: unknown}).code
      if (code !== 'container_running' && code !== 'no_such_container') failures.push(`${v.id.slice(0, 12)}: ${(e as Error).message}`)
    }
  }
  // A filtered prune removes what matched, not the leftovers of killed creations.
  if (filters.length > 0) return {removed, failures}
  removed.push(...containers(paths, (s) => s.removeAbandoned()))
  let ids: string[] = []
  try {
    // Hidden entries are creations not yet in place: their creator's (see above).
    ids = fs.readdirSync(containersDir(paths.dataRoot)).filter((e) => !e.startsWith('.'))
  } catch {
    // no containers
  }
  // Directories without a record: only versions that made the directory before its record
  // left them; the minute keeps the guess away from any run of such a version in progress.
  for (const id of ids) {
    const dir = containerDir(paths.dataRoot, id)
    if (fs.existsSync(path.join(dir, 'record.json'))) continue
    try {
      if (Date.now() - fs.statSync(dir).mtimeMs < orphanAgeMs()) continue
    } catch {
      continue
    }
    deleteRuntimeState(runtime, paths, id)
    const name = nameOf(paths, id)
    removeContainer(paths.dataRoot, id, name ?? '')
    removed.push(id)
  }
  for (const {name, id} of staleNames(paths)) releaseName(paths.dataRoot, name, id)
  return {removed, failures}
}
