// IPv6 where the host has it (real traffic only on loopback and in namespaces the tests make):
// the default bridge gives containers an IPv6 address and route; published ports answer on
// [::1] (relayed) and on the host's other IPv6 addresses (NAT), also from another namespace;
// outgoing IPv6 leaves through the masquerade; two containers on an --ipv6 user network reach
// each other over IPv6 by name; bad IPv6 input is refused with nothing made; and where IPv6 is
// off, networks stay IPv4-only and say why.
import test from 'ava'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import * as net from 'node:net'
import { join } from 'node:path'
import { BIN, makeDataRoot, tsc } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { serialIf } from './helpers/conditional'
import {
  docroot,
  freePort,
  hostHasIpv6,
  hostVeth,
  httpdArgs,
  httpGetRetry,
  leases,
  links,
  NET_DIR,
  nftTable,
  nftTables,
  OutsideWorld,
  processesWith,
  serveContainer,
} from './network-helpers'

const rootfs = makeRootfs()
const root = makeDataRoot()
const V6 = hostHasIpv6()
const v6test = serialIf(V6, 'the host has no IPv6')

interface Inspected {
  name: string
  subnet6?: string
  gateway6?: string
  enableIPv6: boolean
  ipv6Unavailable?: string
  containers: Array<{ id: string; name: string; ip: string; ip6?: string }>
}

function inspect(name: string, env: NodeJS.ProcessEnv = {}): Inspected {
  const r = tscEnv(['network', 'inspect', name, '--json'], env)
  if (r.code !== 0) throw new Error(r.stdout + r.stderr)
  return (JSON.parse(r.stdout) as Inspected[])[0]!
}

