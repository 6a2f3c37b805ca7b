// The CLI's pure network logic: -p syntax, --network modes, --add-host/--dns, the /etc files
// per mode, and what applyNetwork does to the spec.
import test from 'ava'
import { applyNetwork, defaultMode, networkEtcFiles, type NetworkSetup } from '../src/network/plan'
import { parsePublish, exposedToPublished } from '../src/network/publish'
import { parseNetworkMode } from '../src/network/mode'
import { parseAddHost, parseDns, resolvConfFor } from '../src/network/etc'
import type { Spec } from '../src/oci/spec'

test("-p accepts docker's forms", (t) => {
  t.deepEqual(parsePublish('8080:80'), { hostPort: 8080, containerPort: 80, proto: 'tcp' })
  t.deepEqual(parsePublish('127.0.0.1:8080:80/udp'), { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, proto: 'udp' })
  t.deepEqual(parsePublish('127.0.0.1::80'), { hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, proto: 'tcp' })
  t.deepEqual(parsePublish('0.0.0.0:81:80'), { hostPort: 81, containerPort: 80, proto: 'tcp' })
  t.deepEqual(parsePublish('53/udp'), { hostPort: 0, containerPort: 53, proto: 'udp' })
  t.deepEqual(parsePublish('[::1]:8080:80'), { hostIp: '::1', hostPort: 8080, containerPort: 80, proto: 'tcp' })
  t.deepEqual(parsePublish('[fd00::5]::53/udp'), { hostIp: 'fd00::5', hostPort: 0, containerPort: 53, proto: 'udp' })
  t.deepEqual(parsePublish('[::]:81:80'), { hostPort: 81, containerPort: 80, proto: 'tcp' })
  for (const bad of [
    '',
    'x',
    '80:',
    ':80:80:80',
    '8000-8010:80',
    '70000:80',
    '80:0',
    '80/sctp',
    'localhost:80:80',
    '::1:80:80',
    '[::1]:80',
    '[::1:80:80',
    '[1.2.3.4]:80:80',
    '[zz::1]:80:80',
  ]) {
    const e = t.throws(() => parsePublish(bad), undefined, bad) as { code?: string }
    t.is(e.code, 'invalid_publish', bad)
  }
  t.deepEqual(
    exposedToPublished(['80/tcp', '53/udp', '8080']).map((p) => `${p.containerPort}/${p.proto}`),
    ['80/tcp', '53/udp', '8080/tcp'],
  )
})

test('--network modes', (t) => {
  t.deepEqual(parseNetworkMode('none'), { kind: 'none' })
  t.deepEqual(parseNetworkMode('host'), { kind: 'host' })
  t.deepEqual(parseNetworkMode('bridge'), { kind: 'network', name: 'bridge' })
  t.deepEqual(parseNetworkMode('default'), { kind: 'network', name: 'bridge' })
  t.deepEqual(parseNetworkMode('my-net.1'), { kind: 'network', name: 'my-net.1' })
  t.deepEqual(parseNetworkMode('container:web'), { kind: 'container', target: 'web' })
  for (const bad of ['container:', '../x', 'a b', '-x']) t.throws(() => parseNetworkMode(bad), undefined, bad)
  t.is(defaultMode(0), 'bridge')
  t.deepEqual(parseNetworkMode('slirp4netns'), { kind: 'slirp4netns' })
  t.is(defaultMode(0, true), 'bridge')
  t.is(defaultMode(1000, true), 'slirp4netns')
  t.is(defaultMode(1000, false), 'none')
})

