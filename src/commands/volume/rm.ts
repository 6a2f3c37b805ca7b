/** `tsc-box volume rm [-f] NAME...`: refused while a container uses the volume (docker's 1). */
import action from '../../actions/volume/rm'
import {asOclifFlags, BaseCommand, oclifArgs} from '../../base-command'
import {tableAliases, tableFlags} from '../../cli/table'

export default class VolumeRm extends BaseCommand {
  static override summary = 'Remove one or more volumes'
  static override aliases = tableAliases('volume:rm')
  static override strict = action.strict !== false
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('volume:rm'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
