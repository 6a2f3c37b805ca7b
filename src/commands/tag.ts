/** `tsc-box tag SOURCE TARGET`: another reference to an existing image. */
import action from '../actions/tag'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Tag extends BaseCommand {
  static override summary = 'Create a reference TARGET that refers to the image SOURCE'
  static override aliases = tableAliases('tag')
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('tag'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
