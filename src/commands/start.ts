/**
 * `tsc-box start ID...`: runs created or stopped containers (again) under a monitor, on the
 * same root filesystem and writable layer. Prints each reference; --json: [{id, name}].
 */
import action from '../actions/start'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Start extends BaseCommand {
  static override summary = 'Start one or more stopped containers'
  static override description = 'Runs a created or stopped container again, on the same root filesystem. With --json: an array of {id, name}.'
  static override aliases = tableAliases('start')
  static override strict = action.strict !== false
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('start'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
