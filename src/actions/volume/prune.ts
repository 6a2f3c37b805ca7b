/** `tsc-box volume prune [-a] [--filter label=...]`: unused volumes; anonymous ones only without -a (docker 23+). */
import {defineAction} from '../../cli/action'
import {humanSize} from '../../image/format'
import {rootlessRuntime, volumes} from '../../volume/store'

export default defineAction({
  async run(cmd): Promise<{volumesDeleted: string[]; spaceReclaimed: number}> {
    const {flags} = cmd
    const f = flags as {all?: boolean; filter?: string[]; root?: string}
    const r = volumes(cmd.paths(), (s) => s.prune(f.all === true, f.filter ?? [], rootlessRuntime()))
    if (!cmd.json) {
      if (r.deleted.length > 0) cmd.log(`Deleted Volumes:\n${r.deleted.join('\n')}\n`)
      cmd.log(`Total reclaimed space: ${humanSize(r.reclaimed)}`)
    }
    return {volumesDeleted: r.deleted, spaceReclaimed: r.reclaimed}
  },
})
