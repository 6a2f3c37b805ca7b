/** `tsc-box network disconnect NETWORK CONTAINER`: releases its address, ports and veth there. */
import action from '../../actions/network/disconnect'
import {asOclifFlags, BaseCommand, oclifArgs} from '../../base-command'
import {tableFlags} from '../../cli/table'

export default class NetworkDisconnect extends BaseCommand {
  static override summary = 'Disconnect a container from a network'
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('network:disconnect'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
