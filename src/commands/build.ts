/** `tsc-box build [OPTIONS] CONTEXT`: an image from a Dockerfile (src/build). */
import action from '../actions/build'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Build extends BaseCommand {
  static override summary = 'Build an image from a Dockerfile'
  static override aliases = tableAliases('build')
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('build'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
