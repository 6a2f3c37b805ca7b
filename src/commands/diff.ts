/**
 * `tsc-box diff CONTAINER`: what changed in a container's filesystem, as docker lists it:
 * `A` added, `C` changed, `D` deleted, one path a line, in path order. Read from its overlay's
 * upper directory (walked as hostile: crates/image layer::changes), compared with its image.
 */
import action from '../actions/diff'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Diff extends BaseCommand {
  static override summary = "Inspect changes to files or directories on a container's filesystem"
  static override aliases = tableAliases('diff')
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('diff'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
