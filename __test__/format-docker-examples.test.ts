// --format on every list and inspect command, with docker's documented examples: fields and
// nested fields, json, table headers, range, if/else, index, join, split, lower/upper/title,
// println, printf, len, variables; an unknown field is docker's error with status 125 (and
// its --json error object); `{{json .}}`; ps --json and images --json keep their shapes.
import test from 'ava'
import { rmSync } from 'node:fs'
import { makeDataRoot, tsc, tscNode } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { makeArchive } from './image-fixtures'
import { ps } from './lifecycle-helpers'

const root = makeDataRoot()
const rootfs = makeRootfs()

test.before(() => {
  const load = tsc(root, ['load', '-i', makeArchive({ dir: rootfs, name: 'localhost/fmt:1', config: { Cmd: ['sh'], Labels: { tier: 'base' } } })])
  if (load.code !== 0) throw new Error(`load: ${load.stderr}`)
  if (tsc(root, ['tag', 'localhost/fmt:1', 'localhost/fmt:2']).code !== 0) throw new Error('tag')
  const r = tsc(root, ['run', '-d', '--name', 'web', '-l', 'com.example.tier=front', '--network', 'none', 'localhost/fmt:1', 'sleep', '1000'])
  if (r.code !== 0) throw new Error(`run: ${r.stderr}`)
})

test.after.always(() => {
  const all = ps(root).map((e) => e.id)
  if (all.length > 0) tsc(root, ['rm', '-f', ...all])
  rmSync(rootfs, { recursive: true, force: true })
})

test("ps: docker's examples (fields, table, json, .Label)", (t) => {
  const id = tsc(root, ['ps', '-q']).stdout.trim()
  t.is(tsc(root, ['ps', '--format', '{{.ID}}: {{.Names}}']).stdout, `${id}: web\n`)
  const table = tsc(root, ['ps', '--format', 'table {{.ID}}\\t{{.Names}}\\t{{.Labels}}']).stdout.split('\n')
  t.regex(table[0]!, /^CONTAINER ID\s+NAMES\s+LABELS$/)
  t.regex(table[1]!, new RegExp(`^${id}\\s+web\\s+com.example.tier=front,tier=base$`))
  t.is(tsc(root, ['ps', '--format', '{{.Label "com.example.tier"}}']).stdout, 'front\n')
  const all = JSON.parse(tsc(root, ['ps', '--format', '{{json .}}']).stdout) as Record<string, unknown>
  t.like(all, { ID: id, Names: 'web', State: 'running' })
  // ps --json keeps its documented shape.
  const [entry] = JSON.parse(tsc(root, ['ps', '--json']).stdout) as Array<Record<string, unknown>>
  t.deepEqual(Object.keys(entry!).slice(0, 4), ['id', 'name', 'command', 'created'])
})

test("images: docker's examples", (t) => {
  const id = (JSON.parse(tsc(root, ['images', '--json']).stdout) as Array<{ id: string }>)[0]!.id.slice(7, 19)
  t.is(tsc(root, ['images', '--format', '{{.ID}}: {{.Repository}}']).stdout, `${id}: localhost/fmt\n${id}: localhost/fmt\n`)
  const table = tsc(root, ['images', '--format', 'table {{.ID}}\\t{{.Repository}}\\t{{.Tag}}']).stdout.split('\n')
  t.regex(table[0]!, /^IMAGE ID\s+REPOSITORY\s+TAG$/)
  t.is(table.length, 4)
  t.like(JSON.parse(tsc(root, ['images', '--format', '{{json .}}']).stdout.split('\n')[0]!), { ID: id, Repository: 'localhost/fmt' })
  // images --json keeps its documented shape.
  t.truthy((JSON.parse(tsc(root, ['images', '--json']).stdout) as Array<{ references: string[] }>)[0]!.references)
})

test('the template language: range, if/else, index, variables, printf, println, len', (t) => {
  const f = (tpl: string) => tsc(root, ['inspect', '-f', tpl, 'web']).stdout
  t.is(f('{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}'), 'com.example.tier=front;tier=base;\n')
  t.is(f('{{if eq .State.Status "running"}}up{{else if .State.Dead}}dead{{else}}down{{end}}'), 'up\n')
  t.is(f('{{index .Config.Cmd 0}} {{len .Config.Cmd}}'), 'sleep 2\n')
  t.is(f('{{printf "%-6s|%d" .State.Status .RestartCount}}'), 'running|0\n')
  t.is(f('{{range .Config.Cmd}}{{println .}}{{end}}'), 'sleep\n1000\n\n')
  t.is(f('{{with $c := .Config}}{{$c.Image}}{{end}}'), 'localhost/fmt:1\n')
  t.is(f('{{json .Config.Cmd}}'), '["sleep","1000"]\n')
  t.is(f('{{.Config.Cmd | json}}'), '["sleep","1000"]\n')
})

test('history, stats, network ls and image inspect take --format too', (t) => {
  // The fixture's image has no history: a template prints nothing, a table its header.
  t.is(tsc(root, ['history', '--format', '{{.ID}} {{.Size}}', 'localhost/fmt:1']).stdout, '')
  t.is(tsc(root, ['history', '--format', 'table {{.ID}}\\t{{.CreatedBy}}', 'localhost/fmt:1']).stdout, 'IMAGE     CREATED BY\n')
  t.is(tsc(root, ['stats', '--no-stream', '--format', '{{.Name}}', 'web']).stdout, 'web\n')
  t.regex(tsc(root, ['stats', '--no-stream', '--format', 'table {{.Name}}\\t{{.PIDs}}', 'web']).stdout, /^NAME\s+PIDS\nweb\s+\d+\n$/)
  t.is(tsc(root, ['network', 'ls', '--format', '{{.Name}}', '--filter', 'name=no-such-network']).stdout, '')
  t.is(
    tsc(root, ['image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}', 'localhost/fmt:1']).stdout,
    `linux/${process.arch === 'x64' ? 'amd64' : 'arm64'}\n`,
  )
})

test("an unknown field is docker's error with status 125, from every command and both doors", (t) => {
  const cases: string[][] = [
    ['ps', '--format', '{{.Nope}}'],
    ['images', '--format', '{{.Nope}}'],
    ['inspect', '-f', '{{.Nope}}', 'web'],
    ['image', 'inspect', '-f', '{{.Nope}}', 'localhost/fmt:1'],
    // No history entries: only a table's header runs the template.
    ['history', '--format', 'table {{.Nope}}', 'localhost/fmt:1'],
    ['stats', '--no-stream', '--format', '{{.Nope}}', 'web'],
    ['network', 'ls', '--format', '{{.Nope}}'],
  ]
  for (const args of cases) {
    const r = tsc(root, args)
    t.is(r.code, 125, args.join(' '))
    t.regex(r.stderr, /template: :1:2: executing "" at <\.Nope>: can't evaluate field Nope/, args.join(' '))
  }
  // --json prints ps's own shape and ignores the template, as before.
  t.is(tsc(root, ['ps', '--format', '{{.Nope}}', '--json']).code, 0)
  const bad = tsc(root, ['ps', '--format', '{{if}}'])
  t.is(bad.code, 125)
  t.regex(bad.stderr, /template parsing error/)
  for (const args of [
    ['ps', '--format', '{{.Nope}}'],
    ['images', '--format', '{{.Nope}}'],
  ]) {
    const a = tsc(root, args)
    const b = tscNode(root, args)
    t.deepEqual([a.code, a.stdout, a.stderr], [b.code, b.stdout, b.stderr])
  }
})
