/** `tsc-box push IMAGE [DESTINATION]`: an image to a registry. */
import action from '../actions/push'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Push extends BaseCommand {
  static override summary = 'Push an image to a registry'
  static override aliases = tableAliases('push')
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('push'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
