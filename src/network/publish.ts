/**
 * `-p/--publish [HOSTIP:][HOSTPORT:]CTRPORT[/tcp|udp]`, docker's syntax, into typed ports (the
 * shape tsc-box-runtime's net-attach reads). A missing host port gets a free one of the host.
 */
import type * as net from 'node:net'
import {netModule} from '../lazy-modules'
import {CliError} from '../errors'

export type Proto = 'tcp' | 'udp'

export interface PublishedPort {
  /** Absent: every address of the host. */
  hostIp?: string
  /** 0 until a free port is picked (see pickFreePorts). */
  hostPort: number
  containerPort: number
  proto: Proto
}

function bad(value: string, why: string): CliError {
  return new CliError('invalid_publish', `invalid -p/--publish ${JSON.stringify(value)}: ${why}`)
}

function port(value: string, s: string, what: string, allowEmpty: boolean): number {
  if (s === '' && allowEmpty) return 0
  if (!/^\d{1,5}$/.test(s)) throw bad(value, `${what} ${JSON.stringify(s)} is not a port number${s.includes('-') ? ' (port ranges are not supported)' : ''}`)
  const n = Number(s)
  if (n < 1 || n > 65535) throw bad(value, `${what} ${n} is out of range 1-65535`)
  return n
}

export function parsePublish(value: string): PublishedPort {
  let spec = value
  let proto: Proto = 'tcp'
  const slash = spec.lastIndexOf('/')
  if (slash >= 0) {
    const p = spec.slice(slash + 1)
    if (p !== 'tcp' && p !== 'udp') throw bad(value, `protocol ${JSON.stringify(p)} is not tcp or udp`)
    proto = p
    spec = spec.slice(0, slash)
  }
  // An IPv6 host address is written in brackets, as docker wants: [::1]:8080:80.
  let v6: string | undefined
  if (spec.startsWith('[')) {
    const end = spec.indexOf(']:')
    if (end < 0) throw bad(value, 'expected [IPV6]:HOSTPORT:CONTAINERPORT')
    v6 = spec.slice(1, end)
    if (!netModule().isIPv6(v6)) throw bad(value, `host address ${JSON.stringify(v6)} is not an IPv6 address`)
    spec = `v6${spec.slice(end + 1)}`
  }
  const parts = spec.split(':')
  if (parts.length > 3) throw bad(value, 'expected [HOSTIP:][HOSTPORT:]CONTAINERPORT (an IPv6 host address goes in brackets: [::1]:8080:80)')
  const containerPort = port(value, parts[parts.length - 1]!, 'container port', false)
  const hostPort = parts.length >= 2 ? port(value, parts[parts.length - 2]!, 'host port', true) : 0
  let hostIp: string | undefined
  if (parts.length === 3) {
    hostIp = v6 ?? parts[0]!
    if (v6 !== undefined) {
      // [::] is every address here, as 0.0.0.0 is (both families).
      if (/^[0:]+$/.test(hostIp)) hostIp = undefined
    } else if (netModule().isIPv4(hostIp)) {
      if (hostIp === '0.0.0.0') hostIp = undefined
    } else throw bad(value, `host address ${JSON.stringify(hostIp)} is not an IPv4 address (an IPv6 one goes in brackets)`)
  } else if (v6 !== undefined) throw bad(value, 'expected [IPV6]:HOSTPORT:CONTAINERPORT')
  return hostIp === undefined ? {hostPort, containerPort, proto} : {hostIp, hostPort, containerPort, proto}
}

/** A port the kernel hands out as free right now (bound to port 0, then closed). */
function freePort(p: PublishedPort): Promise<number> {
  return new Promise((resolve, reject) => {
    if (p.proto === 'udp') {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const dgram = require('node:dgram') as typeof import('node:dgram')
      const s = dgram.createSocket(p.hostIp !== undefined && netModule().isIPv6(p.hostIp) ? 'udp6' : 'udp4')
      s.once('error', reject)
      s.bind(0, p.hostIp ?? '0.0.0.0', () => {
        const n = s.address().port
        s.close(() => resolve(n))
      })
      return
    }
    const srv = netModule().createServer()
    srv.once('error', reject)
    srv.listen({port: 0, host: p.hostIp ?? '0.0.0.0', exclusive: true}, () => {
      const n = (srv.address() as net.AddressInfo).port
      srv.close(() => resolve(n))
    })
  })
}

/** Fills in host ports left to choose (`-p 80`, `-P`). */
export async function pickFreePorts(ports: PublishedPort[]): Promise<PublishedPort[]> {
  const out: PublishedPort[] = []
  for (const p of ports) out.push(p.hostPort === 0 ? {...p, hostPort: await freePort(p)} : p)
  return out
}

/** The ports an image exposes ("80/tcp", "53/udp"), published on free host ports (-P). */
export function exposedToPublished(exposed: readonly string[]): PublishedPort[] {
  return exposed.map((e) => {
    const m = /^(\d{1,5})(?:\/(tcp|udp))?$/.exec(e)
    if (!m) throw new CliError('invalid_image', `the image exposes an invalid port ${JSON.stringify(e)}`)
    return {hostPort: 0, containerPort: Number(m[1]), proto: (m[2] ?? 'tcp') as Proto}
  })
}
