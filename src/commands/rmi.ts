/** `tsc-box rmi IMAGE...`: untag and remove images, then free what nothing uses. */
import action from '../actions/rmi'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Rmi extends BaseCommand {
  static override summary = 'Remove one or more images'
  static override aliases = tableAliases('rmi')
  static override strict = action.strict !== false
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('rmi'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
