/**
 * `tsc-box stop [-t SECS] ID...`: SIGTERM, then SIGKILL after SECS (default 10); a stopped
 * container is not restarted by its policy. --json: [{id, name, exitCode}].
 */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {context, eachRef} from '../lifecycle/context'
import {stopContainer} from '../lifecycle/ops'
import {resolveContainer} from '../lifecycle/resolve'
import {viewById} from '../lifecycle/state'

export default class Stop extends BaseCommand {
  static override summary = 'Stop one or more running containers'
  static override description =
    'SIGTERM, then SIGKILL after --time seconds; a stopped container is not restarted by its policy. With --json: an array of {id, name, exitCode}.'
  static override aliases = ['container:stop']
  static override strict = false
  static override args = {container: Args.string({required: true, description: 'container name, id or id prefix'})}
  static override flags = asOclifFlags(tableFlags('stop'))

  async run(): Promise<{id: string; name: string; exitCode: number | null}[]> {
    const {flags, argv} = await this.parse(Stop)
    const {paths, runtime} = context(flags.root as string | undefined)
    return eachRef(
      argv as string[],
      async (ref) => {
        const v = resolveContainer(paths.dataRoot, ref, paths.runDir)
        await stopContainer(runtime, paths, v, flags.time as number)
        return {id: v.id, name: v.name, exitCode: viewById(paths.dataRoot, v.id, paths.runDir)?.exitCode ?? null}
      },
      (ref) => this.jsonEnabled() || this.log(ref),
    )
  }
}
