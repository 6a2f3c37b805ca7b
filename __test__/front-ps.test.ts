// `tsc-box ps` answers through the runtime's native front door (no Node start), and the Node
// path (`node -- bin/run.js ps`, and oclif's ps command) prints what the same Rust code renders
// (crates/containers/src/ps.rs): every form must come out byte for byte the same from both,
// with the shapes ps has always had (docker's table, -q, --json, --format json and templates,
// `table` templates) and the same errors and exit statuses.
import test from 'ava'
import { rmSync } from 'node:fs'
import { makeDataRoot, type Result, tsc, tscNode } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { ps } from './lifecycle-helpers'

const root = makeDataRoot()
const rootfs = makeRootfs()
const ids: Record<string, string> = {}

test.before(() => {
  const web = tsc(root, ['run', '-d', '--name', 'web', '--rootfs', rootfs, 'sleep', '1000'])
  if (web.code !== 0) throw new Error(`run -d: ${web.stderr}`)
  ids.web = web.stdout.trim()
  tsc(root, ['run', '--name', 'done', '--rootfs', rootfs, 'sh', '-c', 'exit 3'])
  const fresh = tsc(root, ['create', '--name', 'fresh', '--rootfs', rootfs, 'sleep', '5'])
  if (fresh.code !== 0) throw new Error(`create: ${fresh.stderr}`)
  ids.fresh = fresh.stdout.trim()
})

test.after.always(() => {
  const all = ps(root).map((e) => e.id)
  if (all.length > 0) tsc(root, ['rm', '-f', ...all])
  rmSync(rootfs, { recursive: true, force: true })
})

/** An age in words ("Up 3 seconds", "2 minutes ago"): it may tick between the two runs. */
const AGE = /\b(\d+ (second|minute|hour|day|week|month|year)s?|Less than a second)( ago)?/g
// An age can change length between the two calls ("Up 9 seconds", "Up 10 seconds") and with
// it the width of its column: ages, and the padding after them, are not compared.
const steady = (r: Result): Result => ({ ...r, stdout: r.stdout.replace(AGE, 'AGE').replace(/ {2,}/g, '  ') })

/** Native and Node answers to `args`, ages masked (everything else must be the same bytes). */
function both(args: string[]): { native: Result; node: Result } {
  return { native: steady(tsc(root, args)), node: steady(tscNode(root, args)) }
}

const FORMS: string[][] = [
  ['ps'],
  ['ps', '-a'],
  ['ps', '-a', '-q'],
  ['ps', '-aq', '--no-trunc'],
  ['ps', '-a', '--json'],
  ['ps', '--json'],
  ['ps', '-a', '--format', 'json'],
  ['ps', '-a', '--format', '{{.Names}}:{{.State}}:{{.Command}}'],
  ['ps', '-a', '--format', 'table {{.ID}}\\t{{.Names}}\\t{{.State}}'],
  ['ps', '-a', '--format', '{{json .}}'],
  ['ps', '-a', '--format', '{{if eq .State "running"}}{{upper .Names}}{{else}}-{{end}}'],
  ['ps', '--filter', 'status=exited'],
  ['ps', '-a', '--filter', 'name=we', '--filter', 'name=fr'],
  ['ps', '-a', '--filter', 'exited=3', '-q'],
  ['ps', '--filter', 'status=created', '--format', '{{.ID}}'],
  ['ps', '-a', '--format', '{{.Nope}}'],
  ['ps', '--filter', 'bogus'],
  ['ps', '--json', '--filter', 'bogus=1'],
  ['ps', '-a', '--format', '{{.Names'],
  ['ps', '--no-such-flag'],
]

for (const args of FORMS) {
  test(`the native front door and Node print the same for: ${args.join(' ')}`, (t) => {
    const { native, node } = both(args)
    t.is(native.stdout, node.stdout)
    t.is(native.stderr, node.stderr)
    t.is(native.code, node.code)
  })
}

test('ps shapes: the table, -q, --json and --format as they have always been', (t) => {
  const all = tsc(root, ['ps', '-a'])
  t.is(all.code, 0, all.stderr)
  const lines = all.stdout.trimEnd().split('\n')
  t.regex(lines[0] ?? '', /^CONTAINER ID {3}IMAGE {2,}COMMAND {2,}CREATED {2,}STATUS {2,}PORTS {2,}NAMES$/)
  t.is(lines.length, 4)
  t.regex(all.stdout, /"sh -c exit 3" +\S.* ago +Exited \(3\) .*ago +done/)
  t.regex(all.stdout, /"sleep 1000" +.* ago +Up .* +web/)
  t.is(tsc(root, ['ps', '-q']).stdout, `${ids.web?.slice(0, 12)}\n`)
  t.is(tsc(root, ['ps', '-q', '--no-trunc']).stdout, `${ids.web}\n`)
  const json = JSON.parse(tsc(root, ['ps', '-a', '--json']).stdout) as Record<string, unknown>[]
  t.deepEqual(
    json.map((e) => Object.keys(e)),
    json.map(() => ['id', 'name', 'command', 'created', 'state', 'status', 'exitCode', 'pid', 'restartCount']),
  )
  t.deepEqual(
    json.map((e) => [e.name, e.state, e.exitCode]),
    [
      ['fresh', 'created', null],
      ['done', 'exited', 3],
      ['web', 'running', null],
    ],
  )
  t.is(
    tsc(root, ['ps', '-a', '--format', '{{.Names}}:{{.State}}:{{.Command}}']).stdout,
    'fresh:created:"sleep 5"\ndone:exited:"sh -c exit 3"\nweb:running:"sleep 1000"\n',
  )
  const lineJson = tsc(root, ['ps', '--format', 'json']).stdout.trim()
  t.like(JSON.parse(lineJson), { name: 'web', state: 'running' })
  t.is(tsc(root, ['ps', '-a', '--format', 'table {{.Names}}\\t{{.State}}']).stdout, 'NAMES     STATE\nfresh     created\ndone      exited\nweb       running\n')
  t.is(tsc(root, ['ps', '--filter', 'status=paused']).stdout, 'CONTAINER ID   IMAGE   COMMAND   CREATED   STATUS   PORTS   NAMES\n')
  t.is(tsc(root, ['ps', '--filter', 'status=paused', '--format', '{{.ID}}']).stdout, '')
})

test("ps errors: docker's message for an unknown template field, a bad filter; exit 125 and --json's error object", (t) => {
  const field = tsc(root, ['ps', '-a', '--format', '{{.Nope}}'])
  t.is(field.code, 125)
  t.is(field.stdout, '')
  t.is(field.stderr, 'tsc-box: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope\n')
  const filter = tsc(root, ['ps', '--json', '--filter', 'bogus'])
  t.is(filter.code, 125)
  t.deepEqual(JSON.parse(filter.stdout), {
    error: { code: 'invalid_filter', message: 'bad format of filter (expected name=value)' },
  })
  const parse = tsc(root, ['ps', '--format', '{{.Names'])
  t.is(parse.code, 125)
  t.regex(parse.stderr, /^tsc-box: template parsing error: template: :1: /)
  // --json is the stable shape: it wins over --format, as it always has.
  t.is(tsc(root, ['ps', '--json', '--format', '{{.Names']).code, 0)
})
