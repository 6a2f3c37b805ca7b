/**
 * `tsc-box port CONTAINER [PRIVATE_PORT[/PROTO]]`: a running container's published ports, as
 * docker prints them. bin/run.js normally hands it to the runtime's native front door; both
 * answer with crates/containers/src/port.rs.
 */
import action from '../actions/port'
import {asOclifFlags, BaseCommand, oclifArgs} from '../base-command'
import {tableAliases, tableFlags} from '../cli/table'

export default class Port extends BaseCommand {
  static override summary = 'List port mappings or a specific mapping for the container'
  static override aliases = tableAliases('port')
  static override args = oclifArgs(action.args)
  static override flags = asOclifFlags(tableFlags('port'))

  async run(): Promise<unknown> {
    return this.runAction(action)
  }
}
