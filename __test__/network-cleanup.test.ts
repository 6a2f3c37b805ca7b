// Everything a container gets on a network is released on every way out: 50 run/rm cycles
// with published ports (IPv4, IPv6 and the [::1] relay where the host has IPv6) leave no veth,
// nftables table (of either family), relay process or lease, and what a killed runtime left
// is reclaimed by the next network command.
import test from 'ava'
import { readdirSync } from 'node:fs'
import { collect, makeDataRoot, tsc, tscSpawn } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { hostHasIpv6, hostVeth, leases, links, nftTable, nftTables, processesWith } from './network-helpers'

const rootfs = makeRootfs()
const root = makeDataRoot()

test.serial('50 run --rm cycles with published ports leave no veth, rule or lease', async (t) => {
  const ids: string[] = []
  for (let i = 0; i < 50; i++) {
    const v6 = hostHasIpv6() ? ['-p', '[::1]::81'] : []
    const r = tsc(root, ['run', '--rm', '--json', '--network', 'bridge', '-p', '127.0.0.1::80', '-p', '53/udp', ...v6, '--rootfs', rootfs, 'true'])
    t.is(r.code, 0, r.stderr)
    ids.push((JSON.parse(r.stdout) as { id: string }).id)
  }
  // A veth goes when its namespace is torn down, which the kernel finishes asynchronously.
  const deadline = Date.now() + 5000
  const veths = ids.map((id) => hostVeth(id, 'bridge'))
  while (links().some((l) => veths.includes(l)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  t.deepEqual(
    links().filter((l) => veths.includes(l)),
    [],
    'veths left',
  )
  const tables = new Set(ids.flatMap((id) => [`ip ${nftTable(id, 'bridge')}`, `ip6 ${nftTable(id, 'bridge')}`]))
  t.deepEqual(
    nftTables().filter((x) => tables.has(x)),
    [],
    'nftables tables left',
  )
  // The relays end with their containers' inits (a pidfd event), a moment after. Only this
  // test relays to container port 81.
  const relays = () => processesWith(']:81').filter((p) => processesWith('port-proxy').includes(p))
  const relayEnd = Date.now() + 5000
  while (relays().length > 0 && Date.now() < relayEnd) await new Promise((r) => setTimeout(r, 50))
  t.deepEqual(relays(), [], 'port relays left')
  t.deepEqual(
    leases().filter((l) => ids.includes(l.id)),
    [],
    'leases left',
  )
  t.deepEqual(readdirSync(`${root}/containers`), [], 'container directories left')
})

/** The pids of a process's children (the CLI's runtime). */
function children(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
      const { readFileSync } = require('node:fs') as typeof import('node:fs')
      return readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
    })
  } catch {
    return []
  }
}

test.serial('what a SIGKILLed runtime left (lease, port rules) is reclaimed by the next network command', async (t) => {
  const name = `crash-${process.pid}`
  const child = tscSpawn(root, ['run', '--rm', '--name', name, '--network', 'bridge', '-p', '127.0.0.1::80', '--rootfs', rootfs, 'sleep', '100'])
  const done = collect(child)
  const deadline = Date.now() + 20_000
  const ownLease = () => leases().find((l) => l.name === name)
  let lease = ownLease()
  while (!lease && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50))
    lease = ownLease()
  }
  t.truthy(lease, 'the container never got its lease')
  const runtimes = children(child.pid!)
  t.true(runtimes.length > 0)
  // The runtime dies without any cleanup; its container dies with it (PDEATHSIG).
  for (const p of runtimes) process.kill(p, 'SIGKILL')
  child.kill('SIGKILL')
  await done
  // No poststop hook ran (the runtime was killed): only a reconcile can release them. It
  // happens at any network command (another test file may run one first).
  t.is(tsc(root, ['network', 'ls']).code, 0)
  t.false(
    leases().some((l) => l.name === name),
    'lease not reclaimed',
  )
  t.false(nftTables().includes(`ip ${lease!.nftTable}`), 'port table not removed')
  t.false(links().includes(lease!.veth), 'veth left')
})
