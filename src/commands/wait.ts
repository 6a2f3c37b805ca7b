/**
 * `tsc-box wait ID...`: blocks until each container stops and prints its exit code. --json:
 * [{id, name, exitCode}]. bin/run.js normally hands it to the runtime's native front door; both
 * wait with crates/containers/src/wait.rs.
 */
import action from '../actions/wait'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Wait extends BaseCommand {
  static override summary = 'Block until one or more containers stop, then print their exit codes'
  static override description = 'Prints each exit code. With --json: an array of {id, name, exitCode}.'
  static override aliases = tableAliases('wait')
  static override strict = action.strict !== false
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('wait'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
