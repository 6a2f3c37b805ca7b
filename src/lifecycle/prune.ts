/**
 * `container prune`: every container that is not running goes, and so do directories a
 * killed `run`/`create` left before writing its record (older than a minute: a younger one
 * may be a `run` in progress), and names whose container directory is gone.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {removeContainer} from '../container/bundle'
import {namesDir, releaseName, staleNames} from '../container/names'
import {removeContainerFully} from '../container/remove'
import {containerDir, containersDir} from '../container/record'
import type {Paths} from '../paths'
import {deleteRuntimeState} from './runtime'
import {isActive, listContainers} from './state'

/** TSC_BOX_ORPHAN_AGE_MS overrides it (tests that kill `run` on purpose). */
function orphanAgeMs(): number {
  const v = Number(process.env.TSC_BOX_ORPHAN_AGE_MS)
  return Number.isFinite(v) && v >= 0 ? v : 60_000
}

function nameHeldBy(dataRoot: string, id: string): string | undefined {
  try {
    for (const n of fs.readdirSync(namesDir(dataRoot))) {
      try {
        if (fs.readFileSync(path.join(namesDir(dataRoot), n), 'utf8').trim() === id) return n
      } catch {
        // released meanwhile
      }
    }
  } catch {
    // no names yet
  }
  return undefined
}

export interface PruneOutcome {
  removed: string[]
  /** Containers that could not be removed, each with why (the others were). */
  failures: string[]
}

export async function pruneContainers(runtime: string, paths: Paths): Promise<PruneOutcome> {
  const removed: string[] = []
  const failures: string[] = []
  for (const v of listContainers(paths.dataRoot)) {
    if (isActive(v)) continue
    try {
      removeContainerFully(runtime, paths, v.id, false)
      removed.push(v.id)
    } catch (e) {
      // Started or removed meanwhile: not this prune's to remove. Anything else is a failure.
      const code = (e as {code?: unknown}).code
      if (code !== 'container_running' && code !== 'no_such_container') failures.push(`${v.id.slice(0, 12)}: ${(e as Error).message}`)
    }
  }
  let ids: string[] = []
  try {
    ids = fs.readdirSync(containersDir(paths.dataRoot))
  } catch {
    // no containers
  }
  for (const id of ids) {
    const dir = containerDir(paths.dataRoot, id)
    if (fs.existsSync(path.join(dir, 'record.json'))) continue
    try {
      if (Date.now() - fs.statSync(dir).mtimeMs < orphanAgeMs()) continue
    } catch {
      continue
    }
    deleteRuntimeState(runtime, paths, id)
    const name = nameHeldBy(paths.dataRoot, id)
    removeContainer(paths.dataRoot, id, name ?? '')
    removed.push(id)
  }
  for (const {name, id} of staleNames(paths.dataRoot, (h) => fs.existsSync(containerDir(paths.dataRoot, h)))) releaseName(paths.dataRoot, name, id)
  return {removed, failures}
}
