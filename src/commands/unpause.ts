/** `tsc-box unpause ID...`: the cgroup freezer (resume). --json: [{id, name}]. */
import action from '../actions/unpause'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Unpause extends BaseCommand {
  static override summary = 'Unpause all processes within one or more containers'
  static override description = 'With --json: an array of {id, name}.'
  static override aliases = tableAliases('unpause')
  static override strict = action.strict !== false
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('unpause'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
