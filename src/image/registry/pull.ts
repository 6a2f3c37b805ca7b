/**
 * `pull`: manifest (an index is resolved to this platform's manifest), then the config and
 * layers not already present, fetched in parallel into <images>/partial/ (kept across an
 * interrupted pull and resumed with Range requests), each moved into the store only after
 * its digest is verified; the image becomes visible only through the store's verified import.
 */
import {createHash} from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CliError, fromNative} from '../../errors'
import {call, callAsync, type ImageSummary} from '../native'
import {formatReference, parseReference, type Reference} from '../reference'
import {imagesRoot} from '../store'
import {RegistryClient} from './client'
import {pickManifest, type IndexEntry, type Platform} from './platform'
import type {Progress} from './progress'

const INDEX_TYPES = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']
const CONCURRENCY = 3

export interface PullOptions {
  dataRoot: string
  tlsVerify?: boolean
  platform: Platform
  progress: Progress
}

interface Descriptor {
  digest: string
  size: number
  mediaType?: string
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`
const DIGEST = /^sha256:[a-f0-9]{64}$/
/** Manifests, indexes and configs are JSON read whole: the store's limit (manifest.rs MAX_JSON). */
const MAX_JSON = 8 << 20

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * A registry's documents are hostile input: every field read below is checked for its type
 * first, so that a `null` manifest or a `layers` that is not a list is an invalid_image error
 * naming the field, never a TypeError from deep inside the pull.
 */
function invalid(doc: string, field: string, problem: string): CliError {
  return new CliError('invalid_image', `the registry's ${doc} is invalid: ${field} ${problem}`)
}

function descriptor(v: unknown, doc: string, field: string): Descriptor {
  if (!isObject(v)) throw invalid(doc, field, 'is not an object')
  if (typeof v.digest !== 'string' || !DIGEST.test(v.digest)) throw invalid(doc, `${field}.digest`, 'is not a sha256 digest')
  if (typeof v.size !== 'number' || !Number.isSafeInteger(v.size) || v.size < 0) throw invalid(doc, `${field}.size`, 'is not a size in bytes')
  if (v.mediaType !== undefined && typeof v.mediaType !== 'string') throw invalid(doc, `${field}.mediaType`, 'is not a string')
  return {digest: v.digest, size: v.size, mediaType: v.mediaType}
}

/** The entries of an image index, each a descriptor with an optional platform. */
function indexEntries(doc: Record<string, unknown>): IndexEntry[] {
  if (!Array.isArray(doc.manifests)) throw invalid('image index', 'manifests', 'is not a list')
  return doc.manifests.map((e, i) => {
    const field = `manifests[${i}]`
    const d = descriptor(e, 'image index', field)
    const p = (e as Record<string, unknown>).platform
    if (p === undefined || p === null) return d
    if (!isObject(p)) throw invalid('image index', `${field}.platform`, 'is not an object')
    for (const k of ['os', 'architecture', 'variant'] as const)
      if (p[k] !== undefined && typeof p[k] !== 'string') throw invalid('image index', `${field}.platform.${k}`, 'is not a string')
    return {...d, platform: {os: p.os as string | undefined, architecture: p.architecture as string | undefined, variant: p.variant as string | undefined}}
  })
}

/** The config and layer descriptors of an image manifest. */
function manifestBlobs(doc: Record<string, unknown>): {config: Descriptor; layers: Descriptor[]} {
  const config = descriptor(doc.config, 'manifest', 'config')
  // Read whole into memory, here and by the store (which refuses more than 8 MiB too).
  if (config.size > MAX_JSON) throw invalid('manifest', 'config.size', `is ${config.size} bytes, more than the ${MAX_JSON} an image config may have`)
  if (!Array.isArray(doc.layers)) throw invalid('manifest', 'layers', doc.layers === undefined ? 'is missing' : 'is not a list')
  return {config, layers: doc.layers.map((l, i) => descriptor(l, 'manifest', `layers[${i}]`))}
}

export function partialDir(dataRoot: string): string {
  return path.join(imagesRoot(dataRoot), 'partial')
}

/**
 * Moves a manifest or config held in memory into the store: checked against its digest and
 * size now (a mismatch throws), written, fsynced and renamed in on the binding's thread. The
 * promise is awaited before the import: its fsync runs beside the layers' downloads.
 */
function putBlob(dataRoot: string, bytes: Buffer, d: Descriptor): Promise<void> {
  const stored = call((n) => n.imagePutBlob(imagesRoot(dataRoot), bytes, d.digest, d.size)).catch((e: unknown) => {
    throw fromNative(e)
  })
  // Awaited later; a failure meanwhile is not an unhandled rejection.
  stored.catch(() => undefined)
  return stored
}

