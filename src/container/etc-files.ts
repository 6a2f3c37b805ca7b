/** Contents of the /etc files every container gets, generated per container. */

/** The lines every /etc/hosts starts with: loopback and the IPv6 multicast names, as docker writes them. */
export const HOSTS_BASE = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
  '',
].join('\n')

/** /etc/hosts of a container without a network of ours: the base lines and its own name on 127.0.1.1. */
export function hostsFile(hostname: string, domainname?: string): string {
  const fqdn = domainname ? `${hostname}.${domainname} ${hostname}` : hostname
  return `${HOSTS_BASE}127.0.1.1\t${fqdn}\n`
}

/**
 * The host's resolv.conf minus loopback nameservers, which would point into the container's
 * own (empty) network namespace instead of the host's resolver.
 */
export function resolvConf(host: string): string {
  const lines = host.split('\n').filter((l) => {
    const m = /^\s*nameserver\s+(\S+)/.exec(l)
    return !m || !(m[1].startsWith('127.') || m[1] === '::1')
  })
  const text = lines.join('\n')
  return text.endsWith('\n') || text === '' ? text : `${text}\n`
}
