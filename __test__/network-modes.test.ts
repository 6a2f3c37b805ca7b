// The other network modes and per-container settings: host, none, container:ID, connect and
// disconnect of a running container, --ip, --dns, --add-host, and -d containers on a network.
import test from 'ava'
import { readFileSync } from 'node:fs'
import { makeDataRoot, tsc } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { leases, links } from './network-helpers'

const rootfs = makeRootfs()
const root = makeDataRoot()
const tag = process.pid

function ipv4Of(out: string): string[] {
  return [...out.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1]!)
}

test('--network host sees the host interfaces; none only loopback', (t) => {
  const host = tsc(root, ['run', '--rm', '--network', 'host', '--rootfs', rootfs, 'cat', '/proc/net/dev'])
  t.is(host.code, 0, host.stderr)
  const hostIfs = readFileSync('/proc/net/dev', 'utf8')
    .split('\n')
    .slice(2)
    .map((l) => l.split(':')[0]!.trim())
    .filter(Boolean)
  const seen = host.stdout
    .split('\n')
    .slice(2)
    .map((l) => l.split(':')[0]!.trim())
    .filter(Boolean)
  t.true(hostIfs.filter((i) => !i.startsWith('tsb')).every((i) => seen.includes(i)))
  const none = tsc(root, ['run', '--rm', '--network', 'none', '--rootfs', rootfs, 'cat', '/proc/net/dev'])
  t.deepEqual(
    none.stdout
      .split('\n')
      .slice(2)
      .map((l) => l.split(':')[0]!.trim())
      .filter(Boolean),
    ['lo'],
  )
})

test('--ip, --dns and --add-host on the default bridge', (t) => {
  const r = tsc(root, [
    'run',
    '--rm',
    '--network',
    'bridge',
    '--ip',
    '172.29.200.7',
    '--dns',
    '192.0.2.53',
    '--add-host',
    'db.example:192.0.2.9',
    '--hostname',
    'box1',
    '--rootfs',
    rootfs,
    'sh',
    '-c',
    'ip -4 addr show eth0; echo ---; cat /etc/resolv.conf; echo ---; cat /etc/hosts; echo ---; ip route',
  ])
  t.is(r.code, 0, r.stderr)
  const [addr, resolv, hosts, routes] = r.stdout.split('---\n') as [string, string, string, string]
  t.deepEqual(ipv4Of(addr), ['172.29.200.7'])
  t.regex(resolv, /^nameserver 192\.0\.2\.53$/m)
  t.is(resolv.match(/^nameserver/gm)!.length, 1)
  t.regex(hosts, /^192\.0\.2\.9\tdb\.example$/m)
  t.regex(hosts, /^172\.29\.200\.7\t\S+ .*box1/m)
  t.regex(routes, /^default via 172\.29\.0\.1 dev eth0/m)
})

test.serial('--network container:NAME shares the network of a running detached container', (t) => {
  const name = `netowner-${tag}`
  const d = tsc(root, ['run', '-d', '--name', name, '--network', 'bridge', '--rootfs', rootfs, 'sleep', '100'])
  t.is(d.code, 0, d.stderr)
  try {
    const own = ipv4Of(tsc(root, ['exec', name, 'ip', '-4', 'addr', 'show', 'eth0']).stdout)
    const shared = tsc(root, ['run', '--rm', '--network', `container:${name}`, '--rootfs', rootfs, 'ip', '-4', 'addr', 'show', 'eth0'])
    t.is(shared.code, 0, shared.stderr)
    t.deepEqual(ipv4Of(shared.stdout), own)
    t.is(own.length, 1)
  } finally {
    tsc(root, ['rm', '-f', name])
  }
  t.false(
    leases().some((l) => l.name === name),
    'lease left after rm -f',
  )
  const bad = tsc(root, ['run', '--rm', '--json', '--network', `container:nosuch-${tag}`, '--rootfs', rootfs, 'true'])
  t.is(bad.code, 125)
  t.is((JSON.parse(bad.stdout) as { error: { code: string } }).error.code, 'container_not_found')
})

test.serial('network connect gives a running container one more interface; disconnect takes it away', (t) => {
  const net = `conn-${tag}`
  const name = `conn-ctr-${tag}`
  t.is(tsc(root, ['network', 'create', net]).code, 0)
  t.is(tsc(root, ['run', '-d', '--name', name, '--network', 'none', '--rootfs', rootfs, 'sleep', '100']).code, 0)
  try {
    const c = tsc(root, ['network', 'connect', net, name, '--json'])
    t.is(c.code, 0, c.stderr)
    const ip = (JSON.parse(c.stdout) as { ip: string }).ip
    t.regex(ip, /^\d+\.\d+\.\d+\.\d+$/)
    t.deepEqual(ipv4Of(tsc(root, ['exec', name, 'ip', '-4', 'addr', 'show', 'eth0']).stdout), [ip])
    const again = tsc(root, ['network', 'connect', net, name, '--json'])
    t.is(again.code, 125)
    const veth = leases().find((l) => l.name === name)!.veth
    t.true(links().includes(veth))
    const dc = tsc(root, ['network', 'disconnect', net, name])
    t.is(dc.code, 0, dc.stderr)
    t.not(tsc(root, ['exec', name, 'ip', 'link', 'show', 'eth0']).code, 0, 'eth0 still there')
    t.false(links().includes(veth))
    t.false(leases().some((l) => l.name === name))
  } finally {
    tsc(root, ['rm', '-f', name])
    tsc(root, ['network', 'rm', net])
  }
})

test.serial("-P publishes the image's exposed ports on free host ports", async (t) => {
  const { makeArchive } = await import('./image-fixtures')
  const { httpGetRetry } = await import('./network-helpers')
  const { mkdirSync, writeFileSync } = await import('node:fs')
  const dir = makeRootfs()
  mkdirSync(`${dir}/www`)
  writeFileSync(`${dir}/www/index.html`, 'exposed-ok')
  const ref = `localhost/exposed-${tag}:1`
  const archive = makeArchive({ dir, name: ref, config: { ExposedPorts: { '80/tcp': {} }, Cmd: ['httpd', '-f', '-p', '80', '-h', '/www'] } })
  const load = tsc(root, ['load', '-i', archive])
  t.is(load.code, 0, load.stderr)
  const name = `exposed-${tag}`
  const d = tsc(root, ['run', '-d', '--name', name, '--network', 'bridge', '-P', ref])
  t.is(d.code, 0, d.stderr)
  try {
    const members = (
      JSON.parse(tsc(root, ['network', 'inspect', 'bridge', '--json']).stdout) as Array<{
        containers: Array<{ name: string; ports: Array<{ hostPort: number; containerPort: number; proto: string }> }>
      }>
    )[0]!.containers
    const ports = members.find((m) => m.name === name)!.ports
    t.is(ports.length, 1)
    t.is(ports[0]!.containerPort, 80)
    t.is(ports[0]!.proto, 'tcp')
    t.true(ports[0]!.hostPort > 0)
    t.is(await httpGetRetry(`http://127.0.0.1:${ports[0]!.hostPort}/`), 'exposed-ok')
  } finally {
    tsc(root, ['rm', '-f', name])
  }
})
