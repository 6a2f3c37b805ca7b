/**
 * `host:PATH` images: a from-host image of one host binary, built on first use and reused
 * while the binary is unchanged.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CliError} from '../errors'
import {callAsync, type ImageSummary} from './native'
import {hostImageReference} from './reference'
import {findImage, imagesRoot} from './store'

export const HOST_PREFIX = 'host:'

/** An absolute path as given, or a bare name looked up in $PATH like a shell does. */
export function resolveHostBinary(name: string, envPath = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'): string {
  if (name === '') throw new CliError('invalid_reference', 'host: needs a path, e.g. host:/usr/bin/env')
  const candidates = name.includes('/')
    ? [path.resolve(name)]
    : envPath
        .split(':')
        .filter((d) => d !== '')
        .map((d) => path.join(d, name))
  for (const c of candidates) {
    try {
      fs.accessSync(c, fs.constants.X_OK)
      if (fs.statSync(c).isFile()) return c
    } catch {
      // next
    }
  }
  throw new CliError('host_binary_not_found', `no executable ${name} on this host${name.includes('/') ? '' : ' (searched $PATH)'}`)
}

export async function hostImage(dataRoot: string, spec: string): Promise<{image: ImageSummary; reference: string}> {
  const binary = resolveHostBinary(spec.slice(HOST_PREFIX.length))
  const reference = hostImageReference(binary)
  const existing = findImage(dataRoot, reference)
  const mtime = fs.statSync(binary).mtimeMs / 1000
  if (existing && existing.added >= mtime) return {image: existing, reference}
  const image = await callAsync((n) => n.imageFromHost(imagesRoot(dataRoot), [binary], [], [reference]))
  return {image, reference}
}
