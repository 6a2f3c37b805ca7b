/** `tsc-box network ls`: the networks and how many containers each has. */
import {asOclifFlags, BaseCommand} from '../../base-command'
import {tableFlags} from '../../cli/table'
import {table} from '../../image/format'
import {listNetworks, type NetworkInspect} from '../../network/admin'

export default class NetworkLs extends BaseCommand {
  static override summary = 'List networks'
  static override aliases = ['network:list']
  static override flags = asOclifFlags(tableFlags('network:ls'))

  async run(): Promise<NetworkInspect[]> {
    const {flags} = await this.parse(NetworkLs)
    const nets = listNetworks()
    if (this.jsonEnabled()) return nets
    if (flags.quiet) this.log(nets.map((n) => n.name).join('\n'))
    else
      this.log(
        table(
          ['NAME', 'BRIDGE', 'SUBNET', 'IPV6 SUBNET', 'GATEWAY', 'CONTAINERS'],
          nets.map((n) => [n.name, n.bridge, n.subnet, n.subnet6 ?? '-', n.gateway, String(n.containers.length)]),
        ),
      )
    return nets
  }
}
