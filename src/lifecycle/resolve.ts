/**
 * Finds a container by what the user typed: its full id, its name, or any unique prefix of
 * its id (docker's order). An ambiguous prefix is an error, never a guess.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {namesDir} from '../container/names'
import {containersDir} from '../container/record'
import {CliError} from '../errors'
import {viewById, type ContainerView} from './state'

/** docker answers a missing container with status 1. */
export const EXIT_NO_SUCH = 1

export function noSuchContainer(ref: string): CliError {
  return new CliError('no_such_container', `no such container: ${ref}`, EXIT_NO_SUCH)
}

export function resolveId(dataRoot: string, ref: string): string {
  if (ref === '' || ref.includes('/') || ref.startsWith('.')) throw noSuchContainer(ref)
  let ids: string[] = []
  try {
    ids = fs.readdirSync(containersDir(dataRoot))
  } catch {
    // no containers at all
  }
  if (ids.includes(ref)) return ref
  try {
    const id = fs.readFileSync(path.join(namesDir(dataRoot), ref), 'utf8').trim()
    if (ids.includes(id)) return id
  } catch {
    // not a name
  }
  if (/^[0-9a-f]+$/.test(ref)) {
    const matches = ids.filter((id) => id.startsWith(ref))
    if (matches.length === 1) return matches[0]
    if (matches.length > 1)
      throw new CliError('ambiguous_id', `the id prefix "${ref}" matches ${matches.length} containers: give more of the id or use the name`, EXIT_NO_SUCH)
  }
  throw noSuchContainer(ref)
}

export function resolveContainer(dataRoot: string, ref: string): ContainerView {
  const id = resolveId(dataRoot, ref)
  const v = viewById(dataRoot, id)
  if (!v) throw noSuchContainer(ref)
  return v
}
