/**
 * `tsc-box network connect NETWORK CONTAINER`: a running container gets one more interface
 * (eth1, eth2...) on NETWORK; released when it exits like its first one.
 */
import action from '../../actions/network/connect'
import {asOclifFlags, BaseCommand, oclifArgs} from '../../base-command'
import {tableFlags} from '../../cli/table'

export default class NetworkConnect extends BaseCommand {
  static override summary = 'Connect a running container to a network'
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('network:connect'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
