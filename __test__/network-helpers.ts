// Shared by the network tests: what a container may leave on the host's network (veths,
// nftables tables, leases), the network directory, free ports, containers serving in the
// background, and servers in namespaces the tests make.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs'
import * as http from 'node:http'
import * as net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { collect, tscSpawn } from './helpers/cli'

export const NET_DIR = process.env.TSC_BOX_NETWORK_DIR ?? '/var/lib/tsc-box/network'

/** Host interface names right now. */
export function links(): string[] {
  return readdirSync('/sys/class/net')
}

/** Whether the host has IPv6 (what tsc_box_net::host6 checks). */
export function hostHasIpv6(): boolean {
  try {
    return existsSync('/proc/net/if_inet6') && readFileSync('/proc/sys/net/ipv6/conf/all/disable_ipv6', 'utf8').trim() === '0'
  } catch {
    return false
  }
}

/** The pids of running processes whose command line contains `needle`. */
export function processesWith(needle: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(needle)
      } catch {
        return false
      }
    })
    .map(Number)
}

/** nftables tables right now ("ip tsc-box", ...). */
export function nftTables(): string[] {
  const r = spawnSync('nft', ['list', 'tables'], { encoding: 'utf8' })
  return r.stdout
    .split('\n')
    .map((l) => l.replace(/^table /, '').trim())
    .filter(Boolean)
}

interface LeaseDoc {
  leases: Array<{ id: string; name: string; ip: string; ip6?: string; veth: string; nftTable: string | null }>
}

/** Every lease of every network. */
export function leases(): LeaseDoc['leases'] {
  const dir = join(NET_DIR, 'leases')
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => {
      try {
        return (JSON.parse(readFileSync(join(dir, f), 'utf8')) as LeaseDoc).leases
      } catch {
        return []
      }
    })
}

// The names tsc_box_net::names derives from a container id and network (FNV-1a 64 over
// "id\0network\0"): recomputed here so a test can look for them after the container is gone.
function fnv(parts: string[]): bigint {
  let h = 0xcbf29ce484222325n
  for (const p of parts) {
    for (const b of [...Buffer.from(p), 0]) {
      h ^= BigInt(b)
      h = (h * 0x100000001b3n) & 0xffffffffffffffffn
    }
  }
  return h
}
export function hostVeth(id: string, network: string): string {
  return `tsb${(fnv([id, network]) & 0xffffffffffffn).toString(16).padStart(12, '0')}`
}
export function nftTable(id: string, network: string): string {
  return `tsc-box-c-${fnv([id, network]).toString(16).padStart(16, '0')}`
}

/**
 * A TCP port free on `host` right now (the kernel picks it; it is closed again before use).
 * '::' gives one free on every IPv4 and IPv6 address (a dual-stack socket).
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((res, rej) => {
    const s = net.createServer()
    s.once('error', rej)
    s.listen({ port: 0, host, ipv6Only: false }, () => {
      const p = (s.address() as net.AddressInfo).port
      s.close(() => res(p))
    })
  })
}

/**
 * `tsc-box run --rm --init --json ARGS` in the background with data root `root`; stop() ends it
 * with SIGTERM and gives the id from its --json result, to look for what it may have left.
 */
export function serveContainer(root: string, args: string[]) {
  const child = tscSpawn(root, ['run', '--rm', '--init', '--json', ...args])
  const done = collect(child)
  return {
    async stop() {
      child.kill('SIGTERM')
      const r = await done
      return JSON.parse(r.stdout.trim().split('\n').pop() || '{}') as { id?: string }
    },
  }
}

/** A GET on the host, with a timeout; resolves with the body or rejects. */
export function httpGet(url: string, ms = 5000): Promise<string> {
  return new Promise((res, rej) => {
    const req = http.get(url, { timeout: ms }, (r) => {
      let body = ''
      r.setEncoding('utf8')
        .on('data', (d: string) => (body += d))
        .on('end', () => res(body))
    })
    req.on('timeout', () => req.destroy(new Error(`timeout fetching ${url}`)))
    req.on('error', rej)
  })
}

