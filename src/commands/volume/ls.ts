/** `tsc-box volume ls`: docker's table, -q, --filter, --format (crates/containers/src/volumes/list.rs). */
import action from '../../actions/volume/ls'
import {asOclifFlags, BaseCommand, oclifArgs} from '../../base-command'
import {tableAliases, tableFlags} from '../../cli/table'

export default class VolumeLs extends BaseCommand {
  static override summary = 'List volumes'
  static override aliases = tableAliases('volume:ls')
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('volume:ls'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
