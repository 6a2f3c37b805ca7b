/** `tsc-box kill [-s SIG] ID...`: a signal (default SIGKILL) to each container's main process. --json: [{id, name, signal}]. */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {context, eachRef} from '../lifecycle/context'
import {killContainer} from '../lifecycle/ops'
import {resolveContainer} from '../lifecycle/resolve'

export default class Kill extends BaseCommand {
  static override summary = 'Kill one or more running containers'
  static override description = 'With --json: an array of {id, name, signal}.'
  static override aliases = ['container:kill']
  static override strict = false
  static override args = {container: Args.string({required: true, description: 'container name, id or id prefix'})}
  static override flags = asOclifFlags(tableFlags('kill'))

  async run(): Promise<{id: string; name: string; signal: string}[]> {
    const {flags, argv} = await this.parse(Kill)
    const {paths, runtime} = context(flags.root as string | undefined)
    const sig = flags.signal as string
    return eachRef(
      argv as string[],
      async (ref) => {
        const v = resolveContainer(paths.dataRoot, ref, paths.runDir)
        killContainer(runtime, paths, v, sig)
        return {id: v.id, name: v.name, signal: sig}
      },
      (ref) => this.jsonEnabled() || this.log(ref),
    )
  }
}
