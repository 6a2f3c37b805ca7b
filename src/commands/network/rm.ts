/** `tsc-box network rm NAME...`: refused for a network a running container uses. */
import action from '../../actions/network/rm'
import {asOclifFlags, BaseCommand, oclifArgs} from '../../base-command'
import {tableAliases, tableFlags} from '../../cli/table'

export default class NetworkRm extends BaseCommand {
  static override summary = 'Remove one or more networks'
  static override aliases = tableAliases('network:rm')
  static override strict = action.strict !== false
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('network:rm'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
