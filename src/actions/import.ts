/**
 * `tsc-box import FILE|URL|- [REPOSITORY[:TAG]]`: an image of one layer from a tarball of a root
 * filesystem (plain, gzip or zstd; a URL or stdin first copied by src/build/import-source.ts),
 * unpacked with a pulled layer's checks and limits, then made into a layer as `build` makes
 * them; `--change` applies Dockerfile instructions to its config.
 */
import {defineAction} from '../cli/action'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {applyChanges} from '../build/changes'
import {importArchive} from '../build/import-source'
import {hostPlatform} from '../build/stages'
import {callAsync} from '../image/native'
import {normalizeReference} from '../image/reference'
import {imagesRoot} from '../image/store'

export default defineAction({
  args: {
    file: {required: true, description: 'a tar archive of a root filesystem: a file, an http(s) URL, or - for stdin'},
    reference: {required: false, description: 'REPOSITORY[:TAG] of the new image'},
  },
  async run(cmd): Promise<{id: string; digest: string; tags: string[]}> {
    const {args, flags} = cmd
    const dataRoot = cmd.paths().dataRoot
    const reference = args.reference === undefined ? [] : [normalizeReference(args.reference)]
    const store = imagesRoot(dataRoot)
    const tmp = path.join(dataRoot, 'builder', 'tmp', `import-${process.pid}-${Date.now().toString(36)}`)
    fs.mkdirSync(tmp, {recursive: true, mode: 0o700})
    try {
      const file = await importArchive(args.file, tmp, {json: cmd.json})
      const rootfs = path.join(tmp, 'rootfs')
      await callAsync((n) => n.archiveUnpackTo(file, rootfs))
      const made = await callAsync((n) => n.layerFromUpper(store, rootfs, null, []))
      const now = new Date().toISOString()
      const p = hostPlatform()
      const doc: Record<string, unknown> & {config?: Record<string, unknown>} = {
        architecture: p.arch,
        os: p.os,
        created: now,
        config: {},
        history: [{created: now, created_by: `tsc-box import ${args.file}`, comment: `Imported from ${args.file}`}],
      }
      if (flags.message !== undefined) (doc.history as Record<string, unknown>[])[0]!.comment = flags.message
      applyChanges(doc, (flags.change as string[] | undefined) ?? [])
      const layers = made.entries > 0 ? [{digest: made.digest, size: made.size, mediaType: made.mediaType, diffId: made.diffId}] : []
      const image = await callAsync((n) => n.imageAssemble(store, layers, JSON.stringify(doc), reference))
      if (!cmd.json) cmd.log(image.id)
      return {id: image.id, digest: image.digest, tags: reference}
    } finally {
      fs.rmSync(tmp, {recursive: true, force: true})
    }
  },
})
