/** `tsc-box network prune [--filter until=|label=|label!=]`: every network but the default that no running container is on. */
import {defineAction} from '../../cli/action'
import {pruneNetworks} from '../../network/admin'

export default defineAction({
  async run(cmd): Promise<{networksDeleted: string[]}> {
    const f = cmd.flags as {filter?: string[]}
    const removed = pruneNetworks(f.filter ?? [])
    // docker prints the heading only when something went.
    if (!cmd.json && removed.length > 0) cmd.log(`Deleted Networks:\n${removed.join('\n')}\n`)
    return {networksDeleted: removed}
  },
})
