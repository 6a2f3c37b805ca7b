/**
 * `tsc-box create [run flags] (--rootfs DIR | IMAGE) [CMD...]`: everything `run -d` does
 * except starting: the container exists, stopped ("created"), until `start`. Prints its id;
 * --json: {id, name, exitCode: 0, oomKilled: false, detached: true}.
 */
import {tableAliases} from '../cli/table'
import {Args} from '@oclif/core'
import {BaseCommand, asOclifFlags} from '../base-command'
import {runFlags} from '../run/flags'
import action from '../actions/create'

export default class Create extends BaseCommand {
  static override summary = 'Create a new container without starting it'
  static override description = "Prints the new container's id. With --json: {id, name, exitCode: 0, oomKilled: false, detached: true}."
  static override aliases = tableAliases('create')
  static override usage = 'create [FLAGS] (--rootfs DIR | IMAGE) [CMD [ARG...]]'
  static override strict = false
  static override args = {command: Args.string({description: 'the command to run (with --rootfs), or an IMAGE'})}
  static override flags = asOclifFlags(runFlags)

  async run(): Promise<void> {
    this.parsed = true // runCommand parses argv itself, like `run`
    const code = await action.runArgv(this.argv)
    if (code === undefined) {
      await this.showHelpOf('create')
      return
    }
    process.exitCode = code
  }
}
