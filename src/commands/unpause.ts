/** `tsc-box unpause ID...`: the cgroup freezer (resume). --json: [{id, name}]. */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {context, eachRef} from '../lifecycle/context'
import {setPaused} from '../lifecycle/pause'
import {resolveContainer} from '../lifecycle/resolve'

export default class Unpause extends BaseCommand {
  static override summary = 'Unpause all processes within one or more containers'
  static override description = 'With --json: an array of {id, name}.'
  static override aliases = ['container:unpause']
  static override strict = false
  static override args = {container: Args.string({required: true, description: 'container name, id or id prefix'})}

  static override flags = asOclifFlags(tableFlags('unpause'))

  async run(): Promise<{id: string; name: string}[]> {
    const {flags, argv} = await this.parse(Unpause)
    const {paths, runtime} = context(flags.root as string | undefined)
    return eachRef(
      argv as string[],
      async (ref) => {
        const v = resolveContainer(paths.dataRoot, ref, paths.runDir)
        setPaused(runtime, paths, v, false)
        return {id: v.id, name: v.name}
      },
      (ref) => this.jsonEnabled() || this.log(ref),
    )
  }
}
