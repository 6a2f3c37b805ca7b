/** `tsc-box container prune [-f]`: removes all stopped containers. --json: {removed: [ids]}. */
import action from '../../actions/container/prune'
import {asOclifFlags, BaseCommand, oclifArgs} from '../../base-command'
import {tableFlags} from '../../cli/table'

export default class ContainerPrune extends BaseCommand {
  static override summary = 'Remove all stopped containers'
  static override description = 'With --json: {removed: [ids]}.'
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('container:prune'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
