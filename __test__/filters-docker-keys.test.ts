// --filter with docker's keys and rules on ps, images, network ls and the prune commands:
// values of one key OR, different keys AND (labels: every value must match); an unknown key
// is docker's "invalid filter 'x'" with status 125 (and the --json error object), from both
// doors; a value a key cannot take is refused before anything is listed or removed.
import test from 'ava'
import { serialIf } from './helpers/conditional'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeDataRoot, tsc, tscNode } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { makeArchive } from './image-fixtures'
import { ps, sleep } from './lifecycle-helpers'

const root = makeDataRoot()
const rootfs = makeRootfs()

const names = (args: string[]) => {
  const r = tsc(root, ['ps', '-a', '--format', '{{.Names}}', ...args])
  if (r.code !== 0) throw new Error(`ps ${args.join(' ')}: ${r.stderr}`)
  return r.stdout.split('\n').filter(Boolean).sort()
}

test.before(async () => {
  const load = (name: string, labels: Record<string, string>) =>
    tsc(root, ['load', '-i', makeArchive({ dir: rootfs, name, config: { Cmd: ['sh'], Labels: labels }, compression: 'none' })])
  for (const [name, labels] of [
    ['localhost/base:1', { tier: 'base' }],
    ['localhost/app:1', { tier: 'app', team: 'a' }],
  ] as const) {
    const r = load(name, labels)
    if (r.code !== 0) throw new Error(`load ${name}: ${r.stderr}`)
  }
  // A second name of the base image (ancestor= resolves either to the image).
  if (tsc(root, ['tag', 'localhost/base:1', 'localhost/alias:7']).code !== 0) throw new Error('tag')
  const run = (args: string[]) => {
    const r = tsc(root, ['run', ...args])
    if (r.code !== 0 && !args.includes('exit 3')) throw new Error(`run ${args.join(' ')}: ${r.stderr}`)
  }
  run(['-d', '--name', 'one', '-l', 'env=prod', '-l', 'team=a', '--network', 'none', 'localhost/app:1', 'sleep', '1000'])
  await sleep(20)
  run(['--name', 'two', '-l', 'env=dev', '--network', 'none', '-v', `${rootfs}:/mnt`, 'localhost/base:1', 'sh', '-c', 'exit 3'])
  await sleep(20)
  run(['--name', 'three', '--network', 'none', '--mount', 'type=volume,source=filtervol,target=/data', '--rootfs', rootfs, 'true'])
})

test.after.always(() => {
  const all = ps(root).map((e) => e.id)
  if (all.length > 0) tsc(root, ['rm', '-f', ...all])
  rmSync(rootfs, { recursive: true, force: true })
})

test('ps: each key', (t) => {
  t.deepEqual(names(['--filter', 'label=env']), ['one', 'two'])
  t.deepEqual(names(['--filter', 'label=env=prod']), ['one'])
  // The image's labels are the container's too.
  t.deepEqual(names(['--filter', 'label=tier=base']), ['two'])
  t.deepEqual(names(['--filter', 'ancestor=localhost/app:1']), ['one'])
  t.deepEqual(names(['--filter', 'ancestor=localhost/base:1']), ['two'])
  // As docker's: a name is an image reference (without a tag, :latest, which is none here).
  t.deepEqual(names(['--filter', 'ancestor=localhost/base']), [])
  const baseId = (JSON.parse(tsc(root, ['image', 'inspect', 'localhost/base:1']).stdout) as Array<{ Id: string }>)[0]!.Id
  t.deepEqual(names(['--filter', `ancestor=${baseId.slice(7, 19)}`]), ['two'])
  // Another name of the same image finds it too: docker resolves the value to an image.
  t.deepEqual(names(['--filter', 'ancestor=localhost/alias:7']), ['two'])
  t.deepEqual(names(['--filter', 'before=three']), ['one', 'two'])
  t.deepEqual(names(['--filter', 'since=one']), ['three', 'two'])
  t.deepEqual(names(['--filter', 'status=running']), ['one'])
  t.deepEqual(names(['--filter', 'status=exited']), ['three', 'two'])
  t.deepEqual(names(['--filter', 'exited=3']), ['two'])
  t.deepEqual(names(['--filter', 'name=tw']), ['two'])
  const id = tsc(root, ['inspect', '-f', '{{.Id}}', 'three']).stdout.trim()
  t.deepEqual(names(['--filter', `id=${id.slice(0, 8)}`]), ['three'])
  t.deepEqual(names(['--filter', 'network=none']), ['one', 'three', 'two'])
  t.deepEqual(names(['--filter', 'volume=/mnt']), ['two'])
  t.deepEqual(names(['--filter', `volume=${rootfs}`]), ['two'])
  t.deepEqual(names(['--filter', 'volume=filtervol']), ['three'])
  t.deepEqual(names(['--filter', 'volume=/data']), ['three'])
  // Without -a, status= and exited= still show stopped containers, as docker's.
  t.is(tsc(root, ['ps', '--filter', 'exited=3', '--format', '{{.Names}}']).stdout, 'two\n')
})

