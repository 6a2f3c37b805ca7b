/** `tsc-box volume inspect NAME...`: docker's document, or --format over each. */
import action from '../../actions/volume/inspect'
import {asOclifFlags, BaseCommand, oclifArgs} from '../../base-command'
import {tableFlags} from '../../cli/table'

export default class VolumeInspect extends BaseCommand {
  static override summary = 'Display detailed information on one or more volumes'
  static override strict = action.strict !== false
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('volume:inspect'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
