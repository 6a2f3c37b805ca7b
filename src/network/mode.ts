/** `--network none|host|bridge|NAME|container:ID`, docker's network modes, and podman's slirp4netns. */
import {CliError} from '../errors'

export type NetworkMode =
  | {kind: 'none'}
  | {kind: 'host'}
  /** The default bridge ("bridge") or a user-defined network. */
  | {kind: 'network'; name: string}
  | {kind: 'container'; target: string}
  /** User-mode networking (rootless): slirp4netns in the container's namespaces. */
  | {kind: 'slirp4netns'}

export const DEFAULT_NETWORK = 'bridge'

export function parseNetworkMode(value: string): NetworkMode {
  if (value === 'none') return {kind: 'none'}
  if (value === 'host') return {kind: 'host'}
  if (value === 'slirp4netns') return {kind: 'slirp4netns'}
  if (value === 'bridge' || value === 'default') return {kind: 'network', name: DEFAULT_NETWORK}
  if (value.startsWith('container:')) {
    const target = value.slice('container:'.length)
    if (target === '') throw new CliError('invalid_network', '--network container: needs a container name or id')
    return {kind: 'container', target}
  }
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/.test(value))
    throw new CliError('invalid_network', `invalid --network ${JSON.stringify(value)}: use none, host, bridge, slirp4netns, container:ID or a network name`)
  return {kind: 'network', name: value}
}
