/** `tsc-box image from-host NAME BIN [BIN...] [--add PATH...]`: a minimal image of host binaries. */
import {defineAction} from '../../cli/action'
import {humanSize, shortDigest} from '../../image/format'
import {resolveHostBinary} from '../../image/host'
import {callAsync, type ImageSummary} from '../../image/native'
import {normalizeReference} from '../../image/reference'
import {imagesRoot} from '../../image/store'
import * as path from 'node:path'

export default defineAction({
  args: {
    name: {required: true, description: 'image name, e.g. myenv or localhost/tools:1'},
    binary: {required: true, description: 'host binary (absolute path, or a name looked up in $PATH); more may follow'},
  },
  strict: false,
  async run(cmd): Promise<ImageSummary> {
    const {args, argv, flags} = cmd
    const dataRoot = cmd.paths().dataRoot
    const reference = normalizeReference(args.name)
    const binaries = (argv as string[]).slice(1).map((b) => resolveHostBinary(b))
    const add = ((flags.add as string[] | undefined) ?? []).map((p) => path.resolve(p))
    const image = await callAsync((n) => n.imageFromHost(imagesRoot(dataRoot), binaries, add, [reference]))
    if (!cmd.json) cmd.log(`${reference} ${shortDigest(image.id)} ${humanSize(image.size)} (${humanSize(image.unpackedSize)} unpacked)`)
    return image
  },
})
