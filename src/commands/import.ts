/**
 * `tsc-box import FILE|- [REPOSITORY[:TAG]]`: an image of one layer from a tarball of a root
 * filesystem (plain, gzip or zstd), unpacked with a pulled layer's checks and limits, then made
 * into a layer as `build` makes them; `--change` applies Dockerfile instructions to its config.
 */
import action from '../actions/import'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Import extends BaseCommand {
  static override summary = 'Import the contents from a tarball to create a filesystem image'
  static override aliases = tableAliases('import')
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('import'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
