/** `tsc-box pause ID...`: the cgroup freezer (pause). --json: [{id, name}]. */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {context, eachRef} from '../lifecycle/context'
import {type LifecycleDone, lifecycleOp} from '../lifecycle/verbs'

export default class Pause extends BaseCommand {
  static override summary = 'Pause all processes within one or more containers'
  static override description = 'With --json: an array of {id, name}.'
  static override aliases = ['container:pause']
  static override strict = false
  static override args = {container: Args.string({required: true, description: 'container name, id or id prefix'})}

  static override flags = asOclifFlags(tableFlags('pause'))

  async run(): Promise<LifecycleDone[]> {
    const {flags, argv} = await this.parse(Pause)
    const op = lifecycleOp('pause', {}, context(flags.root as string | undefined))
    return eachRef(argv as string[], op, (ref) => this.jsonEnabled() || this.log(ref))
  }
}
