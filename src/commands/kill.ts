/** `tsc-box kill [-s SIG] ID...`: a signal (default SIGKILL) to each container's main process. --json: [{id, name, signal}]. */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {context, eachRef} from '../lifecycle/context'
import {type LifecycleDone, lifecycleOp} from '../lifecycle/verbs'

export default class Kill extends BaseCommand {
  static override summary = 'Kill one or more running containers'
  static override description = 'With --json: an array of {id, name, signal}.'
  static override aliases = ['container:kill']
  static override strict = false
  static override args = {container: Args.string({required: true, description: 'container name, id or id prefix'})}
  static override flags = asOclifFlags(tableFlags('kill'))

  async run(): Promise<LifecycleDone[]> {
    const {flags, argv} = await this.parse(Kill)
    const op = lifecycleOp('kill', {signal: flags.signal as string}, context(flags.root as string | undefined))
    return eachRef(argv as string[], op, (ref) => this.jsonEnabled() || this.log(ref))
  }
}