function tscEnv(args: string[], env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, ['--', BIN, ...args], { env: { ...process.env, TSC_BOX_ROOT: root, ...env }, encoding: 'utf8', timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

function errorCode(r: { stdout: string }): string | undefined {
  try {
    return (JSON.parse(r.stdout) as { error?: { code?: string } }).error?.code
  } catch {
    return undefined
  }
}

/** The bridge tsc_box_net::admin names for a network: "tsn" + the hash hostVeth uses. */
function bridgeOf(name: string): string {
  return `tsn${hostVeth(name, '\0bridge').slice(3)}`
}

async function leaseOf(name: string, ms = 20_000) {
  const end = Date.now() + ms
  for (;;) {
    const l = leases().find((x) => x.name === name)
    if (l || Date.now() > end) return l
    await new Promise((r) => setTimeout(r, 50))
  }
}

test.serial('the default bridge gives a container an IPv6 address, route and hosts line (or says why not)', (t) => {
  const r = tsc(root, [
    'run',
    '--rm',
    '--network',
    'bridge',
    '--rootfs',
    rootfs,
    'sh',
    '-c',
    'ip -6 addr show dev eth0 scope global; echo ---; ip -6 route show default; echo ---; cat /etc/hosts',
  ])
  t.is(r.code, 0, r.stderr)
  const bridge = inspect('bridge')
  if (!V6) {
    t.false(bridge.enableIPv6)
    t.regex(bridge.ipv6Unavailable ?? '', /IPv6/)
    t.notRegex(r.stdout.split('---')[0]!, /inet6/)
    return
  }
  t.true(bridge.enableIPv6)
  t.truthy(bridge.subnet6)
  const [addrs, route, hosts] = r.stdout.split('---')
  const m = /inet6 ([0-9a-f:]+)\/(\d+)/.exec(addrs!)
  t.truthy(m, addrs)
  const prefix = bridge.subnet6!.split('::/')[0]!
  t.true(m![1]!.startsWith(`${prefix}:`), `${m![1]} in ${bridge.subnet6}`)
  t.is(m![2], bridge.subnet6!.split('/')[1])
  t.regex(route!, new RegExp(`default via ${bridge.gateway6!.replace(/\./g, '\\.')} dev eth0`))
  t.regex(hosts!, new RegExp(`^${m![1]}\\t`, 'm'), 'its own IPv6 line in /etc/hosts')
})

v6test("a published port answers on [::1] and on the host's IPv6 addresses, also from another namespace; nothing stays after", async (t) => {
  const www = docroot('hello-v6')
  const [p1, p2] = [await freePort('::'), await freePort('::')]
  const world = new OutsideWorld(5)
  const { hostIp6 } = world.addIpv6()
  const name = `v6web-${process.pid}`
  const s = serveContainer(root, ['--name', name, '--network', 'bridge', '-p', `[::1]:${p1}:80`, '-p', `${p2}:80`, ...httpdArgs(www, rootfs)])
  let id: string | undefined
  let ip6: string | undefined
  try {
    const lease = await leaseOf(name)
    t.truthy(lease?.ip6, 'the container has an IPv6 lease')
    ip6 = lease!.ip6
    t.is(await httpGetRetry(`http://[::1]:${p1}/`), 'hello-v6')
    t.is(await httpGetRetry(`http://[::1]:${p2}/`), 'hello-v6', 'every-address publishing includes [::1]')
    t.is(await httpGetRetry(`http://[${hostIp6}]:${p2}/`), 'hello-v6', "the host's own IPv6 address")
    t.is(await httpGetRetry(`http://127.0.0.1:${p2}/`), 'hello-v6', 'IPv4 still works')
    const r = world.exec([
      'busybox',
      'sh',
      '-c',
      `for i in 1 2 3 4 5; do busybox timeout 5 busybox wget -q -O- http://[${hostIp6}]:${p2}/ && exit 0; sleep 0.3; done; exit 1`,
    ])
    t.is(r.stdout, 'hello-v6', r.stderr)
    t.true(processesWith(`[${ip6}]:80`).length > 0, 'the [::1] relay runs')
  } finally {
    id = (await s.stop()).id
    world.dispose()
  }
  t.truthy(id)
  t.false(nftTables().includes(`ip6 ${nftTable(id!, 'bridge')}`), 'IPv6 port table left')
  t.false(nftTables().includes(`ip ${nftTable(id!, 'bridge')}`), 'IPv4 port table left')
  t.false(
    leases().some((l) => l.id === id),
    'lease left',
  )
  const end = Date.now() + 5000
  while (processesWith(`[${ip6}]:80`).length > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50))
  t.deepEqual(processesWith(`[${ip6}]:80`), [], 'the relay outlived its container')
  // The port is free again on [::1].
  await new Promise<void>((res, rej) => {
    const srv = net
      .createServer()
      .once('error', rej)
      .listen(p1, '::1', () => srv.close(() => res()))
  })
})

v6test('outgoing IPv6 reaches a server in another namespace through the NAT, with the host as source', (t) => {
  const world = new OutsideWorld(6)
  try {
    const { hostIp6, nsIp6 } = world.addIpv6()
    world.serve(8000, docroot('hello-outside-v6'), true)
    const url = `http://[${nsIp6}]:8000`
    const r = tsc(root, [
      'run',
      '--rm',
      '--network',
      'bridge',
      '--rootfs',
      rootfs,
      'sh',
      '-c',
      `for i in $(seq 1 20); do timeout 3 wget -q -O- ${url}/ && break; sleep 0.2; done; echo; timeout 3 wget -q -O- ${url}/cgi-bin/ip`,
    ])
    t.is(r.code, 0, r.stderr)
    const [body, source] = r.stdout.trim().split('\n')
    t.is(body, 'hello-outside-v6')
    // The world has no route to the containers' IPv6 subnet: only the masquerade answers.
    // (busybox httpd writes an IPv6 REMOTE_ADDR in brackets.)
    t.is(source?.replace(/^\[|\]$/g, ''), hostIp6)
  } finally {
    world.dispose()
  }
})

v6test('two containers on an --ipv6 user network reach each other over IPv6, by name and address', async (t) => {
  const netName = `v6net-${process.pid}`
  const subnet6 = `fd7d:${(process.pid % 0xffff).toString(16)}::/64`
  const c = tsc(root, ['network', 'create', '--ipv6', '--subnet', subnet6, netName, '--json'])
  t.is(c.code, 0, c.stdout + c.stderr)
  t.is((JSON.parse(c.stdout) as { subnet6: string }).subnet6, subnet6)
  const web = `v6peer-${process.pid}`
  const s = serveContainer(root, [
    '--name',
    web,
    '--network',
    netName,
    '-v',
    `${docroot('hello-peer-v6')}:/www:ro`,
    '--rootfs',
    rootfs,
    'httpd',
    '-f',
    '-p',
    '80',
    '-h',
    '/www',
  ])
  try {
    const lease = await leaseOf(web)
    t.truthy(lease?.ip6)
    t.true(lease!.ip6!.startsWith(`${subnet6.split('::/')[0]!}:`))
    t.is(inspect(netName).containers.find((x) => x.name === web)?.ip6, lease!.ip6)
    const r = tsc(root, [
      'run',
      '--rm',
      '--network',
      netName,
      '--rootfs',
      rootfs,
      'sh',
      '-c',
      `grep -q "^${lease!.ip6}\t${web}" /etc/hosts || exit 3; ping -6 -c 1 -W 2 ${web} >/dev/null || exit 4; for i in $(seq 1 50); do timeout 3 wget -q -O- http://[${lease!.ip6}]/ && exit 0; sleep 0.1; done; exit 5`,
    ])
    t.is(r.code, 0, r.stderr)
    t.is(r.stdout, 'hello-peer-v6')
  } finally {
    await s.stop()
    t.is(tsc(root, ['network', 'rm', netName]).code, 0)
  }
})

test.serial('bad IPv6 input is refused with nothing made; where IPv6 is off a network stays IPv4-only and says why', async (t) => {
  const name = `v6bad-${process.pid}`
  const made = () => existsSync(join(NET_DIR, 'networks', `${name}.json`))
  for (const [args, code] of [
    [['--subnet', 'fd00:7473:6399::1/64'], 'invalid_subnet'],
    [['--subnet', 'fe80::/64'], 'invalid_subnet'],
    [['--subnet', 'fd00:zz::/64'], 'invalid_subnet'],
    [['--subnet', 'fd00:1::/64', '--subnet', 'fd00:2::/64'], 'invalid_subnet'],
    [['--ipv6', '--subnet', 'fd00:7473:6398::/64', '--gateway', 'fd00:7473:6397::1'], 'invalid_gateway'],
  ] as Array<[string[], string]>) {
    const r = tsc(root, ['network', 'create', ...args, name, '--json'])
    t.is(r.code, 125, `${args.join(' ')}: ${r.stdout}`)
    t.is(errorCode(r), code, args.join(' '))
    t.false(made(), `${args.join(' ')} left a network`)
    t.false(links().includes(bridgeOf(name)), `${args.join(' ')} left a bridge`)
  }
  if (V6) {
    // Overlapping another network's IPv6 subnet (the default network's, made by now).
    const bridge = inspect('bridge')
    const r = tsc(root, ['network', 'create', '--subnet', bridge.subnet6!, name, '--json'])
    t.is(errorCode(r), 'subnet_overlap', r.stdout)
    t.false(made())
  }
  // IPv6 turned off: --ipv6 is refused, a plain network is IPv4-only and inspect says why.
  const off = { TSC_BOX_DISABLE_IPV6: '1' }
  const r6 = tscEnv(['network', 'create', '--ipv6', name, '--json'], off)
  t.is(errorCode(r6), 'ipv6_unavailable', r6.stdout)
  t.false(made())
  t.is(tscEnv(['network', 'create', name], off).code, 0)
  try {
    const i = inspect(name, off)
    t.false(i.enableIPv6)
    t.is(i.subnet6, undefined)
    t.regex(i.ipv6Unavailable ?? '', /TSC_BOX_DISABLE_IPV6/)
    // An IPv6 address or UDP on [::1] for a container of an IPv4-only network: refused.
    const ip6 = tsc(root, ['run', '--rm', '--json', '--network', name, '--ip6', 'fd00:7473:6396::5', '--rootfs', rootfs, 'true'])
    t.is(ip6.code, 125, ip6.stdout)
    t.regex(ip6.stdout, /has no IPv6/)
    const udp = tsc(root, ['run', '--rm', '--json', '--network', name, '-p', '[::1]:5353:53/udp', '--rootfs', rootfs, 'true'])
    t.is(udp.code, 125, udp.stdout)
    t.regex(udp.stdout, /UDP on an IPv6 host address/)
    t.deepEqual(inspect(name).containers, [], 'a refused container left a lease')
  } finally {
    t.is(tsc(root, ['network', 'rm', name]).code, 0)
  }
})
