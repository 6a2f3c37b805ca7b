/** `tsc-box network rm NAME...`: refused for a network a running container uses. */
import {asOclifFlags, BaseCommand} from '../../base-command'
import {tableFlags} from '../../cli/table'
import {Args} from '@oclif/core'
import {removeNetworks} from '../../network/admin'

export default class NetworkRm extends BaseCommand {
  static override summary = 'Remove one or more networks'
  static override aliases = ['network:remove']
  static override strict = false
  static override args = {name: Args.string({required: true, description: 'network name; more may follow'})}
  static override flags = asOclifFlags(tableFlags('network:rm'))

  async run(): Promise<string[]> {
    const {argv} = await this.parse(NetworkRm)
    const removed = removeNetworks(argv as string[])
    if (!this.jsonEnabled()) this.log(removed.join('\n'))
    return removed
  }
}
