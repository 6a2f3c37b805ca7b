/**
 * `tsc-box inspect ID...`: docker's inspect document for each container (Id, Name, Created,
 * Path, Args, State{Status, Running, Paused, Restarting, OOMKilled, Dead, Pid, ExitCode (null when
 * it ended unrecorded), StartedAt, FinishedAt}, RestartCount, HostConfig.RestartPolicy, Rootfs,
 * LogPath, BundlePath), as a JSON array (with or without --json).
 */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {eachRef} from '../lifecycle/context'
import {lifecycleFiles} from '../lifecycle/files'
import {inspectDoc} from '../lifecycle/format'
import {resolveContainer} from '../lifecycle/resolve'

export default class Inspect extends BaseCommand {
  static override summary = 'Display detailed information on one or more containers'
  static override description =
    'Prints a JSON array of docker-style documents: Id, Name, Created, Path, Args, State{Status, Running, Paused, Restarting, OOMKilled, Dead, Pid, ExitCode (null when it ended unrecorded), StartedAt, FinishedAt}, RestartCount, HostConfig.RestartPolicy{Name, MaximumRetryCount}, Rootfs, LogPath, BundlePath.'
  static override aliases = ['container:inspect']
  static override strict = false
  static override args = {container: Args.string({required: true, description: 'container name, id or id prefix'})}
  static override flags = asOclifFlags(tableFlags('inspect'))

  async run(): Promise<Record<string, unknown>[]> {
    const {flags, argv} = await this.parse(Inspect)
    const {dataRoot, runDir} = this.paths(flags.root as string | undefined)
    const docs = await eachRef(
      argv as string[],
      async (ref) => {
        const v = resolveContainer(dataRoot, ref, runDir)
        return inspectDoc(v, lifecycleFiles(v.dir).log)
      },
      () => undefined,
    )
    if (this.jsonEnabled()) return docs
    const format = flags.format as string | undefined
    if (format) {
      for (const d of docs)
        this.log(
          format.replace(/\{\{\s*((?:\.\w+)+)\s*\}\}/g, (_m, p: string) => {
            let cur: unknown = d
            for (const k of p.split('.').slice(1)) cur = (cur as Record<string, unknown> | undefined)?.[k]
            return typeof cur === 'object' ? JSON.stringify(cur) : String(cur)
          }),
        )
    } else this.log(JSON.stringify(docs, null, 2))
    return docs
  }
}
