/** `tsc-box top ID`: the container's processes (host pids). --json: [{pid, ppid, uid, time, command}]. */
import {defineAction} from '../cli/action'
import {topOf, type TopEntry} from '../lifecycle/top'

export default defineAction({
  args: {container: {required: true, description: 'container name, id or id prefix'}},
  run(cmd): TopEntry[] {
    const {entries, text} = topOf(cmd.paths(), cmd.args.container)
    cmd.log(text)
    return entries
  },
})
