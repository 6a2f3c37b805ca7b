/**
 * `tsc-box cp CONTAINER:SRC_PATH DEST_PATH|-` and `cp SRC_PATH|- CONTAINER:DEST_PATH`:
 * docker's cp. bin/run.js normally hands it to the runtime's native front door (a running
 * container); both copy with crates/containers/src/cp.
 */
import action from '../actions/cp'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Cp extends BaseCommand {
  static override summary = 'Copy files/folders between a container and the local filesystem'
  static override description = `Use '-' as the source to read a tar archive from stdin and extract it to a directory destination in a container.
Use '-' as the destination to stream a tar archive of a container source to stdout.
Container paths are resolved inside the container's root: a symlink never leads out of it.`
  static override aliases = tableAliases('cp')
  static override usage = ['cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-', 'cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH']
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('cp'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
