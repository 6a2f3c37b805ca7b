/**
 * The `network` commands' side of the CLI: the work (checks, leases, bridges, nftables) is
 * done by `tsc-box-runtime net ...` in Rust; this module runs it and turns its JSON answer
 * (or its {"error":{code,message}}) into typed values or a CliError.
 */
import {childProcess} from '../lazy-modules'
import {CliError, isErrorCode} from '../errors'
import {requireRuntime} from '../runtime/locate'
import {networkDir} from './dir'
import type {PublishedPort} from './publish'

export interface NetworkInfo {
  name: string
  bridge: string
  subnet: string
  gateway: string
  /** Present on a network with IPv6. */
  subnet6?: string
  gateway6?: string
  mtu: number
  created: string
}

export interface NetworkMember {
  ip: string
  ip6?: string
  id: string
  name: string
  aliases: string[]
  veth: string
  ports: PublishedPort[]
}

export type NetworkInspect = NetworkInfo & {
  enableIPv6: boolean
  /** Why the network has no IPv6 when the host lacks it. */
  ipv6Unavailable?: string
  containers: NetworkMember[]
}

function net<T>(args: string[], input?: string): T {
  const runtime = requireRuntime()
  const r = childProcess().spawnSync(runtime, ['helper', 'net', '--dir', networkDir(), ...args], {encoding: 'utf8', input})
  if (r.error) throw new CliError('runtime_failed', `${runtime}: ${r.error.message}`)
  const line = r.stdout.trim().split('\n').pop() ?? ''
  let doc: unknown
  try {
    doc = JSON.parse(line)
  } catch {
    throw new CliError('network_failed', `tsc-box-runtime net ${args[0]} failed: ${r.stderr.trim() || `exit status ${r.status}`}`)
  }
  const err = (doc as {error?: {code?: string; message?: string}}).error
  // The runtime writes the codes of the same Rust enum; one this CLI does not know is network_failed.
  if (err) throw new CliError(isErrorCode(err.code) ? err.code : 'network_failed', err.message ?? 'network command failed')
  return doc as T
}

export interface CreateOptions {
  subnet?: string
  gateway?: string
  bridge?: string
  mtu?: number
  ipv6?: boolean
  subnet6?: string
  gateway6?: string
  labels?: Record<string, string>
}

export function createNetwork(name: string, o: CreateOptions): NetworkInfo {
  const args = ['create', name]
  if (o.subnet !== undefined) args.push('--subnet', o.subnet)
  if (o.gateway !== undefined) args.push('--gateway', o.gateway)
  if (o.ipv6) args.push('--ipv6')
  if (o.subnet6 !== undefined) args.push('--subnet6', o.subnet6)
  if (o.gateway6 !== undefined) args.push('--gateway6', o.gateway6)
  if (o.bridge !== undefined) args.push('--bridge', o.bridge)
  if (o.mtu !== undefined) args.push('--mtu', String(o.mtu))
  for (const [k, v] of Object.entries(o.labels ?? {})) args.push(`--label=${k}=${v}`)
  return net<NetworkInfo>(args)
}

export function removeNetworks(names: string[]): string[] {
  return net<string[]>(['rm', ...names])
}

/** `network prune`: the names of the networks removed (the runtime checks the filters: invalid_filter). */
export function pruneNetworks(filters: string[]): string[] {
  return net<string[]>(['prune', ...filters.map((f) => `--filter=${f}`)])
}

export function listNetworks(): NetworkInspect[] {
  return net<NetworkInspect[]>(['ls'])
}

export function inspectNetwork(name: string): NetworkInspect {
  return net<NetworkInspect>(['inspect', name])
}

/** Runs the net-attach/net-detach hook (`args[0]`, a runtime helper) by hand (connect/disconnect) with the state on stdin. */
export function runNetHook(args: string[], state: {id: string; pid: number}): void {
  const runtime = requireRuntime()
  const r = childProcess().spawnSync(runtime, ['helper', ...args], {encoding: 'utf8', input: JSON.stringify(state)})
  if (r.error) throw new CliError('runtime_failed', `${runtime}: ${r.error.message}`)
  if (r.status !== 0) {
    const msg = r.stderr.trim().replace(/^tsc-box-runtime: (network: )?/, '')
    throw new CliError('network_failed', msg || `tsc-box-runtime ${args[0]} failed with status ${r.status}`)
  }
}
