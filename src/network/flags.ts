/** The network flags of `tsc-box run`, spread into run's flags by src/run/flags.ts. */
import {Flags, type ParsedFlags} from '../cli/flags'

const group = 'Network'

export const flags = {
  network: Flags.string({
    helpGroup: group,
    description:
      'connect the container to a network: none, host, bridge (the default network; the default as root), NAME, container:ID, or slirp4netns (user-mode networking; the default without root)',
    helpValue: 'MODE',
    env: 'TSC_BOX_NETWORK',
  }),
  publish: Flags.string({
    char: 'p',
    multiple: true,
    helpGroup: group,
    description: "publish a container's port to the host ([HOSTIP:][HOSTPORT:]CTRPORT[/tcp|udp])",
    helpValue: 'PORT',
  }),
  'publish-all': Flags.boolean({char: 'P', helpGroup: group, description: 'publish all exposed ports to free host ports'}),
  dns: Flags.string({multiple: true, helpGroup: group, description: 'set a custom DNS server', helpValue: 'IP'}),
  'add-host': Flags.string({multiple: true, helpGroup: group, description: 'add a custom host-to-IP mapping (host:ip)', helpValue: 'HOST:IP'}),
  ip: Flags.string({helpGroup: group, description: 'IPv4 address of the container on its network', helpValue: 'IP'}),
  ip6: Flags.string({helpGroup: group, description: 'IPv6 address of the container on its network (one with IPv6)', helpValue: 'IPV6'}),
}

export type NetworkFlags = Partial<ParsedFlags<typeof flags>>
