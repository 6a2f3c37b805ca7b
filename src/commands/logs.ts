/**
 * `tsc-box logs [-f] [-n N] [--since T] [-t] ID`: the container's output, stdout to stdout
 * and stderr to stderr. --json: [{time, stream, log}] (without -f). bin/run.js normally hands
 * it to the runtime's native front door; both run crates/containers/src/logs.rs.
 */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {type LogEntry, type LogsFlags, logsCommand} from '../lifecycle/logs'

export default class Logs extends BaseCommand {
  static override summary = 'Fetch the logs of a container'
  static override description = 'stdout goes to stdout and stderr to stderr. With --json: an array of {time, stream (stdout|stderr), log}.'
  static override aliases = ['container:logs']
  static override args = {container: Args.string({required: true, description: 'container name, id or id prefix'})}
  static override flags = asOclifFlags(tableFlags('logs'))

  async run(): Promise<LogEntry[]> {
    const {flags, args} = await this.parse(Logs)
    return logsCommand(args.container as string, flags as LogsFlags, this.paths(flags.root as string | undefined), this.jsonEnabled())
  }
}
