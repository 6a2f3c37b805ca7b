/** `tsc-box info`: what this host offers containers, probed by the native binding. */
import action from '../actions/info'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableFlags} from '../cli/table'

export default class Info extends BaseCommand {
  static override summary = 'Show what this host supports and where tsc-box keeps its data'
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('info'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
