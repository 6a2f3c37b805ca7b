/**
 * `tsc-box start ID...`: runs created or stopped containers (again) under a monitor, on the
 * same root filesystem and writable layer. Prints each reference; --json: [{id, name}].
 */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {context, eachRef} from '../lifecycle/context'
import {startContainer} from '../lifecycle/ops'
import {resolveContainer} from '../lifecycle/resolve'

export default class Start extends BaseCommand {
  static override summary = 'Start one or more stopped containers'
  static override description = 'Runs a created or stopped container again, on the same root filesystem. With --json: an array of {id, name}.'
  static override aliases = ['container:start']
  static override strict = false
  static override args = {container: Args.string({required: true, description: 'container name, id or id prefix'})}

  static override flags = asOclifFlags(tableFlags('start'))

  async run(): Promise<{id: string; name: string}[]> {
    const {flags, argv} = await this.parse(Start)
    const {paths, runtime} = context(flags.root as string | undefined)
    return eachRef(
      argv as string[],
      async (ref) => {
        const v = resolveContainer(paths.dataRoot, ref, paths.runDir)
        await startContainer(runtime, paths, v)
        return {id: v.id, name: v.name}
      },
      (ref) => this.jsonEnabled() || this.log(ref),
    )
  }
}
