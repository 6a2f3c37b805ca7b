// Bad network input is refused with exit 125, a clear message and a stable code, and leaves
// nothing half-made: no network, no container, no lease, no veth.
import test from 'ava'
import * as net from 'node:net'
import { readdirSync, existsSync } from 'node:fs'
import { collect, makeDataRoot, tsc, tscSpawn, waitForOutput, type Result } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { leases, links } from './network-helpers'

const rootfs = makeRootfs()
const root = makeDataRoot()
const tag = `${process.pid}`

function errorOf(r: Result): { code: string; message: string } {
  return (JSON.parse(r.stdout) as { error: { code: string; message: string } }).error
}

function networks(): string[] {
  return (JSON.parse(tsc(root, ['network', 'ls', '--json']).stdout) as Array<{ name: string }>).map((n) => n.name)
}

function noContainersLeft(t: import('ava').ExecutionContext) {
  t.deepEqual(existsSync(`${root}/containers`) ? readdirSync(`${root}/containers`) : [], [], 'container left')
}

for (const [what, subnet, code] of [
  ['a bad CIDR', '10.1.2.3/33', 'invalid_subnet'],
  ['a CIDR with host bits', '10.1.2.3/24', 'invalid_subnet'],
  ['not a CIDR', 'banana', 'invalid_subnet'],
] as const) {
  test(`network create refuses ${what}`, (t) => {
    const name = `bad-${tag}-${code}-${subnet.length}`
    const r = tsc(root, ['network', 'create', name, '--subnet', subnet, '--json'])
    t.is(r.code, 125)
    t.is(errorOf(r).code, code)
    t.true(errorOf(r).message.includes(subnet))
    t.false(networks().includes(name))
  })
}

test.serial('an overlapping subnet is refused and the first network stays as it was', (t) => {
  const a = `ovl-a-${tag}`
  const first = tsc(root, ['network', 'create', a, '--json'])
  t.is(first.code, 0, first.stderr)
  const subnet = (JSON.parse(first.stdout) as { subnet: string }).subnet
  const r = tsc(root, ['network', 'create', `ovl-b-${tag}`, '--subnet', subnet, '--json'])
  t.is(r.code, 125)
  t.is(errorOf(r).code, 'subnet_overlap')
  t.regex(errorOf(r).message, new RegExp(`overlaps network "${a}"`))
  t.false(networks().includes(`ovl-b-${tag}`))
  t.is(tsc(root, ['network', 'rm', a]).code, 0)
})

test.serial('a published port already in use on the host is refused before the container starts', async (t) => {
  const srv = net.createServer()
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', () => res()))
  const port = (srv.address() as net.AddressInfo).port
  const name = `busy-${tag}`
  const linksBefore = links()
  try {
    const r = tsc(root, ['run', '--rm', '--name', name, '--network', 'bridge', '-p', `${port}:80`, '--rootfs', rootfs, 'sh', '-c', 'echo started'])
    t.is(r.code, 125)
    t.regex(r.stderr, new RegExp(`port ${port}->80/tcp is already in use`))
    t.false(r.stdout.includes('started'))
  } finally {
    srv.close()
  }
  t.false(leases().some((l) => l.name === name))
  t.deepEqual(
    links()
      .filter((l) => !linksBefore.includes(l) && l.startsWith('tsb'))
      .filter((l) => leases().every((x) => x.veth !== l)),
    [],
  )
  noContainersLeft(t)
})

test.serial('a port another container publishes is refused', async (t) => {
  const child = tscSpawn(root, [
    'run',
    '--rm',
    '--init',
    '--network',
    'bridge',
    '-p',
    '127.0.0.1::80',
    '--rootfs',
    rootfs,
    'sh',
    '-c',
    'echo up; exec sleep 100',
  ])
  const done = collect(child)
  await waitForOutput(child, (s) => s.includes('up'))
  const mine = leases().filter((l) => (l as unknown as { ports: Array<{ hostPort: number }> }).ports.length > 0)
  const port = (mine.at(-1) as unknown as { ports: Array<{ hostPort: number }> }).ports[0]!.hostPort
  const r = tsc(root, ['run', '--rm', '--network', 'bridge', '-p', `${port}:80`, '--rootfs', rootfs, 'true'])
  child.kill('SIGTERM')
  await done
  t.is(r.code, 125)
  t.regex(r.stderr, /is already published by container/)
})

test('the default network cannot be removed', (t) => {
  const r = tsc(root, ['network', 'rm', 'bridge', '--json'])
  t.is(r.code, 125)
  t.is(errorOf(r).code, 'network_default')
  t.true(networks().includes('bridge'))
})

test('an unknown network is refused with network_not_found', (t) => {
  const r = tsc(root, ['run', '--rm', '--json', '--network', `nope-${tag}`, '--rootfs', rootfs, 'true'])
  t.is(r.code, 125)
  t.is(errorOf(r).code, 'network_not_found')
  t.regex(errorOf(r).message, /not found/)
})

for (const [what, args, code] of [
  ['a bad -p', ['-p', '80:80:80:80'], 'invalid_publish'],
  ['a -p with a port out of range', ['-p', '70000:80'], 'invalid_publish'],
  ['a -p with an unknown protocol', ['-p', '80/sctp'], 'invalid_publish'],
  ['-p with --network none', ['--network', 'none', '-p', '8080:80'], 'invalid_publish'],
  ['a bad --network', ['--network', 'a/b'], 'invalid_network'],
  ['a bad --dns', ['--dns', '1.2.3'], 'invalid_dns'],
  ['a bad --add-host', ['--add-host', 'justaname'], 'invalid_add_host'],
  ['--ip without a network', ['--network', 'none', '--ip', '10.0.0.2'], 'invalid_ip'],
] as const) {
  test(`run refuses ${what}`, (t) => {
    const r = tsc(root, ['run', '--rm', '--json', ...args, '--rootfs', rootfs, 'true'])
    t.is(r.code, 125, r.stderr)
    t.is(errorOf(r).code, code)
  })
}

test.serial('an --ip outside the subnet is refused and leaves nothing', (t) => {
  const name = `badip-${tag}`
  const r = tsc(root, ['run', '--rm', '--name', name, '--network', 'bridge', '--ip', '10.254.254.254', '--rootfs', rootfs, 'true'])
  t.is(r.code, 125)
  t.regex(r.stderr, /10\.254\.254\.254 is not a host address of network "bridge"/)
  t.false(leases().some((l) => l.name === name))
  noContainersLeft(t)
})

test.serial('removing a network in use is refused and the network keeps working', async (t) => {
  const n = `inuse-${tag}`
  t.is(tsc(root, ['network', 'create', n]).code, 0)
  const child = tscSpawn(root, ['run', '--rm', '--init', '--name', `user-${tag}`, '--network', n, '--rootfs', rootfs, 'sh', '-c', 'echo up; exec sleep 100'])
  const done = collect(child)
  await waitForOutput(child, (s) => s.includes('up'))
  const r = tsc(root, ['network', 'rm', n, '--json'])
  t.is(r.code, 125)
  t.is(errorOf(r).code, 'network_in_use')
  t.regex(errorOf(r).message, new RegExp(`user-${tag}`))
  t.true(networks().includes(n))
  child.kill('SIGTERM')
  await done
  t.is(tsc(root, ['network', 'rm', n]).code, 0)
  t.false(networks().includes(n))
})
