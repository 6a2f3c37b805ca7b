/** `tsc-box builder prune`: drops the build cache and the intermediate images only it kept. */
import action from '../../actions/builder/prune'
import {asOclifFlags, BaseCommand, oclifArgs} from '../../base-command'
import {tableFlags} from '../../cli/table'

export default class BuilderPrune extends BaseCommand {
  static override summary = 'Remove the build cache'
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('builder:prune'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
