/** `tsc-box image inspect IMAGE...`: docker's image documents (crates/image/src/inspect.rs) as one JSON array. */
import action from '../../actions/image/inspect'
import {asOclifFlags, BaseCommand, oclifArgs} from '../../base-command'
import {tableFlags} from '../../cli/table'

export default class ImageInspectCommand extends BaseCommand {
  static override summary = 'Display detailed information on one or more images'
  static override strict = action.strict !== false
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('image:inspect'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
