/**
 * `push`: every blob the registry lacks is uploaded from the store (HEAD first, so present
 * blobs are skipped), then the manifest, byte for byte, under the reference's tag.
 */
import * as path from 'node:path'
import {CliError} from '../../errors'
import {call} from '../native'
import {parseReference} from '../reference'
import {imagesRoot, requireImage} from '../store'
import {RegistryClient} from './client'
import type {Progress} from './progress'

export interface PushOptions {
  dataRoot: string
  tlsVerify?: boolean
  progress: Progress
}

export async function push(input: string, destination: string | undefined, opts: PushOptions): Promise<{digest: string; reference: string}> {
  const image = requireImage(opts.dataRoot, input)
  const ref = parseReference(destination ?? input)
  if (ref.digest !== undefined) throw new CliError('invalid_reference', `push needs a tag, not a digest: ${destination ?? input}`)
  const root = imagesRoot(opts.dataRoot)
  const details = call((n) => n.imageInspect(root, image.digest))
  const manifest = Buffer.from(details.manifest, 'utf8')
  const mediaType = (JSON.parse(details.manifest) as {mediaType?: string}).mediaType ?? 'application/vnd.oci.image.manifest.v1+json'
  const client = new RegistryClient(ref.domain, ref.path, {dataRoot: opts.dataRoot, tlsVerify: opts.tlsVerify})
  const cfg = JSON.parse(details.manifest) as {config: {digest: string; size: number}}
  const blobs = [{digest: cfg.config.digest, size: cfg.config.size}, ...details.summary.layers.map((l) => ({digest: l.digest, size: l.size}))]
  try {
    for (const b of blobs) {
      const onBytes = opts.progress.start(b.digest, b.size)
      if (await client.hasBlob(b.digest)) {
        opts.progress.done(b.digest, true)
        continue
      }
      await client.uploadBlob(b.digest, b.size, path.join(root, 'blobs/sha256', b.digest.slice(7)))
      onBytes(b.size)
      opts.progress.done(b.digest, false)
    }
  } finally {
    opts.progress.finish()
  }
  await client.putManifest(ref.tag ?? 'latest', manifest, mediaType)
  return {digest: image.digest, reference: `${ref.domain}/${ref.path}:${ref.tag ?? 'latest'}`}
}