test('ps: values of one key OR, keys AND, label values AND', (t) => {
  t.deepEqual(names(['--filter', 'name=one', '--filter', 'name=two']), ['one', 'two'])
  t.deepEqual(names(['--filter', 'name=one', '--filter', 'name=two', '--filter', 'status=exited']), ['two'])
  t.deepEqual(names(['--filter', 'label=env', '--filter', 'label=team=a']), ['one'])
})

test('images: each key', (t) => {
  const repos = (args: string[]) =>
    tsc(root, ['images', '--format', '{{.Repository}}:{{.Tag}}', ...args])
      .stdout.split('\n')
      .filter(Boolean)
      .sort()
  t.deepEqual(repos(['--filter', 'reference=localhost/app*']), ['localhost/app:1'])
  t.deepEqual(repos(['--filter', 'reference=*/base:1']), ['localhost/base:1'])
  t.deepEqual(repos(['--filter', 'label=tier=app']), ['localhost/app:1'])
  t.deepEqual(repos(['--filter', 'label=tier']), ['localhost/alias:7', 'localhost/app:1', 'localhost/base:1'])
  t.deepEqual(repos(['--filter', 'dangling=true']), [])
  t.deepEqual(repos(['--filter', 'dangling=false']), ['localhost/alias:7', 'localhost/app:1', 'localhost/base:1'])
  // The fixtures have no creation time: before/since name an image and compare them.
  t.is(tsc(root, ['images', '--filter', 'before=localhost/app:1']).code, 0)
  t.is(tsc(root, ['images', '--filter', 'since=localhost/nope:1']).code, 125)
  t.deepEqual(repos(['-f', 'reference=localhost/app*', '-f', 'reference=localhost/base*']), ['localhost/app:1', 'localhost/base:1'])
  t.deepEqual(repos(['-f', 'reference=localhost/app*', '-f', 'label=tier=base']), [])
})

test('network ls: name, id, label, driver', (t) => {
  const r = tsc(root, ['network', 'ls', '--filter', 'name=no-such-net', '--format', '{{.Name}}'])
  t.is(r.code, 0)
  t.is(r.stdout, '')
  t.is(tsc(root, ['network', 'ls', '--filter', 'driver=macvlan', '-q']).stdout, '')
  t.is(tsc(root, ['network', 'ls', '--filter', 'label=x', '-q']).stdout, '')
  t.is(tsc(root, ['network', 'ls', '--filter', 'id=ffff', '-q']).code, 0)
})

