/** The SDK's networks: the code of the `network` commands (src/network/admin.ts: `tsc-box-runtime net`). */
import {createNetwork, type CreateOptions, inspectNetwork, listNetworks, pruneNetworks, removeNetworks} from '../network/admin'
import {coded} from './errors'
import type {NetworkCreated, NetworkInspect} from './json'

/** `network create`'s options: IPv4 `subnet`/`gateway`, IPv6 `subnet6`/`gateway6` with `ipv6`, `labels` as KEY → VALUE. */
export type NetworkCreateOptions = CreateOptions

export class Networks {
  /**
   * A bridge network (`tsc-box network create`); containers join it with `run`'s `network` option.
   *
   * @example
   * ```ts
   * await box.networks.create('backend', {subnet: '10.89.7.0/24'})
   * await box.containers.run('host:/bin/sh', ['-c', 'ip addr'], {network: 'backend', rm: true})
   * ```
   */
  create(name: string, options: NetworkCreateOptions = {}): Promise<NetworkCreated> {
    return coded(() => createNetwork(name, options))
  }

  /** Every network with its members (`tsc-box network ls --json`). */
  list(): Promise<NetworkInspect[]> {
    return coded(() => listNetworks() as NetworkInspect[])
  }

  /** One network with its members (`tsc-box network inspect --json NAME`). */
  inspect(name: string): Promise<NetworkInspect> {
    return coded(() => inspectNetwork(name) as NetworkInspect)
  }

  /** Removes networks no running container uses (`tsc-box network rm`); resolves with their names. */
  remove(...names: string[]): Promise<string[]> {
    return coded(() => removeNetworks(names))
  }

  /** Removes every network but the default that no running container is on (`tsc-box network prune`; `filters` as its --filter); resolves with their names. */
  prune(filters: string[] = []): Promise<string[]> {
    return coded(() => pruneNetworks(filters))
  }
}
