/**
 * `tsc-box stop [-t SECS] ID...`: SIGTERM, then SIGKILL after SECS (default 10); a stopped
 * container is not restarted by its policy. --json: [{id, name, exitCode}].
 */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {context, eachRef} from '../lifecycle/context'
import {type LifecycleDone, lifecycleOp} from '../lifecycle/verbs'

export default class Stop extends BaseCommand {
  static override summary = 'Stop one or more running containers'
  static override description =
    'SIGTERM, then SIGKILL after --time seconds; a stopped container is not restarted by its policy. With --json: an array of {id, name, exitCode}.'
  static override aliases = ['container:stop']
  static override strict = false
  static override args = {container: Args.string({required: true, description: 'container name, id or id prefix'})}
  static override flags = asOclifFlags(tableFlags('stop'))

  async run(): Promise<LifecycleDone[]> {
    const {flags, argv} = await this.parse(Stop)
    const op = lifecycleOp('stop', {time: flags.time as number}, context(flags.root as string | undefined))
    return eachRef(argv as string[], op, (ref) => this.jsonEnabled() || this.log(ref))
  }
}
