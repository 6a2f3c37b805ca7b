/** `tsc-box images`: the images in the store, with their sizes. */
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {humanSize, shortDigest, table, timeAgo} from '../image/format'
import {call} from '../image/native'
import {familiarName} from '../image/reference'
import {imagesRoot} from '../image/store'

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

  async run(): Promise<ImageListEntry[]> {
    const {flags} = await this.parse(Images)
    const dataRoot = this.paths(flags.root as string | undefined).dataRoot
    const images = call((n) => n.imageList(imagesRoot(dataRoot)))
    const entries: ImageListEntry[] = []
    for (const img of images) {
      const names = img.refs.length > 0 ? img.refs : [undefined]
      for (const ref of names) {
        const {repository, tag} = ref ? familiarName(ref) : {repository: '<none>', tag: '<none>'}
        entries.push({
          id: img.id,
          digest: img.digest,
          repository,
          tag,
          references: img.refs,
          created: img.created ?? null,
          size: img.size,
          unpackedSize: img.unpackedSize,
        })
      }
    }
    if (this.jsonEnabled()) return entries
    const id = (d: string) => (flags['no-trunc'] ? d : shortDigest(d))
    if (flags.quiet) {
      this.log([...new Set(entries.map((e) => id(e.id)))].join('\n'))
      return entries
    }
    const header = ['REPOSITORY', 'TAG', ...(flags.digests ? ['DIGEST'] : []), 'IMAGE ID', 'CREATED', 'SIZE', 'UNPACKED']
    const rows = entries.map((e) => [
      e.repository,
      e.tag,
      ...(flags.digests ? [e.digest] : []),
      id(e.id),
      timeAgo(e.created),
      humanSize(e.size),
      humanSize(e.unpackedSize),
    ])
    this.log(table(header, rows))
    return entries
  }
}
