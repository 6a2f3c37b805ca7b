/** `tsc-box volume prune [-a] [--filter label=...]`: unused volumes; anonymous ones only without -a (docker 23+). */
import action from '../../actions/volume/prune'
import {asOclifFlags, BaseCommand, oclifArgs} from '../../base-command'
import {tableFlags} from '../../cli/table'

export default class VolumePrune extends BaseCommand {
  static override summary = 'Remove unused volumes (anonymous ones unless --all)'
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('volume:prune'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
