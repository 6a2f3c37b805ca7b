/** `tsc-box rmi IMAGE...`: untag and remove images, then free what nothing uses. */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {collect, collectionFailed, removeImage, type RemoveEvent} from '../image/remove'

export default class Rmi extends BaseCommand {
  static override summary = 'Remove one or more images'
  static override aliases = ['image:rm']
  static override strict = false
  static override args = {image: Args.string({required: true, description: 'image reference, ID or digest; more may follow'})}
  static override flags = asOclifFlags(tableFlags('rmi'))

  async run(): Promise<RemoveEvent[]> {
    const {argv, flags} = await this.parse(Rmi)
    const dataRoot = this.paths(flags.root as string | undefined).dataRoot
    const events: RemoveEvent[] = []
    for (const name of argv as string[]) {
      const done = removeImage(dataRoot, name, Boolean(flags.force))
      events.push(...done)
      if (!this.jsonEnabled()) for (const e of done) this.log(e.untagged ? `Untagged: ${e.untagged}` : `Deleted: ${e.deleted}`)
    }
    if (events.some((e) => e.deleted)) {
      const gc = await collect(dataRoot)
      if (gc.failures.length > 0) throw collectionFailed(gc.failures)
    }
    return events
  }
}
