/** `tsc-box network prune`: the unused networks (src/actions/network/prune.ts). */
import action from '../../actions/network/prune'
import {asOclifFlags, BaseCommand, oclifArgs} from '../../base-command'
import {tableFlags} from '../../cli/table'

export default class NetworkPrune extends BaseCommand {
  static override summary = 'Remove all unused networks'
  static override description = 'Removes every network but the default that no running container is on. With --json: {networksDeleted}.'
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('network:prune'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
