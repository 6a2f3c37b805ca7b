/**
 * What `tsc-box run` does for networking. Parsing and checks come first (nothing exists yet);
 * then the spec gets its network namespace (new, the host's, or another container's) and, on
 * a network, the runtime's net-attach (createRuntime) and net-detach (poststop) hooks, which
 * read the plan written next to config.json. The runtime does the netlink and nftables work:
 * Node never enters a namespace.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CliError} from '../errors'
import type {Spec} from '../oci/spec'
import {findContainerId, runningPid} from './container-ns'
import {networkDir, networkExists} from './dir'
import {hostsBase, hostsStandalone, parseAddHost, parseDns, resolvConfFor, type HostEntry} from './etc'
import type {NetworkFlags} from './flags'
import {DEFAULT_NETWORK, parseNetworkMode, type NetworkMode} from './mode'
import {exposedToPublished, parsePublish, pickFreePorts, type PublishedPort} from './publish'

/**
 * Without --network a container joins the default bridge network, as with docker; rootless
 * networking (slirp4netns/pasta) does not exist yet, so without root it gets none.
 */
export function defaultMode(uid: number = process.getuid?.() ?? 0): string {
  return uid === 0 ? DEFAULT_NETWORK : 'none'
}

export interface NetworkSetup {
  mode: NetworkMode
  ports: PublishedPort[]
  dns: string[]
  addHosts: HostEntry[]
  ip?: string
  /** container:ID: the namespace to join. */
  nsPath?: string
  /** The host-wide network directory. */
  dir: string
}

export interface PrepareContext {
  dataRoot: string
  runtime: string
  runtimeState: string
  /** The image's ExposedPorts keys ("80/tcp"), for -P. */
  exposed?: readonly string[]
  env?: NodeJS.ProcessEnv
}

/** Parses and checks the flags; throws CliError before anything is created. */
export async function prepareNetwork(flags: NetworkFlags, ctx: PrepareContext): Promise<NetworkSetup> {
  const env = ctx.env ?? process.env
  const mode = parseNetworkMode(flags.network ?? defaultMode())
  const dir = networkDir(env)
  let ports = (flags.publish ?? []).map(parsePublish)
  if (flags['publish-all']) ports = [...ports, ...exposedToPublished(ctx.exposed ?? []).filter((e) => !ports.some((p) => p.containerPort === e.containerPort && p.proto === e.proto))]
  const dns = (flags.dns ?? []).map(parseDns)
  const addHosts = (flags['add-host'] ?? []).map(parseAddHost)
  const setup: NetworkSetup = {mode, ports, dns, addHosts, dir}
  if (mode.kind !== 'network') {
    if (ports.length > 0 && mode.kind !== 'host')
      throw new CliError('invalid_publish', `ports cannot be published with --network ${flags.network}: use bridge or a network name`)
    // docker discards published ports with the host's network: the app binds them itself.
    setup.ports = []
    if (flags.ip !== undefined) throw new CliError('invalid_ip', '--ip needs a network (bridge or a network name)')
  } else {
    if ((process.getuid?.() ?? 0) !== 0)
      throw new CliError('network_rootless', `--network ${mode.name} needs root: rootless networking is not supported yet; use --network none or host`)
    if (mode.name !== DEFAULT_NETWORK && !networkExists(dir, mode.name))
      throw new CliError('network_not_found', `network ${JSON.stringify(mode.name)} not found: create it with 'tsc-box network create ${mode.name}'`)
    if (flags.ip !== undefined) setup.ip = flags.ip
    setup.ports = await pickFreePorts(ports)
  }
  if (mode.kind === 'container') {
    const id = findContainerId(ctx.dataRoot, mode.target)
    setup.nsPath = `/proc/${runningPid(ctx.runtime, ctx.runtimeState, id, mode.target)}/ns/net`
  }
  return setup
}

export function planPath(containerDir: string): string {
  return path.join(containerDir, 'network.json')
}

/** Sets the network namespace and, on a network, the hooks that plug the container in. */
export function applyNetwork(spec: Spec, setup: NetworkSetup, ctx: {runtime: string; containerDir: string}): void {
  const linux = (spec.linux ??= {})
  const nss = (linux.namespaces ??= [])
  const i = nss.findIndex((n) => n.type === 'network')
  if (setup.mode.kind === 'host') {
    if (i >= 0) nss.splice(i, 1)
    return
  }
  const netns = setup.mode.kind === 'container' ? {type: 'network' as const, path: setup.nsPath} : {type: 'network' as const}
  if (i >= 0) nss[i] = netns
  else nss.push(netns)
  if (setup.mode.kind !== 'network') return
  const plan = planPath(ctx.containerDir)
  const hooks = (spec.hooks ??= {})
  ;(hooks.createRuntime ??= []).push({path: ctx.runtime, args: ['tsc-box-runtime', 'net-attach', plan], timeout: 30})
  ;(hooks.poststop ??= []).push({path: ctx.runtime, args: ['tsc-box-runtime', 'net-detach', plan], timeout: 30})
}

export interface EtcContent {
  hosts: string
  resolvConf: string
}

export function networkEtcFiles(setup: NetworkSetup, c: {hostname: string; domainname?: string; hostResolvConf: string}): EtcContent {
  return {
    hosts: setup.mode.kind === 'network' ? hostsBase(setup.addHosts) : hostsStandalone(c.hostname, c.domainname, setup.addHosts),
    resolvConf: resolvConfFor(c.hostResolvConf, setup.dns, setup.mode.kind === 'host'),
  }
}

/** The plan net-attach reads (tsc_box_net::attach::Plan); written only on a network. */
export function writeNetworkPlan(setup: NetworkSetup, c: {containerDir: string; hostsPath: string; id: string; name: string; hostname: string; domainname?: string}): void {
  if (setup.mode.kind !== 'network') return
  const aliases = [c.hostname, c.id.slice(0, 12)]
  if (c.domainname) aliases.push(`${c.hostname}.${c.domainname}`)
  const plan = {
    dir: setup.dir,
    network: setup.mode.name,
    ...(process.env.TSC_BOX_DEFAULT_SUBNET ? {defaultSubnet: process.env.TSC_BOX_DEFAULT_SUBNET} : {}),
    name: c.name,
    aliases: [...new Set(aliases.filter((a) => a !== c.name))],
    ...(setup.ip !== undefined ? {ip: setup.ip} : {}),
    ports: setup.ports,
    hosts: c.hostsPath,
  }
  fs.writeFileSync(planPath(c.containerDir), JSON.stringify(plan), {mode: 0o600})
}
