/** `tsc-box network create NAME`: a bridge network with its own subnet (and IPv6 with --ipv6). */
import {defineAction} from '../../cli/action'
import * as net from 'node:net'
import {CliError} from '../../errors'
import {parseLabels} from '../../cli/labels'
import {createNetwork, type CreateOptions, type NetworkInfo} from '../../network/admin'

/** docker's repeatable --subnet/--gateway: at most one of each family. */
function byFamily(values: string[] | undefined, what: 'subnet' | 'gateway', isV6: (v: string) => boolean): {v4?: string; v6?: string} {
  const out: {v4?: string; v6?: string} = {}
  for (const v of values ?? []) {
    const key = isV6(v) ? 'v6' : 'v4'
    if (out[key] !== undefined) throw new CliError(`invalid_${what}`, `--${what} given twice for ${key === 'v6' ? 'IPv6' : 'IPv4'}: ${out[key]} and ${v}`)
    out[key] = v
  }
  return out
}

export default defineAction({
  args: {name: {required: true, description: 'network name'}},
  async run(cmd): Promise<NetworkInfo> {
    const {args, flags} = cmd
    const f = flags as {subnet?: string[]; gateway?: string[]; ipv6?: boolean; bridge?: string; mtu?: number; label?: string[]; 'label-file'?: string[]}
    // The family of a CIDR is that of its address; a colon marks IPv6 even when malformed,
    // so that the runtime's error names the right family.
    const subnets = byFamily(f.subnet, 'subnet', (v) => v.includes(':'))
    const gateways = byFamily(f.gateway, 'gateway', (v) => net.isIPv6(v) || v.includes(':'))
    const o: CreateOptions = {
      subnet: subnets.v4,
      gateway: gateways.v4,
      subnet6: subnets.v6,
      gateway6: gateways.v6,
      ipv6: f.ipv6,
      bridge: f.bridge,
      mtu: f.mtu,
      labels: parseLabels(f),
    }
    const created = createNetwork(args.name, o)
    if (!cmd.json) cmd.log(created.name)
    return created
  },
})
