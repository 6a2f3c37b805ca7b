/**
 * `tsc-box logs [-f] [-n N] [--since T] [-t] ID`: the container's output, stdout to stdout
 * and stderr to stderr. --json: [{time, stream, log}] (without -f). bin/run.js normally hands
 * it to the runtime's native front door; both run crates/containers/src/logs.rs.
 */
import action from '../actions/logs'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Logs extends BaseCommand {
  static override summary = 'Fetch the logs of a container'
  static override description = 'stdout goes to stdout and stderr to stderr. With --json: an array of {time, stream (stdout|stderr), log}.'
  static override aliases = tableAliases('logs')
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('logs'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
