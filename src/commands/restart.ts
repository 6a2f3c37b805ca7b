/** `tsc-box restart [-t SECS] ID...`: stop (as `stop`), then start. --json: [{id, name}]. */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {context, eachRef} from '../lifecycle/context'
import {startContainer, stopContainer} from '../lifecycle/ops'
import {resolveContainer} from '../lifecycle/resolve'
import {viewById} from '../lifecycle/state'

export default class Restart extends BaseCommand {
  static override summary = 'Restart one or more containers'
  static override description = 'With --json: an array of {id, name}.'
  static override aliases = ['container:restart']
  static override strict = false
  static override args = {container: Args.string({required: true, description: 'container name, id or id prefix'})}
  static override flags = asOclifFlags(tableFlags('restart'))

  async run(): Promise<{id: string; name: string}[]> {
    const {flags, argv} = await this.parse(Restart)
    const {paths, runtime} = context(flags.root as string | undefined)
    return eachRef(
      argv as string[],
      async (ref) => {
        const v = resolveContainer(paths.dataRoot, ref, paths.runDir)
        await stopContainer(runtime, paths, v, flags.time as number)
        await startContainer(runtime, paths, viewById(paths.dataRoot, v.id, paths.runDir) ?? v)
        return {id: v.id, name: v.name}
      },
      (ref) => this.jsonEnabled() || this.log(ref),
    )
  }
}
