/** `tsc-box history IMAGE`: the image's history, newest first, as docker prints it. */
import {defineAction} from '../cli/action'
import {CliError} from '../errors'
import {formatItems, humanSize, table, timeAgo} from '../image/format'
import {call} from '../image/native'
import {imagesRoot, requireImage} from '../image/store'

export interface HistoryEntry {
  /** The image's ID for the newest entry, `<missing>` for the others (as docker). */
  id: string
  created: string | null
  createdBy: string
  /** The compressed size of the entry's layer; 0 for an empty layer. */
  size: number
  comment: string
  emptyLayer: boolean
}

interface ConfigHistory {
  created?: string
  created_by?: string
  comment?: string
  empty_layer?: boolean
}

export default defineAction({
  args: {image: {required: true, description: 'image reference, ID or digest'}},
  async run(cmd): Promise<HistoryEntry[]> {
    const {args, flags} = cmd
    const dataRoot = cmd.paths().dataRoot
    const image = requireImage(dataRoot, args.image)
    const details = call((n) => n.imageInspect(imagesRoot(dataRoot), image.digest))
    let history: ConfigHistory[] = []
    try {
      const doc = JSON.parse(details.config) as {history?: unknown}
      if (Array.isArray(doc.history)) history = doc.history as ConfigHistory[]
    } catch {
      throw new CliError('invalid_image', 'the image config is not JSON')
    }
    // Each non-empty entry is the next layer, base first.
    let layer = 0
    const entries: HistoryEntry[] = history.map((h) => {
      const empty = h.empty_layer === true
      const size = empty ? 0 : (image.layers[layer++]?.size ?? 0)
      return {id: '<missing>', created: h.created ?? null, createdBy: h.created_by ?? '', size, comment: h.comment ?? '', emptyLayer: empty}
    })
    entries.reverse()
    if (entries.length > 0) entries[0]!.id = image.id
    if (cmd.json) return entries
    const noTrunc = flags['no-trunc'] as boolean
    const short = (id: string) => (id.startsWith('sha256:') && !noTrunc ? id.slice(7, 19) : id)
    if (flags.quiet) {
      for (const e of entries) cmd.log(short(e.id))
      return entries
    }
    const by = (s: string) => {
      const one = s.replace(/\s+/g, ' ')
      return noTrunc || one.length <= 45 ? one : `${one.slice(0, 44)}…`
    }
    const items = entries.map((e) => ({
      ID: short(e.id),
      CreatedSince: timeAgo(e.created),
      CreatedAt: e.created ?? '',
      CreatedBy: by(e.createdBy),
      Size: humanSize(e.size),
      Comment: e.comment,
    }))
    const titles = {ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT'}
    const formatted = formatItems(flags.format as string | undefined, items, titles)
    if (formatted !== null) {
      if (formatted !== '') cmd.log(formatted)
      return entries
    }
    const rows = entries.map((e) => [short(e.id), timeAgo(e.created), by(e.createdBy), humanSize(e.size), e.comment])
    cmd.log(table(['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'], rows).trimEnd())
    return entries
  },
})