/** Retries httpGet until it answers (the server in the container takes a moment to start; long in the emulated cgroup v2 guest). */
export async function httpGetRetry(url: string, ms = 60_000): Promise<string> {
  const end = Date.now() + ms
  for (;;) {
    try {
      return await httpGet(url, 2000)
    } catch (e) {
      if (Date.now() > end) throw e
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

/** The arguments that run busybox httpd on port 80 in `rootfs`, serving the host's `www` (a docroot()). */
export function httpdArgs(www: string, rootfs: string): string[] {
  return ['-v', `${www}:/www:ro`, '--rootfs', rootfs, 'httpd', '-f', '-p', '80', '-h', '/www']
}

/** A docroot whose /cgi-bin/ip answers the client's address, and whose index says `text`. */
export function docroot(text: string): string {
  const d = mkdtempSync(join(tmpdir(), 'tsc-box-www-'))
  writeFileSync(join(d, 'index.html'), text)
  mkdirSync(join(d, 'cgi-bin'))
  writeFileSync(join(d, 'cgi-bin', 'ip'), '#!/bin/busybox sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%s\\n" "$REMOTE_ADDR"\n')
  chmodSync(join(d, 'cgi-bin', 'ip'), 0o755)
  return d
}

/**
 * A network namespace standing in for the outside world: joined to the host by a veth,
 * host side HOST_IP/24, namespace side NS_IP/24, no route back to the containers' subnets
 * (so only NAT'ed traffic can get an answer).
 */
export class OutsideWorld {
  readonly ns: string
  readonly hostIf: string
  readonly hostIp: string
  readonly nsIp: string
  private server?: ChildProcess

  constructor(tag: number) {
    const n = ((process.pid + tag) % 200) + 20
    this.ns = `tsbt-out-${process.pid}-${tag}`
    this.hostIf = `tsbto${process.pid % 100000}${tag}`.slice(0, 15)
    this.hostIp = `198.18.${n}.1`
    this.nsIp = `198.18.${n}.2`
    const ip = (...a: string[]) => execFileSync('ip', a, { stdio: 'pipe' })
    ip('netns', 'add', this.ns)
    ip('link', 'add', this.hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.ns)
    ip('addr', 'add', `${this.hostIp}/24`, 'dev', this.hostIf)
    ip('link', 'set', this.hostIf, 'up')
    ip('-n', this.ns, 'addr', 'add', `${this.nsIp}/24`, 'dev', 'eth0')
    ip('-n', this.ns, 'link', 'set', 'eth0', 'up')
    ip('-n', this.ns, 'link', 'set', 'lo', 'up')
  }

  /** busybox httpd inside the namespace on NS_IP:port (every address with `everywhere`: IPv6 too). */
  serve(port: number, root: string, everywhere = false): void {
    this.server = spawn('ip', ['netns', 'exec', this.ns, 'busybox', 'httpd', '-f', '-p', everywhere ? String(port) : `${this.nsIp}:${port}`, '-h', root], {
      stdio: 'ignore',
    })
  }

  /** IPv6 on the link too (a unique local /64 of its own, no route back to the containers). */
  addIpv6(): { hostIp6: string; nsIp6: string } {
    const n = ((process.pid % 0xfff) << 4) | (Number(this.ns.split('-').pop()) & 0xf)
    const hostIp6 = `fd7e:${n.toString(16)}::1`
    const nsIp6 = `fd7e:${n.toString(16)}::2`
    const ip = (...a: string[]) => execFileSync('ip', a, { stdio: 'pipe' })
    ip('-6', 'addr', 'add', `${hostIp6}/64`, 'dev', this.hostIf, 'nodad')
    ip('-n', this.ns, '-6', 'addr', 'add', `${nsIp6}/64`, 'dev', 'eth0', 'nodad')
    return { hostIp6, nsIp6 }
  }

  /** Runs a command inside the namespace. */
  exec(args: string[]): { code: number | null; stdout: string; stderr: string } {
    const r = spawnSync('ip', ['netns', 'exec', this.ns, ...args], { encoding: 'utf8', timeout: 20_000 })
    return { code: r.status, stdout: r.stdout, stderr: r.stderr }
  }

  dispose(): void {
    if (this.server?.pid) this.server.kill('SIGKILL')
    spawnSync('ip', ['link', 'del', this.hostIf])
    spawnSync('ip', ['netns', 'del', this.ns])
  }
}
