/** `tsc-box save [-o FILE] IMAGE...`: images as an OCI archive (or docker-archive), to stdout without -o. */
import action from '../actions/save'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Save extends BaseCommand {
  static override summary = 'Save images to a tar archive (OCI image layout by default)'
  static override aliases = tableAliases('save')
  static override strict = action.strict !== false
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('save'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
