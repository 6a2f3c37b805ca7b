// `network prune`: docker's unused networks go, the ones a running container is on stay, and
// the filters choose among them. The network store is the host's (other test files use it at
// the same time), so every prune here is scoped by a label of this file's own.
import test from 'ava'
import { makeDataRoot, tsc } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { links } from './network-helpers'

const rootfs = makeRootfs()
const root = makeDataRoot()
const tag = `prune-${process.pid}`
const mine = `--filter=label=tsc-box-test=${tag}`

function names(): string[] {
  const r = tsc(root, ['network', 'ls', '--format', '{{.Name}}'])
  return r.stdout.split('\n').filter(Boolean)
}

function create(name: string, ...labels: string[]): void {
  const r = tsc(root, ['network', 'create', '--label', `tsc-box-test=${tag}`, ...labels.flatMap((l) => ['--label', l]), name])
  if (r.code !== 0) throw new Error(r.stderr)
}

test.serial('network prune removes the unused networks the filters select, and keeps one a running container is on', (t) => {
  const [idle, used, kept] = [`${tag}-idle`, `${tag}-used`, `${tag}-kept`]
  create(idle)
  create(used)
  create(kept, 'keep=1')
  // A network's bridge is made when a container first joins it: one came and went on idle.
  t.is(tsc(root, ['run', '--rm', '--network', idle, '--rootfs', rootfs, 'true']).code, 0)
  const ctr = `${tag}-ctr`
  t.is(tsc(root, ['run', '-d', '--name', ctr, '--network', used, '--rootfs', rootfs, 'sleep', '100']).code, 0)
  try {
    const bridgeOf = (name: string) => (JSON.parse(tsc(root, ['network', 'inspect', name, '--json']).stdout) as Array<{ bridge: string }>)[0]!.bridge
    const [usedBridge, idleBridge] = [bridgeOf(used), bridgeOf(idle)]
    t.true(links().includes(idleBridge))
    const r = tsc(root, ['network', 'prune', '-f', mine, '--filter', 'label!=keep'])
    t.is(r.code, 0, r.stderr)
    t.is(r.stdout, `Deleted Networks:\n${idle}\n\n`)
    t.false(names().includes(idle))
    t.false(links().includes(idleBridge), 'the bridge goes with the network')
    t.true(names().includes(used))
    t.true(links().includes(usedBridge))
    t.true(names().includes(kept))
    // The container's network still works: it was not touched.
    t.is(tsc(root, ['exec', ctr, 'ip', '-4', 'addr', 'show', 'eth0']).code, 0)
  } finally {
    tsc(root, ['rm', '-f', ctr])
  }
  // Its container gone, the network is unused: prune takes it, and says nothing when nothing goes.
  const r = tsc(root, ['network', 'prune', '--json', mine])
  t.is(r.code, 0, r.stderr)
  t.deepEqual((JSON.parse(r.stdout) as { networksDeleted: string[] }).networksDeleted.sort(), [kept, used].sort())
  const again = tsc(root, ['network', 'prune', '-f', mine])
  t.is(again.code, 0)
  t.is(again.stdout, '')
})

test.serial("network prune's until= keeps networks made after the time", (t) => {
  const net = `${tag}-new`
  create(net)
  const young = tsc(root, ['network', 'prune', '-f', mine, '--filter', 'until=1h'])
  t.is(young.code, 0, young.stderr)
  t.is(young.stdout, '')
  t.true(names().includes(net))
  const old = tsc(root, ['network', 'prune', '-f', mine, '--filter', 'until=0s', '--json'])
  t.deepEqual(JSON.parse(old.stdout), { networksDeleted: [net] })
})

test.serial('network prune refuses a filter it does not know, removing nothing', (t) => {
  const net = `${tag}-bad`
  create(net)
  try {
    const r = tsc(root, ['network', 'prune', '-f', mine, '--filter', 'dangling=true'])
    t.is(r.code, 125)
    t.regex(r.stderr, /dangling/)
    const j = tsc(root, ['network', 'prune', '--json', mine, '--filter', 'until=soon'])
    t.is(j.code, 125)
    t.is((JSON.parse(j.stdout) as { error: { code: string } }).error.code, 'invalid_filter')
    t.true(names().includes(net))
  } finally {
    tsc(root, ['network', 'rm', net])
  }
})
