/** `tsc-box image from-host NAME BIN [BIN...] [--add PATH...]`: a minimal image of host binaries. */
import action from '../../actions/image/from-host'
import {asOclifFlags, BaseCommand, oclifArgs} from '../../base-command'
import {tableFlags} from '../../cli/table'

export default class ImageFromHost extends BaseCommand {
  static override summary = 'Build a minimal image from host binaries and their shared libraries'
  static override description =
    'The image has one layer holding only the binaries, their ELF shared-library closure (the dynamic loader, DT_NEEDED libraries found through RPATH/RUNPATH, ld.so.conf and the default directories), the paths given with --add, and a minimal /etc (passwd, group). Its Entrypoint is the first binary.'
  static override strict = action.strict !== false
  static override examples = ['<%= config.bin %> image from-host env /usr/bin/env', '<%= config.bin %> image from-host tools busybox --add /etc/ssl/certs']
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('image:from-host'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
