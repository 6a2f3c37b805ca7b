/**
 * `tsc-box rm [-f] [-v] ID...`: removes containers and everything they hold (processes with
 * -f, cgroup, runtime state, network, writable layer, logs, name). --json: [{id, name}].
 */
import action from '../actions/rm'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Rm extends BaseCommand {
  static override summary = 'Remove one or more containers'
  static override description = 'With --json: an array of {id, name}.'
  static override aliases = tableAliases('rm')
  static override strict = action.strict !== false
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('rm'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
