/** `tsc-box image prune [-a]`: remove unused images and free their content. */
import action from '../../actions/image/prune'
import {asOclifFlags, BaseCommand, oclifArgs} from '../../base-command'
import {tableFlags} from '../../cli/table'

export default class ImagePrune extends BaseCommand {
  static override summary = 'Remove unused images'
  static override description = 'Without --all, removes dangling images (no reference); with --all, every image no container uses.'
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('image:prune'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
