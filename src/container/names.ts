/**
 * Container names: docker's syntax, unique per data root. A name is claimed by creating
 * names/<name> with O_EXCL, which is atomic, so two parallel `run --name x` never both win.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CliError} from '../errors'

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/

export function validateName(name: string): void {
  if (!NAME_RE.test(name) || name.length > 128)
    throw new CliError('invalid_name', `invalid container name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at least 2 characters`)
}

export function namesDir(dataRoot: string): string {
  return path.join(dataRoot, 'names')
}

/**
 * Claims `name` for `id`; throws name_in_use when another container holds it. The claim is
 * written in the container's own directory first and then linked into names/ (link fails with
 * EEXIST like O_EXCL): a process killed at any point leaves either no name or a complete one,
 * never an empty file that names no holder. The directory must exist already, so a name
 * always points at a container directory or at one `container prune` may remove.
 */
export function claimName(dataRoot: string, name: string, id: string, containerDir: string): void {
  const dir = namesDir(dataRoot)
  fs.mkdirSync(dir, {recursive: true, mode: 0o700})
  const file = path.join(dir, name)
  const claim = path.join(containerDir, 'name.claim')
  fs.writeFileSync(claim, id, {mode: 0o600})
  try {
    fs.linkSync(claim, file)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    let holder = 'another container'
    try {
      holder = `container ${fs.readFileSync(file, 'utf8').trim().slice(0, 12)}`
    } catch {
      // the holder is being removed right now; the name is still taken at this instant
    }
    throw new CliError('name_in_use', `the container name "${name}" is already in use by ${holder}: remove that container or choose another name`)
  } finally {
    fs.rmSync(claim, {force: true})
  }
}

/** Names whose holder has no container directory (its `run` was killed while creating it). */
export function staleNames(dataRoot: string, hasContainer: (id: string) => boolean): Array<{name: string; id: string}> {
  const out: Array<{name: string; id: string}> = []
  let names: string[] = []
  try {
    names = fs.readdirSync(namesDir(dataRoot))
  } catch {
    return out
  }
  for (const name of names) {
    try {
      const id = fs.readFileSync(path.join(namesDir(dataRoot), name), 'utf8').trim()
      if (!hasContainer(id)) out.push({name, id})
    } catch {
      // released meanwhile
    }
  }
  return out
}

/** Releases `name` only if `id` still holds it (the store's, crates/containers). */
export {releaseName} from './remove'
