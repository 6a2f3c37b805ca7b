/** `tsc-box network ls`: the networks and how many containers each has. */
import action from '../../actions/network/ls'
import {asOclifFlags, BaseCommand, oclifArgs} from '../../base-command'
import {tableAliases, tableFlags} from '../../cli/table'

export default class NetworkLs extends BaseCommand {
  static override summary = 'List networks'
  static override aliases = tableAliases('network:ls')
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('network:ls'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
