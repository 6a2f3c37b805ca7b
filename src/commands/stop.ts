/**
 * `tsc-box stop [-t SECS] ID...`: SIGTERM, then SIGKILL after SECS (default 10); a stopped
 * container is not restarted by its policy. --json: [{id, name, exitCode}].
 */
import action from '../actions/stop'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Stop extends BaseCommand {
  static override summary = 'Stop one or more running containers'
  static override description =
    'SIGTERM, then SIGKILL after --time seconds; a stopped container is not restarted by its policy. With --json: an array of {id, name, exitCode}.'
  static override aliases = tableAliases('stop')
  static override strict = action.strict !== false
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('stop'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
