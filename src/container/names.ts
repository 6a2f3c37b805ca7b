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

/** Claims `name` for `id`; throws name_in_use when another container holds it. */
export function claimName(dataRoot: string, name: string, id: string): void {
  const dir = namesDir(dataRoot)
  fs.mkdirSync(dir, {recursive: true, mode: 0o700})
  const file = path.join(dir, name)
  try {
    fs.writeFileSync(file, id, {flag: 'wx', mode: 0o600})
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    let holder = 'another container'
    try {
      holder = `container ${fs.readFileSync(file, 'utf8').trim().slice(0, 12)}`
    } catch {
      // the holder is being removed right now; the name is still taken at this instant
    }
    throw new CliError('name_in_use', `the container name "${name}" is already in use by ${holder}: remove that container or choose another name`)
  }
}

/** Releases `name` only if `id` still holds it. */
export function releaseName(dataRoot: string, name: string, id: string): void {
  const file = path.join(namesDir(dataRoot), name)
  try {
    if (fs.readFileSync(file, 'utf8').trim() === id) fs.unlinkSync(file)
  } catch {
    // already gone
  }
}
