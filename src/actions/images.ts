/**
 * `tsc-box images`: the images in the store, with their sizes. bin/run.js normally hands it to
 * the runtime's native front door; both print what crates/image/src/list.rs renders.
 */
import {defineAction} from '../cli/action'
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

export default defineAction({
  async run(cmd): Promise<ImageListEntry[] | undefined> {
    const {flags} = cmd
    const out = imagesCommand(flags as ImagesFlags, cmd.paths(), cmd.json)
    if (cmd.json) return JSON.parse(out ?? '[]') as ImageListEntry[]
    if (out !== null) cmd.log(out)
    return undefined
  },
})
