import test from 'ava'
import { DEFAULT_PATH, buildSpec, type SpecInput } from '../src/oci/builder'

function input(over: Partial<SpecInput> = {}): SpecInput {
  return {
    id: 'a'.repeat(64),
    rootfs: '/srv/rootfs',
    readonly: false,
    args: ['sh', '-c', 'echo hi'],
    env: [],
    cwd: '/',
    user: { uid: 0, gid: 0, additionalGids: [], home: '/root' },
    terminal: false,
    hostname: 'aaaaaaaaaaaa',
    mounts: [],
    etcFiles: { hostname: '/c/hostname', hosts: '/c/hosts', resolvConf: '/c/resolv.conf' },
    ...over,
  }
}

test('process: args, cwd, user, default env', (t) => {
  const s = buildSpec(input({ user: { uid: 1000, gid: 100, additionalGids: [29], home: '/home/app' }, cwd: '/w' }))
  t.is(s.ociVersion, '1.2.0')
  t.deepEqual(s.process?.args, ['sh', '-c', 'echo hi'])
  t.is(s.process?.cwd, '/w')
  t.deepEqual(s.process?.user, { uid: 1000, gid: 100, additionalGids: [29] })
  t.deepEqual(s.process?.env, [DEFAULT_PATH, 'HOSTNAME=aaaaaaaaaaaa', 'HOME=/home/app'])
  t.false(s.process?.terminal)
})

test('-t adds TERM and terminal; user env overrides defaults in place', (t) => {
  const s = buildSpec(input({ terminal: true, env: ['PATH=/bin', 'A=1', 'TERM=dumb'] }))
  t.true(s.process?.terminal)
  t.deepEqual(s.process?.env, ['PATH=/bin', 'HOSTNAME=aaaaaaaaaaaa', 'TERM=dumb', 'HOME=/root', 'A=1'])
})

test('namespaces, hostname, domainname, cgroupsPath, root', (t) => {
  const s = buildSpec(input({ domainname: 'example.org', readonly: true }))
  t.deepEqual(
    s.linux?.namespaces?.map((n) => n.type),
    ['pid', 'mount', 'uts', 'ipc', 'network', 'cgroup'],
  )
  t.is(s.hostname, 'aaaaaaaaaaaa')
  t.is(s.domainname, 'example.org')
  t.is(s.linux?.cgroupsPath, `/tsc-box/${'a'.repeat(64)}`)
  t.deepEqual(s.root, { path: '/srv/rootfs', readonly: true })
  t.is(buildSpec(input()).domainname, undefined)
})

test('mounts: the defaults, /sys read-only, binds and volumes (src/volume/plan.ts made them) after them, generated /etc files', (t) => {
  const s = buildSpec(
    input({
      mounts: [
        { source: '/data', destination: '/data', type: 'bind', options: ['rbind', 'rprivate', 'ro'] },
        { source: '/w', destination: '/w', type: 'bind', options: ['rbind', 'rprivate'] },
      ],
    }),
  )
  const dests = s.mounts?.map((m) => m.destination)
  t.deepEqual(dests, [
    '/proc',
    '/dev',
    '/dev/pts',
    '/dev/shm',
    '/dev/mqueue',
    '/sys',
    '/sys/fs/cgroup',
    '/data',
    '/w',
    '/etc/hostname',
    '/etc/hosts',
    '/etc/resolv.conf',
  ])
  const byDest = new Map(s.mounts?.map((m) => [m.destination, m]))
  t.true(byDest.get('/sys')?.options?.includes('ro'))
  t.true(byDest.get('/sys/fs/cgroup')?.options?.includes('ro'))
  t.deepEqual(byDest.get('/data'), { destination: '/data', type: 'bind', source: '/data', options: ['rbind', 'rprivate', 'ro'] })
  t.false(byDest.get('/w')?.options?.includes('ro'))
  t.is(byDest.get('/etc/hosts')?.source, '/c/hosts')
  t.is(byDest.get('/etc/resolv.conf')?.source, '/c/resolv.conf')
})

test('--init binds the runtime read-only at /dev/init and prepends it', (t) => {
  const s = buildSpec(input({ init: '/opt/tsc-box-runtime' }))
  t.deepEqual(s.process?.args, ['/dev/init', '--', 'sh', '-c', 'echo hi'])
  const init = s.mounts?.find((m) => m.destination === '/dev/init')
  t.is(init?.source, '/opt/tsc-box-runtime')
  t.true(init?.options?.includes('ro'))
})

test('specs built twice do not share mutable parts', (t) => {
  const a = buildSpec(input())
  a.mounts?.[0].options?.push('x')
  a.linux?.namespaces?.pop()
  const b = buildSpec(input())
  t.false(b.mounts?.[0].options?.includes('x'))
  t.is(b.linux?.namespaces?.length, 6)
})
