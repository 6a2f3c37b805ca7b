/**
 * `tsc-box wait ID...`: blocks until each container stops and prints its exit code. --json:
 * [{id, name, exitCode}]. bin/run.js normally hands it to the runtime's native front door; both
 * wait with crates/containers/src/wait.rs.
 */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../base-command'
import {tableFlags} from '../cli/table'
import {eachRef} from '../lifecycle/context'
import {waitContainer} from '../lifecycle/wait'
import {resolveContainer} from '../lifecycle/resolve'

export default class Wait extends BaseCommand {
  static override summary = 'Block until one or more containers stop, then print their exit codes'
  static override description = 'Prints each exit code. With --json: an array of {id, name, exitCode}.'
  static override aliases = ['container:wait']
  static override strict = false
  static override args = {container: Args.string({required: true, description: 'container name, id or id prefix'})}

  static override flags = asOclifFlags(tableFlags('wait'))

  async run(): Promise<{id: string; name: string; exitCode: number}[]> {
    const {flags, argv} = await this.parse(Wait)
    const paths = this.paths(flags.root as string | undefined)
    return eachRef(
      argv as string[],
      async (ref) => {
        const v = resolveContainer(paths.dataRoot, ref, paths.runDir)
        return {id: v.id, name: v.name, exitCode: waitContainer(paths, v.id)}
      },
      (_ref, r) => this.jsonEnabled() || this.log(String(r.exitCode)),
    )
  }
}
