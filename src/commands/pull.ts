/** `tsc-box pull REF`: an image from a registry (OCI distribution API). */
import action from '../actions/pull'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Pull extends BaseCommand {
  static override summary = 'Pull an image from a registry'
  static override aliases = tableAliases('pull')
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('pull'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
