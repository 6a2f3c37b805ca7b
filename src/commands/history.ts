/** `tsc-box history IMAGE`: the image's history, newest first, as docker prints it. */
import action from '../actions/history'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class History extends BaseCommand {
  static override summary = 'Show the history of an image'
  static override aliases = tableAliases('history')
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('history'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
