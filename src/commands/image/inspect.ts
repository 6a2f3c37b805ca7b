/** `tsc-box image inspect IMAGE...`: the image's record, manifest and config as JSON. */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../../base-command'
import {tableFlags} from '../../cli/table'
import {call} from '../../image/native'
import {imagesRoot, requireImage} from '../../image/store'

export interface ImageInspect {
  Id: string
  Digest: string
  RepoTags: string[]
  Created: string | null
  Size: number
  UnpackedSize: number
  Architecture?: string
  Os?: string
  Config: unknown
  RootFS: {Type: string; Layers: string[]}
  Layers: Array<{digest: string; diffId: string; mediaType: string; size: number}>
  Manifest: unknown
}

export default class ImageInspectCommand extends BaseCommand {
  static override summary = 'Show an image in detail (JSON)'
  static override strict = false
  static override args = {image: Args.string({required: true, description: 'image reference, ID or digest; more may follow'})}

  static override flags = asOclifFlags(tableFlags('image:inspect'))

  async run(): Promise<ImageInspect[]> {
    const {argv, flags} = await this.parse(ImageInspectCommand)
    const dataRoot = this.paths(flags.root as string | undefined).dataRoot
    const out = (argv as string[]).map((name) => {
      const image = requireImage(dataRoot, name)
      const d = call((n) => n.imageInspect(imagesRoot(dataRoot), image.digest))
      const config = JSON.parse(d.config) as {architecture?: string; os?: string; config?: unknown}
      return {
        Id: d.summary.id,
        Digest: d.summary.digest,
        RepoTags: d.summary.refs,
        Created: d.summary.created ?? null,
        Size: d.summary.size,
        UnpackedSize: d.summary.unpackedSize,
        Architecture: config.architecture,
        Os: config.os,
        Config: config.config ?? {},
        RootFS: {Type: 'layers', Layers: d.summary.layers.map((l) => l.diffId)},
        Layers: d.summary.layers.map((l) => ({digest: l.digest, diffId: l.diffId, mediaType: l.mediaType, size: l.size})),
        Manifest: JSON.parse(d.manifest),
      }
    })
    if (!this.jsonEnabled()) this.log(JSON.stringify(out, null, 2))
    return out
  }
}
