/** `tsc-box unpause ID...`: the cgroup freezer (resume). --json: [{id, name}]. */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {context, eachRef} from '../lifecycle/context'
import {type LifecycleDone, lifecycleOp} from '../lifecycle/verbs'

export default class Unpause extends BaseCommand {
  static override summary = 'Unpause all processes within one or more containers'
  static override description = 'With --json: an array of {id, name}.'
  static override aliases = ['container:unpause']
  static override strict = false
  static override args = {container: Args.string({required: true, description: 'container name, id or id prefix'})}

  static override flags = asOclifFlags(tableFlags('unpause'))

  async run(): Promise<LifecycleDone[]> {
    const {flags, argv} = await this.parse(Unpause)
    const op = lifecycleOp('unpause', {}, context(flags.root as string | undefined))
    return eachRef(argv as string[], op, (ref) => this.jsonEnabled() || this.log(ref))
  }
}
