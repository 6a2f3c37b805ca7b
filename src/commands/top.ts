/** `tsc-box top ID`: the container's processes (host pids). --json: [{pid, ppid, uid, time, command}]. */
import action from '../actions/top'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Top extends BaseCommand {
  static override summary = 'Display the running processes of a container'
  static override description = 'With --json: an array of {pid, ppid, uid, time (CPU seconds), command}.'
  static override aliases = tableAliases('top')
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('top'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
