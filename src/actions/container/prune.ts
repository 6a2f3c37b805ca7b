/** `tsc-box container prune [-f]`: removes all stopped containers. --json: {removed: [ids]}. */
import {defineAction} from '../../cli/action'
import {CliError} from '../../errors'
import {context} from '../../lifecycle/context'
import {pruneContainers} from '../../lifecycle/prune'

export default defineAction({
  async run(cmd): Promise<{removed: string[]}> {
    const {flags} = cmd
    const {paths, runtime} = context(flags.root as string | undefined)
    const {removed, failures} = await pruneContainers(runtime, paths, flags.filter as string[] | undefined)
    if (!cmd.json) {
      if (removed.length > 0) cmd.log(['Deleted Containers:', ...removed].join('\n'))
      cmd.log(`Total reclaimed containers: ${removed.length}`)
    }
    // What was removed is reported above; what was not fails the command.
    if (failures.length > 0)
      throw new CliError(
        'remove_failed',
        `could not remove ${failures.length === 1 ? 'this container' : `these ${failures.length} containers`}:\n  ${failures.join('\n  ')}`,
      )
    return {removed}
  },
})
