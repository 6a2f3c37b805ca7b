/** `tsc-box image prune [-a]`: remove unused images and free their content. */
import {defineAction} from '../../cli/action'
import {humanSize, pruneFilter} from '../../image/format'
import {call} from '../../image/native'
import {collect, collectionFailed} from '../../image/remove'
import {imagesInUse, imagesRoot} from '../../image/store'

export interface PruneResult {
  deleted: string[]
  spaceReclaimed: number
  busy: boolean
}

export default defineAction({
  async run(cmd): Promise<PruneResult> {
    const {flags} = cmd
    const dataRoot = cmd.paths().dataRoot
    const root = imagesRoot(dataRoot)
    const keep = [...imagesInUse(dataRoot)]
    const deleted: string[] = []
    const filters = flags.filter as string[] | undefined
    if (filters && filters.length > 0) {
      // --filter until=/label=/label!= (crates/format's filter module) over the unused images:
      // dangling ones only, unless --all.
      const unused = call((n) => n.imageList(root)).filter((img) => !keep.includes(img.digest) && (flags.all || img.refs.length === 0))
      const labels = (digest: string): Record<string, string> =>
        (JSON.parse(call((n) => n.imageInspect(root, digest)).config) as {config?: {Labels?: Record<string, string> | null}}).config?.Labels ?? {}
      const go = pruneFilter(
        filters,
        unused.map((img) => ({created: img.created, labels: labels(img.digest)})),
      )
      for (const [i, img] of unused.entries()) if (go[i]) deleted.push(call((n) => n.imageRemove(root, img.digest)).id)
    } else if (flags.all) {
      for (const img of call((n) => n.imageList(root))) {
        if (keep.includes(img.digest)) continue
        deleted.push(call((n) => n.imageRemove(root, img.digest)).id)
      }
    } else {
      for (const img of call((n) => n.imageRemoveDangling(root, keep))) deleted.push(img.id)
    }
    const gc = await collect(dataRoot)
    const result = {deleted, spaceReclaimed: gc.bytesFreed, busy: gc.busy}
    if (!cmd.json) {
      if (deleted.length > 0) cmd.log(['Deleted Images:', ...deleted.map((d) => `deleted: ${d}`)].join('\n'))
      if (gc.busy) cmd.log('The store is being written to (a load or build is running); content was not collected.')
      cmd.log(`Total reclaimed space: ${humanSize(gc.bytesFreed)}`)
    }
    // What was freed is reported above; what was not fails the command.
    if (gc.failures.length > 0) throw collectionFailed(gc.failures)
    return result
  },
})
