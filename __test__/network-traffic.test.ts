// Real traffic, only on loopback and in network namespaces the tests make: a published port
// reached from the host (127.0.0.1 and its own address) and from another namespace; outgoing
// traffic through the NAT to an "outside world" namespace; containers on a user network
// finding each other by name while a container on another network cannot reach them.
import test from 'ava'
import { makeDataRoot, tsc } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { docroot, freePort, hostVeth, httpdArgs, httpGetRetry, leases, links, nftTable, nftTables, OutsideWorld, serveContainer } from './network-helpers'

const rootfs = makeRootfs()
const root = makeDataRoot()

test.serial('a published port answers on 127.0.0.1, on the host address and from another namespace; nothing stays after', async (t) => {
  const www = docroot('hello-published')
  const port = await freePort()
  const world = new OutsideWorld(1)
  const s = serveContainer(root, ['--network', 'bridge', '-p', `${port}:80`, ...httpdArgs(www, rootfs)])
  let id: string | undefined
  try {
    t.is(await httpGetRetry(`http://127.0.0.1:${port}/`), 'hello-published')
    // The host's own address on a real (non-loopback) interface: the test's veth end.
    t.is(await httpGetRetry(`http://${world.hostIp}:${port}/`), 'hello-published')
    const r = world.exec(['busybox', 'timeout', '5', 'busybox', 'wget', '-q', '-O-', `http://${world.hostIp}:${port}/`])
    t.is(r.stdout, 'hello-published', r.stderr)
  } finally {
    id = (await s.stop()).id
    world.dispose()
  }
  t.truthy(id)
  t.false(links().includes(hostVeth(id!, 'bridge')), 'host veth left')
  t.false(nftTables().includes(`ip ${nftTable(id!, 'bridge')}`), 'port table left')
  t.false(
    leases().some((l) => l.id === id),
    'lease left',
  )
})

test.serial('outgoing traffic reaches a server in another namespace through the NAT, with the host as source', async (t) => {
  const world = new OutsideWorld(2)
  try {
    world.serve(8000, docroot('hello-outside'))
    const url = `http://${world.nsIp}:8000`
    const r = tsc(root, [
      'run',
      '--rm',
      '--network',
      'bridge',
      '--rootfs',
      rootfs,
      'sh',
      '-c',
      `for i in 1 2 3 4 5 6 7 8 9 10; do timeout 3 wget -q -O- ${url}/ && break; sleep 0.2; done; echo; timeout 3 wget -q -O- ${url}/cgi-bin/ip`,
    ])
    t.is(r.code, 0, r.stderr)
    const [body, source] = r.stdout.trim().split('\n')
    t.is(body, 'hello-outside')
    // The outside world has no route to the containers' subnet: the answer came back only
    // because the container's address was masqueraded to the host's.
    t.is(source, world.hostIp)
  } finally {
    world.dispose()
  }
})

test.serial('containers on a user network reach each other by name; one on another network cannot', async (t) => {
  const a = `nt-a-${process.pid}`
  const b = `nt-b-${process.pid}`
  t.is(tsc(root, ['network', 'create', a]).code, 0)
  t.is(tsc(root, ['network', 'create', b]).code, 0)
  const web = `web-${process.pid}`
  const www = docroot('hello-by-name')
  const s = serveContainer(root, ['--name', web, '--network', a, '-v', `${www}:/www:ro`, '--rootfs', rootfs, 'httpd', '-f', '-p', '80', '-h', '/www'])
  try {
    const ok = tsc(root, [
      'run',
      '--rm',
      '--network',
      a,
      '--rootfs',
      rootfs,
      'sh',
      '-c',
      `for i in $(seq 1 50); do timeout 3 wget -q -O- http://${web}/ && exit 0; sleep 0.1; done; exit 1`,
    ])
    t.is(ok.code, 0, ok.stderr)
    t.is(ok.stdout, 'hello-by-name')
    const ip = (
      JSON.parse(tsc(root, ['network', 'inspect', a, '--json']).stdout) as Array<{ containers: Array<{ name: string; ip: string }> }>
    )[0]!.containers.find((c) => c.name === web)!.ip
    const other = tsc(root, [
      'run',
      '--rm',
      '--network',
      b,
      '--rootfs',
      rootfs,
      'sh',
      '-c',
      `grep -q ${web} /etc/hosts && echo name-known; timeout 3 wget -q -O- http://${ip}/ && echo reached; ping -c 1 -W 1 ${ip} >/dev/null && echo pinged; exit 0`,
    ])
    t.is(other.code, 0, other.stderr)
    t.is(other.stdout.trim(), '', 'a container on another network saw the server')
  } finally {
    await s.stop()
    t.is(tsc(root, ['network', 'rm', a, b]).code, 0)
  }
})
