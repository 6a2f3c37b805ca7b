/** `tsc-box top ID`: the container's processes (host pids). --json: [{pid, ppid, uid, time, command}]. */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {table} from '../image/format'
import {context} from '../lifecycle/context'
import {resolveContainer} from '../lifecycle/resolve'
import {formatTime, topOf, type TopEntry} from '../lifecycle/top'

export default class Top extends BaseCommand {
  static override summary = 'Display the running processes of a container'
  static override description = 'With --json: an array of {pid, ppid, uid, time (CPU seconds), command}.'
  static override aliases = ['container:top']
  static override args = {container: Args.string({required: true, description: 'container name, id or id prefix'})}

  static override flags = asOclifFlags(tableFlags('top'))

  async run(): Promise<TopEntry[]> {
    const {flags, args} = await this.parse(Top)
    const {paths, runtime} = context(flags.root as string | undefined)
    const entries = topOf(runtime, paths, resolveContainer(paths.dataRoot, args.container as string, paths.runDir))
    if (!this.jsonEnabled())
      this.log(
        table(
          ['UID', 'PID', 'PPID', 'TIME', 'CMD'],
          entries.map((e) => [String(e.uid), String(e.pid), String(e.ppid), formatTime(e.time), e.command]),
        ),
      )
    return entries
  }
}
