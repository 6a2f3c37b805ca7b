/** `tsc-box pause ID...`: the cgroup freezer (pause). --json: [{id, name}]. */
import action from '../actions/pause'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Pause extends BaseCommand {
  static override summary = 'Pause all processes within one or more containers'
  static override description = 'With --json: an array of {id, name}.'
  static override aliases = tableAliases('pause')
  static override strict = action.strict !== false
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('pause'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
