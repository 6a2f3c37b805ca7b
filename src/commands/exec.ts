/**
 * `tsc-box exec [-i] [-t] [-d] [-e K=V] [-u USER] [-w DIR] ID CMD [ARG...]`: runs a command
 * in a running container (its namespaces, cgroup, capabilities, seccomp filter and user).
 * Exit status: the command's; 126/127 when it cannot be run; 125 for tsc-box's failures.
 * --json: {id, exitCode} after the command ends.
 */
import {tableAliases} from '../cli/table'
import {Args} from '@oclif/core'
import {BaseCommand, asOclifFlags} from '../base-command'
import action from '../actions/exec'
import {execFlags} from '../lifecycle/exec'

export default class Exec extends BaseCommand {
  static override summary = 'Execute a command in a running container'
  static override description =
    "Exit status: the command's; 126 when it cannot be run, 127 when it is not found, 125 when tsc-box fails. With --json: {id, exitCode} after the command ends. Flags end at the container: what follows is the command."
  static override aliases = tableAliases('exec')
  static override usage = 'exec [FLAGS] CONTAINER CMD [ARG...]'
  static override strict = false
  static override args = {container: Args.string({description: 'container name, id or id prefix'})}
  static override flags = asOclifFlags(execFlags)

  async run(): Promise<void> {
    this.parsed = true // flags end at the container: the command's own flags are its own
    const code = await action.runArgv(this.argv)
    if (code === undefined) {
      await this.showHelpOf('exec')
      return
    }
    process.exitCode = code
  }

  // --json is parsed by parseArgv above; oclif must not print a second document.
  override jsonEnabled(): boolean {
    return action.jsonRequested(this.argv)
  }
}
