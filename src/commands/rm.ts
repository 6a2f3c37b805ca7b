/**
 * `tsc-box rm [-f] [-v] ID...`: removes containers and everything they hold (processes with
 * -f, cgroup, runtime state, network, writable layer, logs, name). --json: [{id, name}].
 */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {context, eachRef} from '../lifecycle/context'
import {removeContainerFully} from '../container/remove'
import {resolveContainer} from '../lifecycle/resolve'

export default class Rm extends BaseCommand {
  static override summary = 'Remove one or more containers'
  static override description = 'With --json: an array of {id, name}.'
  static override aliases = ['container:rm', 'container:remove']
  static override strict = false
  static override args = {container: Args.string({required: true, description: 'container name, id or id prefix'})}
  static override flags = asOclifFlags(tableFlags('rm'))

  async run(): Promise<{id: string; name: string}[]> {
    const {flags, argv} = await this.parse(Rm)
    const {paths, runtime} = context(flags.root as string | undefined)
    return eachRef(
      argv as string[],
      async (ref) => {
        const v = resolveContainer(paths.dataRoot, ref, paths.runDir)
        removeContainerFully(runtime, paths, v.id, flags.force as boolean, flags.volumes as boolean)
        return {id: v.id, name: v.name}
      },
      (ref) => this.jsonEnabled() || this.log(ref),
    )
  }
}
