/**
 * `tsc-box images`: the images in the store, with their sizes. bin/run.js normally hands it to
 * the runtime's native front door; both print what crates/image/src/list.rs renders.
 */
import action from '../actions/images'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Images extends BaseCommand {
  static override summary = 'List images'
  static override aliases = tableAliases('images')
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('images'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
