/** `tsc-box network create NAME`: a bridge network with its own subnet. */
import {Args} from '@oclif/core'
import {asOclifFlags, BaseCommand} from '../../base-command'
import {Flags} from '../../cli/flags'
import {createNetwork, type NetworkInfo} from '../../network/admin'

export default class NetworkCreate extends BaseCommand {
  static override summary = 'Create a network'
  static override args = {name: Args.string({required: true, description: 'network name'})}
  static override flags = asOclifFlags({
    subnet: Flags.string({description: 'subnet in CIDR format (default: a free /24 of 172.30.0.0/15)', helpValue: 'CIDR'}),
    gateway: Flags.string({description: 'IPv4 gateway of the subnet (default: its first address)', helpValue: 'IP'}),
    bridge: Flags.string({description: 'name of the bridge interface (default: tsn + a hash of the name)', helpValue: 'NAME'}),
    mtu: Flags.integer({description: 'MTU of the bridge and the containers\' interfaces (default 65520: the links never leave the host)', helpValue: 'BYTES'}),
  })

  async run(): Promise<NetworkInfo> {
    const {args, flags} = await this.parse(NetworkCreate)
    const f = flags as {subnet?: string; gateway?: string; bridge?: string; mtu?: number}
    const net = createNetwork(args.name, {subnet: f.subnet, gateway: f.gateway, bridge: f.bridge, mtu: f.mtu})
    if (!this.jsonEnabled()) this.log(net.name)
    return net
  }
}
