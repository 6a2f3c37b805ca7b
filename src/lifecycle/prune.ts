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
import {containerDir, containersDir} from '../container/record'
import {containers} from '../container/store'
import type {Paths} from '../paths'
import {deleteRuntimeState, runtimeRoot} from './runtime'
import {isActive, listContainers} from './state'

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

export async function pruneContainers(runtime: string, paths: Paths): Promise<PruneOutcome> {
  const removed: string[] = []
  const failures: string[] = []
  // With the runtime's state: a killed foreground run's record says "running" forever.
  for (const v of listContainers(paths.dataRoot, runtimeRoot(paths))) {
    if (isActive(v) || v.creatorPid !== null) continue
    try {
      removeContainerFully(runtime, paths, v.id, false)
      removed.push(v.id)
    } catch (e) {
      // Started or removed meanwhile: not this prune's to remove. Anything else is a failure.
      const code = (e as {code?: unknown}).code
      if (code !== 'container_running' && code !== 'no_such_container') failures.push(`${v.id.slice(0, 12)}: ${(e as Error).message}`)
    }
  }
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
