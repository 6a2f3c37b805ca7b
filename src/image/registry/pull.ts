/**
 * `pull`: manifest (an index is resolved to this platform's manifest), then the config and
 * layers not already present, fetched in parallel into <images>/partial/ (kept across an
 * interrupted pull and resumed with Range requests), each moved into the store only after
 * its digest is verified; the image becomes visible only through the store's verified import.
 */
import {createHash} from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CliError} from '../../errors'
import {call, callAsync, type ImageSummary} from '../native'
import {formatReference, parseReference} from '../reference'
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

const sha256 = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex')
const DIGEST = /^sha256:[a-f0-9]{64}$/

function descriptor(v: unknown, what: string): Descriptor {
  const d = v as Descriptor
  if (!d || typeof d.digest !== 'string' || !DIGEST.test(d.digest) || !Number.isSafeInteger(d.size) || d.size < 0)
    throw new CliError('invalid_image', `the registry's manifest has an invalid ${what} descriptor`)
  return d
}

export function partialDir(dataRoot: string): string {
  return path.join(imagesRoot(dataRoot), 'partial')
}

async function adopt(dataRoot: string, file: string, d: Descriptor): Promise<void> {
  await callAsync((n) => n.imageAdoptBlob(imagesRoot(dataRoot), file, d.digest, d.size))
}

async function fetchManifest(client: RegistryClient, ref: string, expected?: string): Promise<{bytes: Buffer; mediaType: string; digest: string}> {
  const m = await client.getManifest(ref)
  const digest = sha256(m.bytes)
  if (expected !== undefined && digest !== expected)
    throw new CliError('blob_mismatch', `the registry sent a manifest for ${ref} whose digest is ${digest}`)
  let doc: {mediaType?: string; manifests?: unknown}
  try {
    doc = JSON.parse(m.bytes.toString('utf8'))
  } catch {
    throw new CliError('invalid_image', `the manifest of ${ref} is not JSON`)
  }
  const mediaType = doc.mediaType ?? (m.mediaType || (doc.manifests ? INDEX_TYPES[0] : 'application/vnd.oci.image.manifest.v1+json'))
  return {bytes: m.bytes, mediaType, digest}
}

/** Fetches the config (if absent) and returns its diff_ids, which the layers unpack against. */
async function fetchConfig(client: RegistryClient, opts: PullOptions, config: Descriptor): Promise<string[]> {
  const root = imagesRoot(opts.dataRoot)
  if (!call((n) => n.imageHasBlob(root, config.digest, config.size))) {
    const file = path.join(partialDir(opts.dataRoot), config.digest.slice(7))
    const onBytes = opts.progress.start(config.digest, config.size)
    await client.downloadBlob(config.digest, config.size, file, onBytes)
    await adopt(opts.dataRoot, file, config)
    opts.progress.done(config.digest, false)
  } else {
    opts.progress.start(config.digest, config.size)
    opts.progress.done(config.digest, true)
  }
  // Read back from the store, where it is verified; the store's import checks it again.
  try {
    const doc = JSON.parse(fs.readFileSync(path.join(root, 'blobs/sha256', config.digest.slice(7)), 'utf8')) as {rootfs?: {diff_ids?: unknown}}
    const ids = doc.rootfs?.diff_ids
    return Array.isArray(ids) && ids.every((d) => typeof d === 'string' && DIGEST.test(d)) ? (ids as string[]) : []
  } catch {
    return []
  }
}

/**
 * Downloads a layer while the store unpacks it from the growing file, so the transfer and
 * the unpacking overlap; the store moves the blob in only when both digests matched.
 */
async function downloadUnpacking(client: RegistryClient, root: string, file: string, b: Descriptor, diffId: string, onBytes: (n: number) => void): Promise<void> {
  fs.closeSync(fs.openSync(file, 'a', 0o600))
  const token = call((n) => n.imageFollowToken())
  const unpacking = callAsync((n) => n.imageUnpackDownload(root, file, b.digest, b.size, diffId, token))
  unpacking.catch(() => undefined)
  try {
    await client.downloadBlob(b.digest, b.size, file, onBytes)
  } catch (e) {
    call((n) => n.imageFollowAbort(token))
    await unpacking.catch(() => undefined)
    throw e
  }
  await unpacking
}

export async function pull(input: string, opts: PullOptions): Promise<{image: ImageSummary; reference: string}> {
  const ref = parseReference(input)
  const root = imagesRoot(opts.dataRoot)
  fs.mkdirSync(partialDir(opts.dataRoot), {recursive: true, mode: 0o700})
  const client = new RegistryClient(ref.domain, ref.path, {dataRoot: opts.dataRoot, tlsVerify: opts.tlsVerify})

  let m = await fetchManifest(client, ref.digest ?? ref.tag ?? 'latest', ref.digest)
  if (INDEX_TYPES.includes(m.mediaType)) {
    const idx = JSON.parse(m.bytes.toString('utf8')) as {manifests?: IndexEntry[]}
    const entry = pickManifest(idx.manifests ?? [], opts.platform)
    m = await fetchManifest(client, descriptor(entry, 'index entry').digest, entry.digest)
  }
  const doc = JSON.parse(m.bytes.toString('utf8')) as {config?: unknown; layers?: unknown[]}
  const blobs = [descriptor(doc.config, 'config'), ...(doc.layers ?? []).map((l, i) => descriptor(l, `layer ${i}`))]
  if (doc.layers !== undefined && !Array.isArray(doc.layers)) throw new CliError('invalid_image', 'the manifest\'s layers is not a list')

  // The manifest is a blob like any other: written, verified, moved into the store.
  const manifestFile = path.join(partialDir(opts.dataRoot), m.digest.slice(7))
  fs.writeFileSync(manifestFile, m.bytes, {mode: 0o600})
  await adopt(opts.dataRoot, manifestFile, {digest: m.digest, size: m.bytes.length})

  const config = blobs[0]
  const diffIds = await fetchConfig(client, opts, config)
  const layers = blobs.slice(1)
  const todo = layers.map((b, i) => ({b, diffId: diffIds.length === layers.length ? diffIds[i] : undefined}))
    .filter((x, i) => layers.findIndex((y) => y.digest === x.b.digest) === i)
  let next = 0
  const worker = async () => {
    while (next < todo.length) {
      const {b, diffId} = todo[next++]
      if (call((n) => n.imageHasBlob(root, b.digest, b.size))) {
        opts.progress.start(b.digest, b.size)
        opts.progress.done(b.digest, true)
        continue
      }
      const file = path.join(partialDir(opts.dataRoot), b.digest.slice(7))
      const onBytes = opts.progress.start(b.digest, b.size)
      if (diffId !== undefined && !call((n) => n.imageHasLayer(root, diffId))) await downloadUnpacking(client, root, file, b, diffId, onBytes)
      else {
        await client.downloadBlob(b.digest, b.size, file, onBytes)
        await adopt(opts.dataRoot, file, b)
      }
      opts.progress.done(b.digest, false)
    }
  }
  try {
    await Promise.all(Array.from({length: Math.min(CONCURRENCY, todo.length)}, worker))
  } finally {
    opts.progress.finish()
  }
  const reference = ref.digest === undefined ? formatReference(ref) : undefined
  const image = await callAsync((n) => n.imageImport(root, m.digest, m.bytes.length, m.mediaType, reference ? [reference] : []))
  return {image, reference: reference ?? formatReference(ref)}
}