async function fetchManifest(
  client: RegistryClient,
  ref: string,
  expected?: string,
): Promise<{bytes: Buffer; mediaType: string; digest: string; doc: Record<string, unknown>}> {
  const m = await client.getManifest(ref)
  const digest = sha256(m.bytes)
  if (expected !== undefined && digest !== expected) throw new CliError('blob_mismatch', `the registry sent a manifest for ${ref} whose digest is ${digest}`)
  let doc: unknown
  try {
    doc = JSON.parse(m.bytes.toString('utf8'))
  } catch {
    throw new CliError('invalid_image', `the manifest of ${ref} is not JSON`)
  }
  if (!isObject(doc))
    throw new CliError(
      'invalid_image',
      `the manifest of ${ref} is not a JSON object (it is ${doc === null ? 'null' : Array.isArray(doc) ? 'a list' : typeof doc})`,
    )
  if (doc.mediaType !== undefined && typeof doc.mediaType !== 'string') throw invalid('manifest', 'mediaType', 'is not a string')
  const mediaType =
    (doc.mediaType as string | undefined) ?? (m.mediaType || (doc.manifests !== undefined ? INDEX_TYPES[0] : 'application/vnd.oci.image.manifest.v1+json'))
  return {bytes: m.bytes, mediaType, digest, doc}
}

/**
 * Fetches the config (if absent) and returns its diff_ids, which the layers unpack against as
 * they download, and the promise of its storing. A config whose diff_ids do not name every
 * layer is refused here, before any layer is fetched: the import would refuse it anyway, and its
 * layers could only be downloaded whole, to the size the registry announces, with no unpacking
 * to stop them.
 */
async function fetchConfig(client: RegistryClient, opts: PullOptions, config: Descriptor, layers: number): Promise<{diffIds: string[]; stored: Promise<void>}> {
  const root = imagesRoot(opts.dataRoot)
  let bytes: Buffer
  let stored: Promise<void>
  opts.progress.start(config.digest, config.size)
  if (!call((n) => n.imageHasBlob(root, config.digest, config.size))) {
    bytes = await client.getBlob(config.digest, config.size)
    // Checked against its digest before it is read (the store's import checks it again).
    stored = putBlob(opts.dataRoot, bytes, config)
    opts.progress.done(config.digest, false)
  } else {
    bytes = fs.readFileSync(path.join(root, 'blobs/sha256', config.digest.slice(7)))
    stored = Promise.resolve()
    opts.progress.done(config.digest, true)
  }
  let doc: unknown
  try {
    doc = JSON.parse(bytes.toString('utf8'))
  } catch {
    throw new CliError('invalid_image', `the registry's image config ${config.digest} is not JSON`)
  }
  if (!isObject(doc)) throw invalid('image config', 'the document', 'is not a JSON object')
  if (!isObject(doc.rootfs)) throw invalid('image config', 'rootfs', 'is not an object')
  const ids = doc.rootfs.diff_ids
  if (!Array.isArray(ids)) throw invalid('image config', 'rootfs.diff_ids', 'is not a list')
  ids.forEach((d, i) => {
    if (typeof d !== 'string' || !DIGEST.test(d)) throw invalid('image config', `rootfs.diff_ids[${i}]`, 'is not a sha256 digest')
  })
  if (ids.length !== layers) throw invalid('image config', 'rootfs.diff_ids', `names ${ids.length} layers but the manifest has ${layers}`)
  return {diffIds: ids as string[], stored}
}

/**
 * Downloads a layer while the store unpacks it from the growing file, so the transfer and
 * the unpacking overlap; the store moves the blob in only when both digests matched.
 */
async function downloadUnpacking(
  client: RegistryClient,
  root: string,
  file: string,
  b: Descriptor,
  diffId: string,
  tally: number,
  onBytes: (n: number) => void,
  pullFailed: AbortSignal,
): Promise<void> {
  fs.closeSync(fs.openSync(file, 'a', 0o600))
  const token = call((n) => n.imageFollowToken())
  const unpacking = callAsync((n) => n.imageUnpackDownload(root, file, b.digest, b.size, diffId, token, tally))
  // The unpacking refusing the layer (a bomb, a bad archive) stops the download at once: the
  // rest of the blob, however large the registry says it is, would only be thrown away.
  const stop = new AbortController()
  unpacking.catch(() => stop.abort())
  try {
    await client.downloadBlob(b.digest, b.size, file, onBytes, AbortSignal.any([stop.signal, pullFailed]))
  } catch (e) {
    // Read before the abort below, after which the unpacking fails too.
    const refused = stop.signal.aborted
    call((n) => n.imageFollowAbort(token))
    await unpacking.catch(() => undefined)
    if (refused) {
      // The store removed the refused blob, but the download may have (re)created the file.
      fs.rmSync(file, {force: true})
      await unpacking
    }
    throw e
  }
  await unpacking
}

