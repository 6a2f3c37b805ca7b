/** `tsc-box network inspect NAME...`: definitions and members (address, ports) as JSON. */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../../base-command'
import {tableFlags} from '../../cli/table'
import {inspectNetwork, type NetworkInspect} from '../../network/admin'

export default class NetworkInspectCommand extends BaseCommand {
  static override summary = 'Show networks in detail (JSON)'
  static override strict = false
  static override args = {name: Args.string({required: true, description: 'network name; more may follow'})}
  static override flags = asOclifFlags(tableFlags('network:inspect'))

  async run(): Promise<NetworkInspect[]> {
    const {argv} = await this.parse(NetworkInspectCommand)
    const out = (argv as string[]).map(inspectNetwork)
    if (!this.jsonEnabled()) this.log(JSON.stringify(out, null, 2))
    return out
  }
}
