/** `tsc-box container prune [-f]`: removes all stopped containers. --json: {removed: [ids]}. */
import {asOclifFlags, BaseCommand} from '../../base-command'
import {tableFlags} from '../../cli/table'
import {CliError} from '../../errors'
import {context} from '../../lifecycle/context'
import {pruneContainers} from '../../lifecycle/prune'

export default class ContainerPrune extends BaseCommand {
  static override summary = 'Remove all stopped containers'
  static override description = 'With --json: {removed: [ids]}.'
  static override flags = asOclifFlags(tableFlags('container:prune'))

  async run(): Promise<{removed: string[]}> {
    const {flags} = await this.parse(ContainerPrune)
    const {paths, runtime} = context(flags.root as string | undefined)
    const {removed, failures} = await pruneContainers(runtime, paths, flags.filter as string[] | undefined)
    if (!this.jsonEnabled()) {
      if (removed.length > 0) this.log(['Deleted Containers:', ...removed].join('\n'))
      this.log(`Total reclaimed containers: ${removed.length}`)
    }
    // What was removed is reported above; what was not fails the command.
    if (failures.length > 0)
      throw new CliError(
        'remove_failed',
        `could not remove ${failures.length === 1 ? 'this container' : `these ${failures.length} containers`}:\n  ${failures.join('\n  ')}`,
      )
    return {removed}
  }
}