test('--add-host, --dns and resolv.conf', (t) => {
  t.deepEqual(parseAddHost('db:10.0.0.9'), { name: 'db', ip: '10.0.0.9' })
  t.deepEqual(parseAddHost('db=10.0.0.9'), { name: 'db', ip: '10.0.0.9' })
  t.deepEqual(parseAddHost('v6:fd00::9'), { name: 'v6', ip: 'fd00::9' })
  for (const bad of ['db', 'db:', ':1.2.3.4', 'db:notanip']) t.throws(() => parseAddHost(bad), undefined, bad)
  t.is(parseDns('1.1.1.1'), '1.1.1.1')
  t.throws(() => parseDns('dns.example'))
  const host = 'search corp.example\nnameserver 127.0.0.53\nnameserver 10.0.0.2\noptions edns0\n'
  t.is(resolvConfFor(host, [], false), 'search corp.example\nnameserver 10.0.0.2\noptions edns0\n')
  t.is(resolvConfFor(host, [], true), host)
  t.is(resolvConfFor(host, ['9.9.9.9'], false), 'nameserver 9.9.9.9\nsearch corp.example\noptions edns0\n')
})

function baseSpec(): Spec {
  return { ociVersion: '1.2.0', linux: { namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'mount' }] } }
}

const setup = (mode: NetworkSetup['mode'], extra: Partial<NetworkSetup> = {}): NetworkSetup => ({ mode, ports: [], dns: [], addHosts: [], dir: '/n', ...extra })

test('applyNetwork: namespaces and hooks per mode', (t) => {
  const host = baseSpec()
  applyNetwork(host, setup({ kind: 'host' }), { runtime: '/rt', containerDir: '/c' })
  t.deepEqual(
    host.linux!.namespaces!.map((n) => n.type),
    ['pid', 'mount'],
  )
  t.is(host.hooks, undefined)

  const joined = baseSpec()
  applyNetwork(joined, setup({ kind: 'container', target: 'x' }, { nsPath: '/proc/9/ns/net' }), { runtime: '/rt', containerDir: '/c' })
  t.deepEqual(joined.linux!.namespaces![1], { type: 'network', path: '/proc/9/ns/net' })
  t.is(joined.hooks, undefined)

  const bridged = baseSpec()
  applyNetwork(bridged, setup({ kind: 'network', name: 'bridge' }), { runtime: '/rt', containerDir: '/c' })
  t.deepEqual(bridged.linux!.namespaces![1], { type: 'network' })
  t.deepEqual(bridged.hooks, {
    createRuntime: [{ path: '/rt', args: ['tsc-box-runtime', 'helper', 'net-attach', '/c/network.json'], timeout: 30 }],
    poststop: [{ path: '/rt', args: ['tsc-box-runtime', 'helper', 'net-detach', '/c/network.json'], timeout: 30 }],
  })

  const slirp = baseSpec()
  applyNetwork(slirp, setup({ kind: 'slirp4netns' }), { runtime: '/rt', containerDir: '/c' })
  t.deepEqual(slirp.linux!.namespaces![1], { type: 'network' })
  t.deepEqual(slirp.hooks, { createRuntime: [{ path: '/rt', args: ['tsc-box-runtime', 'helper', 'slirp-attach', '/c/network.json'], timeout: 30 }] })
  const etc = networkEtcFiles(setup({ kind: 'slirp4netns' }), { hostname: 'h', hostResolvConf: 'nameserver 127.0.0.53\nsearch lan\n' })
  t.is(etc.resolvConf, 'nameserver 10.0.2.3\nsearch lan\n', "slirp4netns's DNS replaces the host's loopback resolver")
})

test('/etc/hosts: names on a network come from the hook, --add-host everywhere', (t) => {
  const extra = [{ name: 'db', ip: '10.0.0.9' }]
  const onNet = networkEtcFiles(setup({ kind: 'network', name: 'bridge' }, { addHosts: extra }), { hostname: 'h', hostResolvConf: '' })
  t.regex(onNet.hosts, /^127\.0\.0\.1\tlocalhost$/m)
  t.regex(onNet.hosts, /^10\.0\.0\.9\tdb$/m)
  t.notRegex(onNet.hosts, /\th$/m)
  const none = networkEtcFiles(setup({ kind: 'none' }, { addHosts: extra }), { hostname: 'h', hostResolvConf: '' })
  t.regex(none.hosts, /^127\.0\.1\.1\th$/m)
  t.regex(none.hosts, /^10\.0\.0\.9\tdb$/m)
})