/**
 * A pull holds the store's writer guard from start to end: gc (`image prune`) then leaves its
 * partial downloads, and what it has unpacked but not yet recorded, alone; it collects
 * images/partial/ only when no pull is at work (an interrupted pull's leftovers).
 */
export async function pull(input: string, opts: PullOptions): Promise<{image: ImageSummary; reference: string}> {
  const guard = call((n) => n.imageWriterGuard(imagesRoot(opts.dataRoot)))
  try {
    return await pullGuarded(input, opts)
  } finally {
    call((n) => n.imageWriterRelease(guard))
  }
}

async function pullGuarded(input: string, opts: PullOptions): Promise<{image: ImageSummary; reference: string}> {
  const ref = parseReference(input)
  fs.mkdirSync(partialDir(opts.dataRoot), {recursive: true, mode: 0o700})
  const client = new RegistryClient(ref.domain, ref.path, {dataRoot: opts.dataRoot, tlsVerify: opts.tlsVerify})

  let m = await fetchManifest(client, ref.digest ?? ref.tag ?? 'latest', ref.digest)
  if (INDEX_TYPES.includes(m.mediaType)) {
    const entry = pickManifest(indexEntries(m.doc), opts.platform)
    m = await fetchManifest(client, entry.digest, entry.digest)
    if (INDEX_TYPES.includes(m.mediaType))
      throw new CliError('invalid_image', `the registry's image index points at another index (${entry.digest}), not at an image manifest`)
  }
  const manifest = manifestBlobs(m.doc)
  const blobs = [manifest.config, ...manifest.layers]

  // The manifest is a blob like any other: verified, written, moved into the store (its fsync
  // on the binding's thread while the config downloads; waited for before the import).
  const storing = [putBlob(opts.dataRoot, m.bytes, {digest: m.digest, size: m.bytes.length})]

  try {
    return await pullBlobs(client, opts, ref, m, blobs, storing)
  } finally {
    // No store work of this pull outlives it (nor its writer guard).
    await Promise.allSettled(storing)
  }
}

async function pullBlobs(
  client: RegistryClient,
  opts: PullOptions,
  ref: Reference,
  m: {bytes: Buffer; mediaType: string; digest: string},
  blobs: Descriptor[],
  /** The small blobs being stored (manifest, config): all in before the import. */
  storing: Promise<void>[],
): Promise<{image: ImageSummary; reference: string}> {
  const root = imagesRoot(opts.dataRoot)
  const config = blobs[0]
  const layers = blobs.slice(1)
  const {diffIds, stored} = await fetchConfig(client, opts, config, layers.length)
  storing.push(stored)
  const todo = layers.map((b, i) => ({b, diffId: diffIds[i]})).filter((x, i) => layers.findIndex((y) => y.digest === x.b.digest) === i)
  // The layers unpacking at once count against one image total (TSC_BOX_IMAGE_MAX_BYTES).
  const tally = call((n) => n.imageTallyNew())
  let next = 0
  // The first layer that fails stops the others (their downloads are kept for a resume) and
  // the pull waits for them: no unpacking is left running into the store behind its error.
  const failed = new AbortController()
  let firstError: unknown
  const worker = async () => {
    while (next < todo.length && !failed.signal.aborted) {
      const {b, diffId} = todo[next++]
      if (call((n) => n.imageHasBlob(root, b.digest, b.size))) {
        opts.progress.start(b.digest, b.size)
        opts.progress.done(b.digest, true)
        continue
      }
      const file = path.join(partialDir(opts.dataRoot), b.digest.slice(7))
      const onBytes = opts.progress.start(b.digest, b.size)
      // Unpacked as it downloads even when a layer of that diff_id is already here (the same
      // content compressed otherwise): only the unpacking's limits bound a download, whose size
      // is the registry's word, and a hostile one may name a well-known diff_id.
      await downloadUnpacking(client, root, file, b, diffId, tally, onBytes, failed.signal)
      opts.progress.done(b.digest, false)
    }
  }
  const stopOthers = (e: unknown) => {
    if (!failed.signal.aborted) {
      firstError = e
      failed.abort()
    }
  }
  try {
    await Promise.all(Array.from({length: Math.min(CONCURRENCY, todo.length)}, () => worker().catch(stopOthers)))
    if (failed.signal.aborted) throw firstError
  } finally {
    call((n) => n.imageTallyEnd(tally))
    opts.progress.finish()
  }
  await Promise.all(storing)
  const reference = ref.digest === undefined ? formatReference(ref) : undefined
  const image = await callAsync((n) => n.imageImport(root, m.digest, m.bytes.length, m.mediaType, reference ? [reference] : []))
  return {image, reference: reference ?? formatReference(ref)}
}
