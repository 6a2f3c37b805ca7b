/**
 * `tsc-box logs [-f] [-n N] [--since T] [-t] ID`: the container's output, stdout to stdout
 * and stderr to stderr. --json: [{time, stream, log}] (without -f). bin/run.js normally hands
 * it to the runtime's native front door; both run crates/containers/src/logs.rs.
 */
import {defineAction} from '../cli/action'
import {type LogEntry, type LogsFlags, logsCommand} from '../lifecycle/logs'

export default defineAction({
  args: {container: {required: true, description: 'container name, id or id prefix'}},
  async run(cmd): Promise<LogEntry[]> {
    const {flags, args} = cmd
    return logsCommand(args.container as string, flags as LogsFlags, cmd.paths(), cmd.json)
  },
})
