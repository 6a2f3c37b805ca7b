/** `tsc-box restart [-t SECS] ID...`: stop (as `stop`), then start. --json: [{id, name}]. */
import action from '../actions/restart'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Restart extends BaseCommand {
  static override summary = 'Restart one or more containers'
  static override description = 'With --json: an array of {id, name}.'
  static override aliases = tableAliases('restart')
  static override strict = action.strict !== false
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('restart'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
