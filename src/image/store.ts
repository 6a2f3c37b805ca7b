/**
 * Where images live and how a name the user typed finds one: the normalised reference first
 * (`busybox` -> docker.io/library/busybox:latest), then, if it looks like one, an image ID or
 * digest, exactly as docker tries them.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CliError} from '../errors'
import {call, type ImageSummary} from './native'
import {looksLikeId, normalizeReference} from './reference'

export function imagesRoot(dataRoot: string): string {
  return path.join(dataRoot, 'images')
}

/** Container root filesystems over images: <data root>/overlay/<key>/{upper,work,merged}. */
export function overlaysRoot(dataRoot: string): string {
  return path.join(dataRoot, 'overlay')
}

export function findImage(dataRoot: string, input: string): ImageSummary | undefined {
  const root = imagesRoot(dataRoot)
  let normalized: string | undefined
  try {
    normalized = normalizeReference(input)
  } catch (e) {
    if (!looksLikeId(input)) throw e
  }
  if (normalized !== undefined) {
    const found = call((n) => n.imageFind(root, normalized))
    if (found) return found
  }
  if (looksLikeId(input) || input.includes('@')) return call((n) => n.imageFind(root, input)) ?? undefined
  return undefined
}

export function requireImage(dataRoot: string, input: string): ImageSummary {
  const found = findImage(dataRoot, input)
  if (!found) throw new CliError('image_not_found', `no such image: ${input}`)
  return found
}

/** Manifest digests of the images that containers' root filesystems are made from. */
export function imagesInUse(dataRoot: string): Set<string> {
  const used = new Set<string>()
  let keys: string[] = []
  try {
    keys = fs.readdirSync(overlaysRoot(dataRoot))
  } catch {
    return used
  }
  for (const k of keys) {
    try {
      const meta = JSON.parse(fs.readFileSync(path.join(overlaysRoot(dataRoot), k, 'image.json'), 'utf8')) as {digest?: string}
      if (typeof meta.digest === 'string') used.add(meta.digest)
    } catch {
      // being created or removed right now
    }
  }
  return used
}
