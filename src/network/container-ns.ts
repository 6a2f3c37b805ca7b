/**
 * `--network container:ID`: the network namespace of another running container, found by
 * name or id (prefix) and its init's pid from the runtime's state.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CliError, EXIT_ENGINE} from '../errors'
import {containersDir} from '../container/record'
import {namesDir} from '../container/names'
import {childProcess} from '../lazy-modules'

/** The full id of the container named or id-prefixed `ref`, if there is exactly one. */
export function findContainerId(dataRoot: string, ref: string): string {
  try {
    return fs.readFileSync(path.join(namesDir(dataRoot), ref), 'utf8').trim()
  } catch {
    // not a name: try an id prefix
  }
  let ids: string[] = []
  try {
    ids = fs.readdirSync(containersDir(dataRoot)).filter((id) => id.startsWith(ref))
  } catch {
    ids = []
  }
  if (ids.length === 1 && /^[0-9a-f]+$/.test(ref)) return ids[0]!
  throw new CliError('container_not_found', `no such container: ${ref}`)
}

/** The init pid of a running container, from `tsc-box-runtime state`. */
export function runningPid(runtime: string, stateRoot: string, id: string, ref: string): number {
  const {spawnSync} = childProcess()
  const r = spawnSync(runtime, ['--root', stateRoot, 'state', id], {encoding: 'utf8'})
  let state: {status?: string; pid?: number} = {}
  try {
    state = JSON.parse(r.stdout) as typeof state
  } catch {
    state = {}
  }
  // 125, not the code's 1 (kill, exec): connect/disconnect have always failed as the engine here.
  if (r.status !== 0 || state.status !== 'running' || !state.pid) throw new CliError('container_not_running', `container ${ref} is not running`, EXIT_ENGINE)
  return state.pid
}
