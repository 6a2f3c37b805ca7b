/** `tsc-box kill [-s SIG] ID...`: a signal (default SIGKILL) to each container's main process. --json: [{id, name, signal}]. */
import action from '../actions/kill'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Kill extends BaseCommand {
  static override summary = 'Kill one or more running containers'
  static override description = 'With --json: an array of {id, name, signal}.'
  static override aliases = tableAliases('kill')
  static override strict = action.strict !== false
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('kill'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
