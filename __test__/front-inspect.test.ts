// `tsc-box inspect` answers through the runtime's native front door, and the Node path prints
// what the same Rust code renders (crates/containers/src/inspect/): docker's documents as one
// indented JSON array (--json the same), a Go template per object with -f, every name tried and
// each that found nothing reported after, status 1, byte for byte the same from both doors.
import test from 'ava'
import { rmSync } from 'node:fs'
import { makeDataRoot, type Result, tsc, tscNode } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { ps } from './lifecycle-helpers'

const root = makeDataRoot()
const rootfs = makeRootfs()
let web = ''

test.before(() => {
  const r = tsc(root, ['run', '-d', '--name', 'web', '--restart', 'on-failure:2', '--rootfs', rootfs, 'sleep', '1000'])
  if (r.code !== 0) throw new Error(`run -d: ${r.stderr}`)
  web = r.stdout.trim()
  tsc(root, ['run', '--name', 'done', '--rootfs', rootfs, 'sh', '-c', 'exit 3'])
})

test.after.always(() => {
  const all = ps(root).map((e) => e.id)
  if (all.length > 0) tsc(root, ['rm', '-f', ...all])
  rmSync(rootfs, { recursive: true, force: true })
})

const FORMS: string[][] = [
  ['inspect', 'web'],
  ['inspect', '--json', 'web', 'done'],
  ['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.HostConfig.RestartPolicy.Name}}', 'web', 'done'],
  ['inspect', 'web', '--format', '{{json .State}}'],
  ['inspect', 'done', '-f', '{{.Path}} {{.Args}} {{index .Args 1}} {{len .Args}}'],
  ['inspect', '-f', '{{range .Args}}[{{.}}]{{end}}', 'done'],
  ['inspect', 'nope'],
  ['inspect', 'web', 'nope', 'nada'],
  ['inspect', '--json', 'nope'],
  ['inspect', '-f', '{{.Nope}}', 'web'],
  ['inspect', '-f', '{{if}}', 'web'],
  ['inspect', '--type', 'container', 'web'],
  ['inspect', '--type', 'image', 'web'],
  ['inspect', '-f', '{{range $p, $c := .NetworkSettings.Ports}}{{$p}}{{end}}{{.Config.Cmd}}', 'web'],
]

function same(t: import('ava').ExecutionContext, a: Result, b: Result): void {
  t.is(a.stdout, b.stdout)
  t.is(a.stderr, b.stderr)
  t.is(a.code, b.code)
}

for (const args of FORMS) {
  test(`the native front door and Node print the same for: ${args.join(' ')}`, (t) => {
    same(t, tsc(root, args), tscNode(root, args))
  })
}

test("inspect's document, -f templates and failures", (t) => {
  const docs = JSON.parse(tsc(root, ['inspect', 'web']).stdout) as Record<string, unknown>[]
  t.deepEqual(Object.keys(docs[0] ?? {}).slice(0, 6), ['Id', 'Created', 'Path', 'Args', 'State', 'Image'])
  t.like(docs[0], { Id: web, Name: '/web', Path: 'sleep', Args: ['1000'], State: { Status: 'running', Running: true, ExitCode: 0 } })
  t.like((docs[0] as { HostConfig: unknown }).HostConfig, { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } })
  t.is(tsc(root, ['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'web', 'done']).stdout, 'running 0\nexited 3\n')
  t.is(tsc(root, ['inspect', '-f', '{{json .HostConfig.RestartPolicy}}', 'web']).stdout, '{"Name":"on-failure","MaximumRetryCount":2}\n')
  // docker's way with names that find nothing: the others printed, each missing one on stderr, status 1.
  const missing = tsc(root, ['inspect', 'web', 'nope', 'nada'])
  t.is(missing.code, 1)
  t.is((JSON.parse(missing.stdout) as unknown[]).length, 1)
  t.is(missing.stderr, 'Error: No such object: nope\nError: No such object: nada\n')
  const none = tsc(root, ['inspect', 'nope'])
  t.deepEqual([none.code, none.stdout, none.stderr], [1, '[]\n', 'Error: No such object: nope\n'])
  const field = tsc(root, ['inspect', '-f', '{{.Nope}}', 'web'])
  t.is(field.code, 125)
  t.is(field.stderr, 'tsc-box: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope\n')
})
