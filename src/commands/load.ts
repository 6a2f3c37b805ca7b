/** `tsc-box load [-i FILE]`: images from an OCI image-layout or docker-archive tarball. */
import action from '../actions/load'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Load extends BaseCommand {
  static override summary = 'Load images from a tar archive (OCI layout or docker-archive; plain, gzip or zstd)'
  static override aliases = tableAliases('load')
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('load'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
