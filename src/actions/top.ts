/** `tsc-box top ID`: the container's processes (host pids). --json: [{pid, ppid, uid, time, command}]. */
import {defineAction} from '../cli/action'
import {table} from '../image/format'
import {context} from '../lifecycle/context'
import {resolveContainer} from '../lifecycle/resolve'
import {formatTime, topOf, type TopEntry} from '../lifecycle/top'

export default defineAction({
  args: {container: {required: true, description: 'container name, id or id prefix'}},
  async run(cmd): Promise<TopEntry[]> {
    const {flags, args} = cmd
    const {paths, runtime} = context(flags.root as string | undefined)
    const entries = topOf(runtime, paths, resolveContainer(paths.dataRoot, args.container as string, paths.runDir))
    if (!cmd.json)
      cmd.log(
        table(
          ['UID', 'PID', 'PPID', 'TIME', 'CMD'],
          entries.map((e) => [String(e.uid), String(e.pid), String(e.ppid), formatTime(e.time), e.command]),
        ),
      )
    return entries
  },
})
