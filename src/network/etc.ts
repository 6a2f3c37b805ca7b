/** /etc/hosts and /etc/resolv.conf contents for each network mode, with --add-host and --dns. */
import {netModule} from '../lazy-modules'
import {CliError} from '../errors'
import {HOSTS_BASE, hostsFile, resolvConf} from '../container/etc-files'

export interface HostEntry {
  name: string
  ip: string
}

export function parseAddHost(value: string): HostEntry {
  // docker accepts host:ip and host=ip; an IPv6 address has colons, so split at the first.
  const m = /^([^:=\s]+)[:=](\S+)$/.exec(value)
  if (!m || netModule().isIP(m[2]!) === 0) throw new CliError('invalid_add_host', `invalid --add-host ${JSON.stringify(value)}: expected HOST:IP`)
  return {name: m[1]!, ip: m[2]!}
}

export function parseDns(value: string): string {
  if (netModule().isIP(value) === 0) throw new CliError('invalid_dns', `invalid --dns ${JSON.stringify(value)}: not an IP address`)
  return value
}

function extraLines(extra: HostEntry[]): string {
  return extra.map((h) => `${h.ip}\t${h.name}\n`).join('')
}

/**
 * On a network the container's own line (address, name, hostname) and its peers' are added
 * by the runtime's net-attach hook, after these base lines.
 */
export function hostsBase(extra: HostEntry[]): string {
  return HOSTS_BASE + extraLines(extra)
}

/** Without a network of ours (none, host, container:ID): the core's file plus --add-host. */
export function hostsStandalone(hostname: string, domainname: string | undefined, extra: HostEntry[]): string {
  return hostsFile(hostname, domainname) + extraLines(extra)
}

/**
 * --dns replaces the host's nameservers (search and options stay); the host's loopback
 * nameservers are dropped unless the container shares the host's network namespace.
 */
export function resolvConfFor(host: string, dns: string[], sharesHostNet: boolean): string {
  const base = sharesHostNet ? (host === '' || host.endsWith('\n') ? host : `${host}\n`) : resolvConf(host)
  if (dns.length === 0) return base
  const rest = base.split('\n').filter((l) => l.trim() !== '' && !/^\s*nameserver\s/.test(l))
  const lines = [...dns.map((d) => `nameserver ${d}`), ...rest]
  return `${lines.join('\n')}\n`
}
