/** `tsc-box image from-host NAME BIN [BIN...] [--add PATH...]`: a minimal image of host binaries. */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../../base-command'
import {tableFlags} from '../../cli/table'
import {humanSize, shortDigest} from '../../image/format'
import {resolveHostBinary} from '../../image/host'
import {callAsync, type ImageSummary} from '../../image/native'
import {normalizeReference} from '../../image/reference'
import {imagesRoot} from '../../image/store'
import * as path from 'node:path'

export default class ImageFromHost extends BaseCommand {
  static override summary = 'Build a minimal image from host binaries and their shared libraries'
  static override description =
    'The image has one layer holding only the binaries, their ELF shared-library closure (the dynamic loader, DT_NEEDED libraries found through RPATH/RUNPATH, ld.so.conf and the default directories), the paths given with --add, and a minimal /etc (passwd, group). Its Entrypoint is the first binary.'
  static override strict = false
  static override args = {
    name: Args.string({required: true, description: 'image name, e.g. myenv or localhost/tools:1'}),
    binary: Args.string({required: true, description: 'host binary (absolute path, or a name looked up in $PATH); more may follow'}),
  }
  static override flags = asOclifFlags(tableFlags('image:from-host'))
  static override examples = ['<%= config.bin %> image from-host env /usr/bin/env', '<%= config.bin %> image from-host tools busybox --add /etc/ssl/certs']

  async run(): Promise<ImageSummary> {
    const {args, argv, flags} = await this.parse(ImageFromHost)
    const dataRoot = this.paths(flags.root as string | undefined).dataRoot
    const reference = normalizeReference(args.name)
    const binaries = (argv as string[]).slice(1).map((b) => resolveHostBinary(b))
    const add = ((flags.add as string[] | undefined) ?? []).map((p) => path.resolve(p))
    const image = await callAsync((n) => n.imageFromHost(imagesRoot(dataRoot), binaries, add, [reference]))
    if (!this.jsonEnabled()) this.log(`${reference} ${shortDigest(image.id)} ${humanSize(image.size)} (${humanSize(image.unpackedSize)} unpacked)`)
    return image
  }
}
