/**
 * `tsc-box export CONTAINER [-o FILE]`: a tar of a container's filesystem (its image's layers
 * with its changes over them), on the standard output unless -o. The view is a read-only
 * overlay of the container's upper directory over its image's layers, mounted for the export
 * and walked as hostile input (crates/image layer::tar_to).
 */
import action from '../actions/export'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Export extends BaseCommand {
  static override summary = "Export a container's filesystem as a tar archive"
  static override aliases = tableAliases('export')
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('export'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
