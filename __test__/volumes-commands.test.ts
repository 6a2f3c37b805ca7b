// `tsc-box volume create|ls|inspect|rm|prune` as a docker user types them: docker's table,
// -q, --format (Go templates and tables), --filter name=/label=/dangling=, --json on every
// subcommand, docker's inspect document, docker's errors and exit statuses; rm refused while
// a container's record mounts the volume; prune removes anonymous volumes only unless -a.
import test from 'ava'
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { makeDataRoot, tsc } from './helpers/cli'

const roots: string[] = []
function root(): string {
  const r = makeDataRoot()
  roots.push(r)
  return r
}
test.after.always(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true })
})

const ok = (r: ReturnType<typeof tsc>) => {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`)
  return r.stdout
}

test('create prints the name; a random 64-hex one without NAME; an existing name is the same volume', (t) => {
  const r = root()
  t.is(ok(tsc(r, ['volume', 'create', 'data'])), 'data\n')
  const anon = ok(tsc(r, ['volume', 'create'])).trim()
  t.regex(anon, /^[0-9a-f]{64}$/)
  t.is(ok(tsc(r, ['volume', 'create', 'data'])), 'data\n')
  t.true(statSync(join(r, 'volumes/data/_data')).isDirectory())
  const bad = tsc(r, ['volume', 'create', 'no/slash'])
  t.is(bad.code, 1)
  t.regex(bad.stderr, /"no\/slash" includes invalid characters for a local volume name/)
  const driver = tsc(r, ['volume', 'create', '-d', 'nfs', 'x1'])
  t.is(driver.code, 1)
  t.regex(driver.stderr, /plugin "nfs" not found/)
  const opt = tsc(r, ['volume', 'create', '-o', 'foo=bar', 'x2'])
  t.is(opt.code, 1)
  t.regex(opt.stderr, /invalid option key: "foo"/)
  // Refusals leave nothing.
  t.deepEqual(readdirSync(join(r, 'volumes')).sort(), [anon, 'data'].sort())
})

test("ls: docker's table, -q, --format templates and tables, filters, --json", (t) => {
  const r = root()
  ok(tsc(r, ['volume', 'create', '--label', 'env=prod', '--label', 'team=web', 'web-data']))
  ok(tsc(r, ['volume', 'create', 'cache']))
  t.is(ok(tsc(r, ['volume', 'ls'])), 'DRIVER    VOLUME NAME\nlocal     cache\nlocal     web-data\n')
  t.is(ok(tsc(r, ['volume', 'ls', '-q'])), 'cache\nweb-data\n')
  t.is(ok(tsc(r, ['volume', 'ls', '--format', '{{.Name}}: {{.Labels}}'])), 'cache: \nweb-data: env=prod,team=web\n')
  t.is(ok(tsc(r, ['volume', 'ls', '--format', '{{.Name}} {{.Label "team"}}', '-f', 'label=env'])), 'web-data web\n')
  t.is(ok(tsc(r, ['volume', 'ls', '--format', 'table {{.Name}}\\t{{.Driver}}'])), 'VOLUME NAME   DRIVER\ncache         local\nweb-data      local\n')
  t.is(ok(tsc(r, ['volume', 'ls', '-q', '--filter', 'name=cac'])), 'cache\n')
  t.is(ok(tsc(r, ['volume', 'ls', '-q', '--filter', 'label=env=prod'])), 'web-data\n')
  t.is(ok(tsc(r, ['volume', 'ls', '-q', '--filter', 'label=env=dev'])), '')
  t.is(ok(tsc(r, ['volume', 'ls', '-q', '--filter', 'dangling=true'])), 'cache\nweb-data\n')
  const line = JSON.parse(ok(tsc(r, ['volume', 'ls', '--format', 'json', '-f', 'name=cache'])))
  t.like(line, { Name: 'cache', Driver: 'local', Scope: 'local', Labels: '' })
  const all = JSON.parse(ok(tsc(r, ['volume', 'ls', '--json'])))
  t.deepEqual(
    all.map((v: { Name: string }) => v.Name),
    ['cache', 'web-data'],
  )
  const badFilter = tsc(r, ['volume', 'ls', '--filter', 'colour=red'])
  t.is(badFilter.code, 125)
  t.regex(badFilter.stderr, /invalid filter 'colour'/)
  const badFormat = tsc(r, ['volume', 'ls', '--format', '{{.Nope}}'])
  t.is(badFormat.code, 125)
  t.regex(badFormat.stderr, /can't evaluate field Nope/)
})

test("inspect: docker's document and --format; a missing name is docker's error with exit 1", (t) => {
  const r = root()
  ok(tsc(r, ['volume', 'create', '--label', 'a=b', 'data']))
  const docs = JSON.parse(ok(tsc(r, ['volume', 'inspect', 'data'])))
  t.is(docs.length, 1)
  t.deepEqual(Object.keys(docs[0]), ['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope'])
  t.like(docs[0], { Driver: 'local', Labels: { a: 'b' }, Mountpoint: join(r, 'volumes/data/_data'), Name: 'data', Options: {}, Scope: 'local' })
  t.regex(docs[0].CreatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
  t.is(ok(tsc(r, ['volume', 'inspect', '-f', '{{.Mountpoint}}', 'data'])), `${join(r, 'volumes/data/_data')}\n`)
  t.is(ok(tsc(r, ['volume', 'inspect', '--format', '{{json .Labels}}', 'data'])), '{"a":"b"}\n')
  const missing = tsc(r, ['volume', 'inspect', 'nope'])
  t.is(missing.code, 1)
  t.regex(missing.stderr, /get nope: no such volume/)
  const json = tsc(r, ['volume', 'inspect', 'nope', '--json'])
  t.is(json.code, 1)
  t.deepEqual(JSON.parse(json.stdout), { error: { code: 'no_such_volume', message: 'get nope: no such volume' } })
  t.like(JSON.parse(ok(tsc(r, ['volume', 'inspect', 'data', '--json'])))[0], { Name: 'data' })
})

test('rm: removed with its data; a missing one fails unless -f; refused while a container uses it', (t) => {
  const r = root()
  ok(tsc(r, ['volume', 'create', 'v1']))
  ok(tsc(r, ['volume', 'create', 'v2']))
  t.is(ok(tsc(r, ['volume', 'rm', 'v1'])), 'v1\n')
  t.false(existsSync(join(r, 'volumes/v1')))
  const missing = tsc(r, ['volume', 'rm', 'v1'])
  t.is(missing.code, 1)
  t.regex(missing.stderr, /get v1: no such volume/)
  t.is(tsc(r, ['volume', 'rm', '-f', 'v1']).code, 0)
  // A created container (never started) uses it.
  const id = ok(tsc(r, ['create', '-v', 'v2:/data', 'host:/bin/sh', '-c', 'true'])).trim()
  const used = tsc(r, ['volume', 'rm', 'v2'])
  t.is(used.code, 1)
  t.is(used.stderr, `tsc-box: remove v2: volume is in use - [${id}]\n`)
  t.is(tsc(r, ['volume', 'rm', '-f', 'v2']).code, 1, '-f does not remove a volume in use either')
  t.true(existsSync(join(r, 'volumes/v2/_data')))
  ok(tsc(r, ['rm', id]))
  t.deepEqual(JSON.parse(ok(tsc(r, ['volume', 'rm', 'v2', '--json']))), ['v2'])
})

test('prune: anonymous unused volumes only, all unused with -a, label filters, reclaimed space', (t) => {
  const r = root()
  ok(tsc(r, ['volume', 'create', 'named']))
  ok(tsc(r, ['volume', 'create', '--label', 'keep=yes', 'kept']))
  // An anonymous volume made by a container that is then removed without -v.
  const id = ok(tsc(r, ['create', '-v', '/scratch', 'host:/bin/sh', '-c', 'true'])).trim()
  const anon = readdirSync(join(r, 'volumes')).filter((n) => /^[0-9a-f]{64}$/.test(n))
  t.is(anon.length, 1)
  t.is(ok(tsc(r, ['volume', 'prune', '-f'])), 'Total reclaimed space: 0B\n', 'in use: kept')
  ok(tsc(r, ['rm', id]))
  t.is(ok(tsc(r, ['volume', 'prune', '-f'])), `Deleted Volumes:\n${anon[0]}\n\nTotal reclaimed space: 0B\n`)
  t.deepEqual(JSON.parse(ok(tsc(r, ['volume', 'prune', '-a', '--filter', 'label!=keep', '--json']))), { volumesDeleted: ['named'], spaceReclaimed: 0 })
  t.deepEqual(
    JSON.parse(ok(tsc(r, ['volume', 'ls', '--json']))).map((v: { Name: string }) => v.Name),
    ['kept'],
  )
  const bad = tsc(r, ['volume', 'prune', '--filter', 'dangling=true'])
  t.is(bad.code, 125)
  t.regex(bad.stderr, /invalid filter 'dangling'/)
})
