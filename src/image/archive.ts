/**
 * Loading and saving archives: the binding does the reading, writing and verifying; here the
 * names an archive carries are normalised (ours are, too, when writing) and become tags.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {Transform} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {CliError} from '../errors'
import {humanSize} from './format'
import {callAsync, type ImageSummary} from './native'
import {familiarName, normalizeReference} from './reference'
import {findImage, imagesRoot, requireImage} from './store'

export interface LoadResult {
  id: string
  digest: string
  references: string[]
  /** Names found in the archive that are not valid references (kept out of the store). */
  ignoredNames: string[]
}

/** `guard`: a token of imageWriterGuard the load takes over (see the binding's imageLoad). */
export async function loadArchive(dataRoot: string, file: string, guard?: number): Promise<LoadResult[]> {
  const root = imagesRoot(dataRoot)
  fs.mkdirSync(root, {recursive: true})
  // The store records the names' references with the image, in the same index write.
  const loaded = await callAsync((n) => n.imageLoad(root, path.resolve(file), guard))
  return loaded.map((l) => ({id: l.image.id, digest: l.image.digest, references: l.references, ignoredNames: l.ignoredNames}))
}

/**
 * Reads stdin into a file under the data root (the archive must be seekable-free but whole).
 * On any failure (a full disk, a broken pipe) the file is removed before the error is thrown.
 * With `progress`, a terminal on stderr sees the bytes read so far, redrawn on one line.
 */
export async function stdinToFile(dataRoot: string, progress: boolean): Promise<string> {
  const dir = path.join(imagesRoot(dataRoot), 'tmp')
  fs.mkdirSync(dir, {recursive: true})
  const file = path.join(dir, `stdin-${process.pid}-${Date.now()}.tar`)
  const meter = progress && process.stderr.isTTY ? readMeter('Reading the archive from stdin') : undefined
  try {
    const out = fs.createWriteStream(file, {mode: 0o600})
    await (meter ? pipeline(process.stdin, meter.counter, out) : pipeline(process.stdin, out))
    meter?.finish()
  } catch (e) {
    meter?.finish()
    fs.rmSync(file, {force: true})
    const err = e as NodeJS.ErrnoException
    if (err.code === 'ENOSPC' || err.code === 'EDQUOT')
      throw new CliError(
        'store_io',
        `no space left under ${dir} for the archive read from stdin (free space, e.g. with \`tsc-box image prune\`, or load from a file with -i)`,
      )
    throw new CliError('archive_io', `reading the archive from stdin into ${file}: ${err.message}`)
  }
  return file
}

/** A pass-through that counts bytes and redraws `what: N MB` on stderr every 100 ms. */
function readMeter(what: string): {counter: Transform; finish(): void} {
  let bytes = 0
  const draw = () => process.stderr.write(`\r\x1b[2K${what}: ${humanSize(bytes)}`)
  const timer = setInterval(draw, 100)
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length
      done(null, chunk)
    },
  })
  return {
    counter,
    finish() {
      clearInterval(timer)
      draw()
      process.stderr.write('\n')
    },
  }
}

export type ArchiveFormat = 'oci-archive' | 'docker-archive'

/** `file`: `-` writes the archive to stdout. */
export async function saveArchive(dataRoot: string, inputs: string[], file: string, format: ArchiveFormat): Promise<ImageSummary[]> {
  const byDigest = new Map<string, {image: ImageSummary; names: string[]}>()
  for (const input of inputs) {
    const image = requireImage(dataRoot, input)
    const slot = byDigest.get(image.digest) ?? {image, names: []}
    byDigest.set(image.digest, slot)
    let ref: string | undefined
    try {
      ref = normalizeReference(input)
    } catch {
      // an ID: saved without a name
    }
    if (ref !== undefined && !ref.includes('@') && findImage(dataRoot, ref)?.digest === image.digest) {
      // docker-archive's RepoTags use docker's short form; OCI annotations the full one.
      const {repository, tag} = familiarName(ref)
      const name = format === 'docker-archive' ? `${repository}:${tag}` : ref
      if (!slot.names.includes(name)) slot.names.push(name)
    }
  }
  if (byDigest.size === 0) throw new CliError('invalid_usage', 'no image to save')
  const items = [...byDigest.values()].map((v) => ({digest: v.image.digest, names: v.names}))
  await callAsync((n) => n.imageSave(imagesRoot(dataRoot), items, file === '-' ? file : path.resolve(file), format))
  return [...byDigest.values()].map((v) => v.image)
}
