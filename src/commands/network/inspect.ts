/**
 * `tsc-box network inspect NAME...`: docker's network documents (crates/containers/src/inspect/
 * network.rs) as one JSON array, or --format per network. `--json` keeps tsc-box's own
 * documented shape (the definition with its members' addresses and ports), as `ps --json` does.
 */
import action from '../../actions/network/inspect'
import {asOclifFlags, BaseCommand, oclifArgs} from '../../base-command'
import {tableFlags} from '../../cli/table'

export default class NetworkInspectCommand extends BaseCommand {
  static override summary = 'Display detailed information on one or more networks'
  static override strict = action.strict !== false
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('network:inspect'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
