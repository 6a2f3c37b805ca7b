/**
 * `tsc-box images`: the images in the store, with their sizes. bin/run.js normally hands it to
 * the runtime's native front door; both print what crates/image/src/list.rs renders.
 */
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {type ImagesFlags, imagesCommand} from '../image/list'

/** One `images --json` entry (rendered by crates/image/src/list.rs). */
export interface ImageListEntry {
  id: string
  digest: string
  repository: string
  tag: string
  references: string[]
  created: string | null
  size: number
  unpackedSize: number
}

export default class Images extends BaseCommand {
  static override summary = 'List images'
  static override aliases = ['image:ls', 'image:list']
  static override flags = asOclifFlags(tableFlags('images'))

  async run(): Promise<ImageListEntry[] | undefined> {
    const {flags} = await this.parse(Images)
    const out = imagesCommand(flags as ImagesFlags, this.paths(flags.root as string | undefined), this.jsonEnabled())
    if (this.jsonEnabled()) return JSON.parse(out ?? '[]') as ImageListEntry[]
    if (out !== null) this.log(out)
    return undefined
  }
}
