/** `tsc-box login REGISTRY`: check credentials against a registry and store them (0600). */
import action from '../actions/login'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableFlags} from '../cli/table'

export default class Login extends BaseCommand {
  static override summary = 'Log in to a registry (credentials are stored in the data root, mode 0600)'
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('login'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
