/**
 * `tsc-box inspect ID...`: docker's inspect document for each container (Id, Name, Created,
 * Path, Args, State{Status, Running, Paused, Restarting, OOMKilled, Dead, Pid, ExitCode (null when
 * it ended unrecorded), StartedAt, FinishedAt}, RestartCount, HostConfig.RestartPolicy, Rootfs,
 * LogPath, BundlePath), as a JSON array (with or without --json). bin/run.js normally hands it
 * to the runtime's native front door; both print what crates/containers/src/inspect.rs renders.
 */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {inspectCommand} from '../lifecycle/inspect'

export default class Inspect extends BaseCommand {
  static override summary = 'Display detailed information on one or more containers'
  static override description =
    'Prints a JSON array of docker-style documents: Id, Name, Created, Path, Args, State{Status, Running, Paused, Restarting, OOMKilled, Dead, Pid, ExitCode (null when it ended unrecorded), StartedAt, FinishedAt}, RestartCount, HostConfig.RestartPolicy{Name, MaximumRetryCount}, Rootfs, LogPath, BundlePath. --format takes a Go template, as docker does.'
  static override aliases = ['container:inspect']
  static override strict = false
  static override args = {container: Args.string({required: true, description: 'container name, id or id prefix'})}
  static override flags = asOclifFlags(tableFlags('inspect'))

  async run(): Promise<unknown[] | undefined> {
    const {flags, argv} = await this.parse(Inspect)
    const json = this.jsonEnabled()
    const out = inspectCommand(argv as string[], json ? undefined : (flags.format as string | undefined), this.paths(flags.root as string | undefined))
    if (json) return JSON.parse(out) as unknown[]
    this.log(out)
    return undefined
  }
}
