/** `tsc-box volume create [NAME]`: a local volume (a random 64-hex name without NAME). */
import action from '../../actions/volume/create'
import {asOclifFlags, BaseCommand, oclifArgs} from '../../base-command'
import {tableFlags} from '../../cli/table'

export default class VolumeCreate extends BaseCommand {
  static override summary = 'Create a volume'
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('volume:create'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
