/** `tsc-box network create NAME`: a bridge network with its own subnet (and IPv6 with --ipv6). */
import action from '../../actions/network/create'
import {asOclifFlags, BaseCommand, oclifArgs} from '../../base-command'
import {tableFlags} from '../../cli/table'

export default class NetworkCreate extends BaseCommand {
  static override summary = 'Create a network'
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('network:create'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
