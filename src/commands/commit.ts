/**
 * `tsc-box commit CONTAINER [REPOSITORY[:TAG]]`: a new image of a container's changes: its
 * overlay's upper directory as one more layer (the same layer making as `build`) over its
 * image's, and its image's config with `--change` instructions applied.
 */
import action from '../actions/commit'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Commit extends BaseCommand {
  static override summary = "Create a new image from a container's changes"
  static override aliases = tableAliases('commit')
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('commit'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
