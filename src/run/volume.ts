/** `-v SRC:DST[:ro|rw]` bind mounts. Named volumes do not exist yet: SRC must be a host path. */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CliError} from '../errors'

export interface Volume {
  source: string
  destination: string
  readonly: boolean
}

/** Normalised, without a trailing slash, so that /x and /x/ are the same mount point. */
function clean(p: string): string {
  const n = path.normalize(p)
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n
}

/** Parses the flag's syntax only; see checkVolumeSource for the host side. */
export function parseVolume(spec: string): Volume {
  const parts = spec.split(':')
  if (parts.length < 2 || parts.length > 3) throw new CliError('invalid_volume', `invalid volume "${spec}": expected SRC:DST[:ro|rw]`)
  const [source, destination, mode] = parts
  if (!path.isAbsolute(source))
    throw new CliError('invalid_volume', `invalid volume "${spec}": the source must be an absolute host path (named volumes are not supported)`)
  if (!path.isAbsolute(destination)) throw new CliError('invalid_volume', `invalid volume "${spec}": the destination must be an absolute path`)
  if (clean(destination) === '/') throw new CliError('invalid_volume', `invalid volume "${spec}": the destination cannot be /`)
  let readonly = false
  if (mode !== undefined) {
    const opts = mode.split(',')
    for (const o of opts) {
      if (o === 'ro') readonly = true
      else if (o === 'rw') readonly = false
      else throw new CliError('invalid_volume', `invalid volume "${spec}": unknown mode "${o}" (expected ro or rw)`)
    }
  }
  return {source: clean(source), destination: clean(destination), readonly}
}

export function checkVolumeSource(v: Volume): void {
  if (!fs.existsSync(v.source)) throw new CliError('volume_source_missing', `volume source ${v.source} does not exist`)
}
