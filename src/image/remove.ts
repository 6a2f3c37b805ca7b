/**
 * Removing images the way docker does: removing a reference only untags while other
 * references remain; an image goes when its last reference does (or when named by ID);
 * images that containers' root filesystems are made from are never removed.
 */
import {CliError} from '../errors'
import {call, callAsync, type ImageSummary} from './native'
import {looksLikeId, normalizeReference} from './reference'
import {imagesInUse, imagesRoot, requireImage} from './store'

export interface RemoveEvent {
  untagged?: string
  deleted?: string
}

export function removeImage(dataRoot: string, input: string, force: boolean): RemoveEvent[] {
  const root = imagesRoot(dataRoot)
  const image = requireImage(dataRoot, input)
  let reference: string | undefined
  try {
    reference = normalizeReference(input)
  } catch {
    // an ID
  }
  const byReference = reference !== undefined && image.refs.includes(reference)
  const events: RemoveEvent[] = []
  if (byReference && image.refs.length > 1) {
    call((n) => n.imageUntag(root, reference as string))
    return [{untagged: reference}]
  }
  if (!byReference && image.refs.length > 1 && !force && looksLikeId(input))
    throw new CliError('image_conflict', `unable to delete ${input} (must be forced): the image is referenced in multiple repositories`)
  if (imagesInUse(dataRoot).has(image.digest))
    throw new CliError('image_in_use', `unable to remove ${input}: the image is being used by a container (remove the container first)`)
  const removed: ImageSummary = call((n) => n.imageRemove(root, image.digest))
  for (const r of removed.refs) events.push({untagged: r})
  events.push({deleted: removed.id})
  return events
}

export interface Collected {
  bytesFreed: number
  busy: boolean
  /** What could not be removed, each with why (the rest was). */
  failures: string[]
}

/** Frees the blobs, unpacked layers, temp files and partial downloads no image uses. */
export async function collect(dataRoot: string): Promise<Collected> {
  const r = await callAsync((n) => n.imageGc(imagesRoot(dataRoot)))
  return {bytesFreed: r.bytesFreed, busy: r.busy, failures: r.failures}
}

/** The error of a collection that left something behind: the command fails with it. */
export function collectionFailed(failures: string[]): CliError {
  return new CliError(
    'store_io',
    `could not remove ${failures.length === 1 ? 'this' : `these ${failures.length}`} (the rest was freed):\n  ${failures.join('\n  ')}`,
  )
}
