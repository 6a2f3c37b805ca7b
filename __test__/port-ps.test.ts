// `tsc-box port` and ps's IMAGE and PORTS columns as docker prints them: `80/tcp ->
// 0.0.0.0:8080` (and the `[::]` line where the host has IPv6), one port's host addresses,
// docker's error for a port not published (exit 1, --json too), -P's chosen ports found
// with port and ps, and the same bytes from the native front door and Node.
import test from 'ava'
import { rmSync } from 'node:fs'
import { makeDataRoot, tsc, tscNode } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { ps } from './lifecycle-helpers'

const root = makeDataRoot()
const rootfs = makeRootfs()
const ref = `localhost/port-exposed:${process.pid}`
// The host has IPv6 as the network code judges it (tsc_box_net::host6).
const v6 = (() => {
  try {
    const fs = require('node:fs') as typeof import('node:fs')
    return fs.existsSync('/proc/net/if_inet6') && fs.readFileSync('/proc/sys/net/ipv6/conf/all/disable_ipv6', 'utf8').trim() === '0'
  } catch {
    return false
  }
})()

test.before(async () => {
  const { makeArchive } = await import('./image-fixtures')
  const archive = makeArchive({ dir: rootfs, name: ref, config: { ExposedPorts: { '80/tcp': {}, '53/udp': {} }, Cmd: ['sleep', '600'] } })
  const load = tsc(root, ['load', '-i', archive])
  if (load.code !== 0) throw new Error(`load: ${load.stderr}`)
  const r = tsc(root, ['run', '-d', '--name', 'web', '--network', 'bridge', '-p', '18481:80', '-p', '127.0.0.1:18482:53/udp', ref])
  if (r.code !== 0) throw new Error(`run -d: ${r.stderr}`)
})

test.after.always(() => {
  const all = ps(root).map((e) => e.id)
  if (all.length > 0) tsc(root, ['rm', '-f', ...all])
  rmSync(rootfs, { recursive: true, force: true })
})

test.serial("port lists each published port as docker does, and one port's addresses", (t) => {
  const all = tsc(root, ['port', 'web'])
  t.is(all.code, 0, all.stderr)
  const six = v6 ? '80/tcp -> [::]:18481\n' : ''
  t.is(all.stdout, `53/udp -> 127.0.0.1:18482\n80/tcp -> 0.0.0.0:18481\n${six}`)
  t.is(tsc(root, ['port', 'web', '80']).stdout, `0.0.0.0:18481\n${v6 ? '[::]:18481\n' : ''}`)
  t.is(tsc(root, ['port', 'web', '80/tcp']).stdout, tsc(root, ['port', 'web', '80']).stdout)
  t.is(tsc(root, ['port', 'web', '53/udp']).stdout, '127.0.0.1:18482\n')
})

test.serial('a port not published is an error, exit 1', (t) => {
  const r = tsc(root, ['port', 'web', '81'])
  t.is(r.code, 1)
  t.is(r.stderr, "tsc-box: No public port '81/tcp' published for web\n")
  const j = tsc(root, ['port', 'web', '53', '--json'])
  t.is(j.code, 1)
  t.deepEqual(JSON.parse(j.stdout), { error: { code: 'no_public_port', message: "No public port '53/tcp' published for web" } })
  t.is(tsc(root, ['port', 'ghost']).code, 1)
})

test.serial('ps shows the image as named and the ports', (t) => {
  const table = tsc(root, ['ps']).stdout.split('\n')
  t.regex(table[0]!, /^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$/)
  const row = table.find((l) => l.endsWith(' web'))!
  t.true(row.includes(' localhost/port-exposed:'), row)
  t.true(row.includes(`127.0.0.1:18482->53/udp, 0.0.0.0:18481->80/tcp${v6 ? ', :::18481->80/tcp' : ''}`), row)
  t.is(tsc(root, ['ps', '--format', '{{.Ports}}']).stdout.split('\n')[0], `127.0.0.1:18482->53/udp, 0.0.0.0:18481->80/tcp${v6 ? ', :::18481->80/tcp' : ''}`)
})

test.serial('-P publishes the exposed ports, and port and ps show which', (t) => {
  const r = tsc(root, ['run', '-d', '--name', 'all', '--network', 'bridge', '-P', ref])
  t.is(r.code, 0, r.stderr)
  const lines = tsc(root, ['port', 'all']).stdout.trim().split('\n')
  t.true(
    lines.some((l) => /^80\/tcp -> 0\.0\.0\.0:\d+$/.test(l)),
    lines.join('|'),
  )
  t.true(
    lines.some((l) => /^53\/udp -> 0\.0\.0\.0:\d+$/.test(l)),
    lines.join('|'),
  )
  const bindings = JSON.parse(tsc(root, ['port', 'all', '--json']).stdout) as Array<{ privatePort: number; hostPort: number }>
  const p80 = bindings.find((b) => b.privatePort === 80)!.hostPort
  t.true(p80 > 0)
  t.true(tsc(root, ['ps', '--filter', 'name=all']).stdout.includes(`0.0.0.0:${p80}->80/tcp`))
  tsc(root, ['rm', '-f', 'all'])
})

test.serial('a stopped container publishes nothing', (t) => {
  t.is(tsc(root, ['run', '--name', 'gone', '--network', 'bridge', '-p', '18483:80', ref, 'true']).code, 0)
  t.is(tsc(root, ['port', 'gone']).stdout, '')
  t.is(tsc(root, ['port', 'gone', '80']).code, 1)
})

for (const args of [
  ['port', 'web'],
  ['port', 'web', '80'],
  ['port', 'web', '81'],
  ['port', 'web', '--json'],
  ['port', 'web', '99', '--json'],
  ['port', 'ghost'],
  ['ps', '--format', '{{.Image}}|{{.Ports}}|{{.Names}}'],
]) {
  test.serial(`the native front door and Node print the same for: ${args.join(' ')}`, (t) => {
    const n = tsc(root, args)
    const j = tscNode(root, args)
    t.is(n.stdout, j.stdout)
    t.is(n.stderr, j.stderr)
    t.is(n.code, j.code)
  })
}
