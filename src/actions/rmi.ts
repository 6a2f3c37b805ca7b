/** `tsc-box rmi IMAGE...`: untag and remove images, then free what nothing uses. */
import {defineAction} from '../cli/action'
import {collect, collectionFailed, removeImage, type RemoveEvent} from '../image/remove'

export default defineAction({
  args: {image: {required: true, description: 'image reference, ID or digest; more may follow'}},
  strict: false,
  async run(cmd): Promise<RemoveEvent[]> {
    const {argv, flags} = cmd
    const dataRoot = cmd.paths().dataRoot
    const events: RemoveEvent[] = []
    for (const name of argv as string[]) {
      const done = removeImage(dataRoot, name, Boolean(flags.force))
      events.push(...done)
      if (!cmd.json) for (const e of done) cmd.log(e.untagged ? `Untagged: ${e.untagged}` : `Deleted: ${e.deleted}`)
    }
    if (events.some((e) => e.deleted)) {
      const gc = await collect(dataRoot)
      if (gc.failures.length > 0) throw collectionFailed(gc.failures)
    }
    return events
  },
})