// Networks need root (bridges, nftables).
serialIf(process.getuid?.() === 0, 'needs root: a network is a bridge on the host')(
  'network create --label: the network keeps it; inspect shows it, ls filters and formats by it',
  (t) => {
    // A network directory of its own: its bridge is this test's alone.
    const env = { TSC_BOX_NETWORK_DIR: mkdtempSync(join(tmpdir(), 'tsc-box-netdir-')) }
    const name = `lab${process.pid % 10000}`
    const made = tsc(root, ['network', 'create', '--subnet', '172.31.254.0/24', '--label', 'team=a', '--label', 'tier', name], '', env)
    t.is(made.code, 0, made.stderr)
    try {
      t.is(tsc(root, ['network', 'inspect', '-f', '{{json .Labels}} {{len .Id}} {{.Driver}}', name], '', env).stdout, '{"team":"a","tier":""} 64 bridge\n')
      t.is(tsc(root, ['network', 'ls', '-q', '--filter', 'label=team=a'], '', env).stdout, `${name}\n`)
      t.is(tsc(root, ['network', 'ls', '-q', '--filter', 'label=team=b'], '', env).stdout, '')
      t.is(tsc(root, ['network', 'ls', '-q', '--filter', `name=${name}`, '--filter', 'driver=bridge'], '', env).stdout, `${name}\n`)
      const id = tsc(root, ['network', 'inspect', '-f', '{{.Id}}', name], '', env).stdout.trim()
      t.is(tsc(root, ['network', 'ls', '-q', '--filter', `id=${id.slice(0, 10)}`], '', env).stdout, `${name}\n`)
      t.is(
        tsc(root, ['network', 'ls', '--filter', 'label=team', '--format', '{{.Name}} {{.Label "team"}} {{.Labels}}'], '', env).stdout,
        `${name} a team=a,tier=\n`,
      )
      t.is(tsc(root, ['inspect', '-f', '{{.Name}}', name], '', env).stdout, `${name}\n`)
      const listed = JSON.parse(tsc(root, ['network', 'ls', '--json', '--filter', 'label=team=a'], '', env).stdout) as Array<{ name: string; labels?: unknown }>
      t.deepEqual(
        listed.map((n) => n.name),
        [name],
      )
    } finally {
      tsc(root, ['network', 'rm', name], '', env)
      rmSync(env.TSC_BOX_NETWORK_DIR, { recursive: true, force: true })
    }
  },
)

test("an unknown key is docker's error, status 125, from both doors and as --json's error", (t) => {
  for (const args of [
    ['ps', '--filter', 'color=red'],
    ['images', '--filter', 'color=red'],
    ['network', 'ls', '--filter', 'color=red'],
    ['container', 'prune', '-f', '--filter', 'color=red'],
    ['image', 'prune', '-f', '--filter', 'color=red'],
  ]) {
    const r = tsc(root, args)
    t.is(r.code, 125, args.join(' '))
    t.is(r.stderr, "tsc-box: invalid filter 'color'\n", args.join(' '))
    const j = tsc(root, [...args, '--json'])
    t.is(j.code, 125)
    t.deepEqual(JSON.parse(j.stdout), { error: { code: 'invalid_filter', message: "invalid filter 'color'" } })
  }
  for (const args of [
    ['ps', '--filter', 'color=red'],
    ['images', '--filter', 'color=red'],
    ['ps', '--filter', 'status=sleeping'],
  ]) {
    const a = tsc(root, args)
    const b = tscNode(root, args)
    t.deepEqual([a.code, a.stdout, a.stderr], [b.code, b.stdout, b.stderr])
  }
  t.is(tsc(root, ['ps', '--filter', 'status=sleeping']).stderr, "tsc-box: invalid filter 'status=sleeping'\n")
  t.is(tsc(root, ['images', '--filter', 'dangling=maybe']).code, 125)
  t.is(tsc(root, ['container', 'prune', '-f', '--filter', 'until=whenever']).code, 125)
})

test('container prune --filter removes only what matches; image prune --filter too', (t) => {
  const before = names([])
  t.is(tsc(root, ['container', 'prune', '-f', '--filter', 'label=env=staging']).stdout, 'Total reclaimed containers: 0\n')
  // until: created before a time (a duration ago, or a timestamp).
  t.is(tsc(root, ['container', 'prune', '-f', '--filter', 'until=1h']).stdout, 'Total reclaimed containers: 0\n')
  t.deepEqual(names([]), before)
  const pruned = tsc(root, ['container', 'prune', '-f', '--filter', 'label=env=dev', '--json'])
  t.is(pruned.code, 0, pruned.stderr)
  t.is((JSON.parse(pruned.stdout) as { removed: string[] }).removed.length, 1)
  t.deepEqual(names([]), ['one', 'three'])
  const notEnv = tsc(root, ['container', 'prune', '-f', '--filter', 'label!=env', '--json'])
  t.is((JSON.parse(notEnv.stdout) as { removed: string[] }).removed.length, 1)
  t.deepEqual(names([]), ['one'])
  // image prune -a --filter label=: only the unused image that matches.
  const img = tsc(root, ['image', 'prune', '-a', '-f', '--filter', 'label=tier=base', '--json'])
  t.is(img.code, 0, img.stderr)
  t.is((JSON.parse(img.stdout) as { deleted: string[] }).deleted.length, 1)
  t.deepEqual(tsc(root, ['images', '--format', '{{.Repository}}']).stdout.split('\n').filter(Boolean), ['localhost/app'])
})
