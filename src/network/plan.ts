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
import {findContainer, runningPid} from './container-ns'
import {networkDir, networkExists} from './dir'
import {hostsBase, hostsStandalone, parseAddHost, parseDns, resolvConfFor, type HostEntry} from './etc'
import type {NetworkFlags} from './flags'
import {DEFAULT_NETWORK, parseNetworkMode, type NetworkMode} from './mode'
import {exposedToPublished, parsePublish, pickFreePorts, type PublishedPort} from './publish'

/** Why user-mode networking cannot work here (no slirp4netns, no tun device), or undefined. */
export function slirpUnavailable(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!hasSlirp4netns(env)) return 'slirp4netns is not installed (Debian package slirp4netns)'
  // slirp4netns makes tap0 through /dev/net/tun, which only root can bring (modprobe tun);
  // udev makes it 0666, a host without udev leaves it 0600.
  if (!fs.existsSync('/dev/net/tun')) return 'the host has no /dev/net/tun (as root: modprobe tun)'
  try {
    fs.accessSync('/dev/net/tun', fs.constants.R_OK | fs.constants.W_OK)
  } catch {
    return '/dev/net/tun cannot be opened by this user (udev makes it mode 0666)'
  }
  return undefined
}

/** Whether slirp4netns is on PATH (rootless networking needs it). */
export function hasSlirp4netns(env: NodeJS.ProcessEnv = process.env): boolean {
  const dirs = (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':').filter((d) => d !== '')
  return dirs.some((d) => {
    try {
      fs.accessSync(path.join(d, 'slirp4netns'), fs.constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

/**
 * Without --network a container joins the default bridge network, as with docker; without
 * root it gets user-mode networking (slirp4netns) as with podman, or none where slirp4netns
 * cannot work (not installed, no tun device).
 */
export function defaultMode(uid: number = process.getuid?.() ?? 0, slirp?: boolean): string {
  if (uid === 0) return DEFAULT_NETWORK
  // Probed only without root: root's `run` needs no PATH scan or /dev/net/tun check.
  return (slirp ?? slirpUnavailable() === undefined) ? 'slirp4netns' : 'none'
}

/** slirp4netns's fixed addresses (its default 10.0.2.0/24): the container and its DNS. */
export const SLIRP_GUEST_IP = '10.0.2.100'
export const SLIRP_DNS = '10.0.2.3'

export interface NetworkSetup {
  mode: NetworkMode
  ports: PublishedPort[]
  dns: string[]
  addHosts: HostEntry[]
  ip?: string
  ip6?: string
  /** container:ID: the namespace to join. */
  nsPath?: string
  /** The host-wide network directory. */
  dir: string
}

export interface PrepareContext {
  dataRoot: string
  /** The run directory of the container store (pids, locks). */
  runDir: string
  runtime: string
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
  if (flags['publish-all'])
    ports = [...ports, ...exposedToPublished(ctx.exposed ?? []).filter((e) => !ports.some((p) => p.containerPort === e.containerPort && p.proto === e.proto))]
  const dns = (flags.dns ?? []).map(parseDns)
  const addHosts = (flags['add-host'] ?? []).map(parseAddHost)
  const setup: NetworkSetup = {mode, ports, dns, addHosts, dir}
  if (mode.kind === 'slirp4netns') {
    const why = slirpUnavailable(env)
    if (why !== undefined) throw new CliError('network_unavailable', `--network slirp4netns: ${why}`)
    if (flags.ip !== undefined || flags.ip6 !== undefined)
      throw new CliError('invalid_ip', `--ip and --ip6 need a bridge network: slirp4netns gives ${SLIRP_GUEST_IP}`)
    const v6 = ports.find((p) => p.hostIp?.includes(':'))
    if (v6) throw new CliError('invalid_publish', `slirp4netns publishes on IPv4 host addresses only: [${v6.hostIp}]:${v6.hostPort}`)
    setup.ports = await pickFreePorts(ports)
  } else if (mode.kind !== 'network') {
    if (ports.length > 0 && mode.kind !== 'host')
      throw new CliError('invalid_publish', `ports cannot be published with --network ${flags.network}: use bridge or a network name`)
    // docker discards published ports with the host's network: the app binds them itself.
    setup.ports = []
    if (flags.ip !== undefined) throw new CliError('invalid_ip', '--ip needs a network (bridge or a network name)')
    if (flags.ip6 !== undefined) throw new CliError('invalid_ip', '--ip6 needs a network (bridge or a network name)')
  } else {
    if ((process.getuid?.() ?? 0) !== 0)
      throw new CliError('network_rootless', `--network ${mode.name} needs root: without root use --network slirp4netns (the default), none or host`)
    if (mode.name !== DEFAULT_NETWORK && !networkExists(dir, mode.name))
      throw new CliError('network_not_found', `network ${JSON.stringify(mode.name)} not found: create it with 'tsc-box network create ${mode.name}'`)
    if (flags.ip !== undefined) setup.ip = flags.ip
    if (flags.ip6 !== undefined) setup.ip6 = flags.ip6
    setup.ports = await pickFreePorts(ports)
  }
  if (mode.kind === 'container') {
    const target = findContainer({dataRoot: ctx.dataRoot, runDir: ctx.runDir}, mode.target)
    setup.nsPath = `/proc/${runningPid(target, mode.target)}/ns/net`
  }
  return setup
}

export function planPath(containerDir: string): string {
  return path.join(containerDir, 'network.json')
}

/** Sets the network namespace and, on a network, the hooks that plug the container in. */
export function applyNetwork(spec: Spec, setup: NetworkSetup, ctx: {runtime: string; containerDir: string}): void {
  spec.linux ??= {}
  spec.linux.namespaces ??= []
  const nss = spec.linux.namespaces
  const i = nss.findIndex((n) => n.type === 'network')
  if (setup.mode.kind === 'host') {
    if (i >= 0) nss.splice(i, 1)
    return
  }
  const netns = setup.mode.kind === 'container' ? {type: 'network' as const, path: setup.nsPath} : {type: 'network' as const}
  if (i >= 0) nss[i] = netns
  else nss.push(netns)
  if (setup.mode.kind === 'slirp4netns') {
    // No poststop: slirp4netns ends with the container's init (tsc_box_net::slirp).
    spec.hooks ??= {}
    spec.hooks.createRuntime ??= []
    spec.hooks.createRuntime.push({path: ctx.runtime, args: ['tsc-box-runtime', 'helper', 'slirp-attach', planPath(ctx.containerDir)], timeout: 30})
    return
  }
  if (setup.mode.kind !== 'network') return
  const plan = planPath(ctx.containerDir)
  spec.hooks ??= {}
  spec.hooks.createRuntime ??= []
  spec.hooks.createRuntime.push({path: ctx.runtime, args: ['tsc-box-runtime', 'helper', 'net-attach', plan], timeout: 30})
  spec.hooks.poststop ??= []
  spec.hooks.poststop.push({path: ctx.runtime, args: ['tsc-box-runtime', 'helper', 'net-detach', plan], timeout: 30})
}

export interface EtcContent {
  hosts: string
  resolvConf: string
}

export function networkEtcFiles(setup: NetworkSetup, c: {hostname: string; domainname?: string; hostResolvConf: string}): EtcContent {
  return {
    hosts: setup.mode.kind === 'network' ? hostsBase(setup.addHosts) : hostsStandalone(c.hostname, c.domainname, setup.addHosts),
    // slirp4netns answers DNS itself on 10.0.2.3, forwarding to the host's resolvers
    // (loopback ones included), as podman writes it.
    resolvConf:
      setup.mode.kind === 'slirp4netns' && setup.dns.length === 0
        ? resolvConfFor(c.hostResolvConf, [SLIRP_DNS], false)
        : resolvConfFor(c.hostResolvConf, setup.dns, setup.mode.kind === 'host'),
  }
}

/**
 * The plan net-attach reads (tsc_box_net::attach::Plan), written only on a network; or the
 * one slirp-attach reads (tsc_box_net::slirp::SlirpPlan).
 */
export function writeNetworkPlan(
  setup: NetworkSetup,
  c: {containerDir: string; hostsPath: string; id: string; name: string; hostname: string; domainname?: string},
): void {
  if (setup.mode.kind === 'slirp4netns') {
    const slirp = {ports: setup.ports, log: path.join(c.containerDir, 'slirp4netns.log')}
    fs.writeFileSync(planPath(c.containerDir), JSON.stringify(slirp), {mode: 0o600})
    return
  }
  if (setup.mode.kind !== 'network') return
  const aliases = [c.hostname, c.id.slice(0, 12)]
  if (c.domainname) aliases.push(`${c.hostname}.${c.domainname}`)
  const plan = {
    dir: setup.dir,
    network: setup.mode.name,
    ...(process.env.TSC_BOX_DEFAULT_SUBNET ? {defaultSubnet: process.env.TSC_BOX_DEFAULT_SUBNET} : {}),
    // "none" keeps the default network IPv4-only; else its IPv6 subnet (where the host has IPv6).
    ...(process.env.TSC_BOX_DEFAULT_SUBNET6 ? {defaultSubnet6: process.env.TSC_BOX_DEFAULT_SUBNET6} : {}),
    name: c.name,
    aliases: [...new Set(aliases.filter((a) => a !== c.name))],
    ...(setup.ip !== undefined ? {ip: setup.ip} : {}),
    ...(setup.ip6 !== undefined ? {ip6: setup.ip6} : {}),
    ports: setup.ports,
    hosts: c.hostsPath,
  }
  fs.writeFileSync(planPath(c.containerDir), JSON.stringify(plan), {mode: 0o600})
}
