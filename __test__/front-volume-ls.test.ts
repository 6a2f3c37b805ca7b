// `tsc-box volume ls` answers through the runtime's native front door (a two-word command of
// the table, as `network ls`), rendering with the code the Node CLI calls through the binding
// (crates/containers/src/volumes/list.rs): the same bytes from both doors for each form and
// error, --json included; the other volume commands stay Node's.
import test from 'ava'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeDataRoot, sameAnswer, tsc, tscNode } from './helpers/cli'

const root = makeDataRoot()

test.before(() => {
  for (const args of [['data'], ['--label', 'tier=db', 'pg'], ['--label', 'tier=web', 'www']]) {
    const r = tsc(root, ['volume', 'create', ...args])
    if (r.code !== 0) throw new Error(`volume create: ${r.stderr}`)
  }
})

const FORMS: string[][] = [
  ['volume', 'ls'],
  ['volume', 'ls', '-q'],
  ['volume', 'ls', '-f', 'label=tier=db'],
  ['volume', 'ls', '-f', 'label=tier', '-q'],
  ['volume', 'ls', '-f', 'dangling=true', '--format', '{{.Name}} {{.Driver}}'],
  ['volume', 'ls', '--format', 'json'],
  ['volume', 'ls', '-f', 'bogus=1'],
  ['volume', 'ls', '-f', 'dangling=maybe', '--json'],
  ['volume', 'ls', '--format', '{{.Nope}}'],
  ['volume', 'ls', '--json'],
  ['volume', 'ls', '--json', '-f', 'label=tier=web'],
]

for (const args of FORMS) {
  test(`the native front door and Node print the same for: ${args.join(' ')}`, (t) => {
    const native = tsc(root, args)
    const node = tscNode(root, args)
    sameAnswer(t, native, node)
  })
}

test('volume ls goes to the runtime as two words, --json too; other volume commands do not', (t) => {
  const f = join(mkdtempSync(join(tmpdir(), 'tsc-box-front-')), 'rt')
  writeFileSync(f, '#!/bin/sh\necho "args: $*"\n')
  chmodSync(f, 0o755)
  const via = (...args: string[]) => tsc(root, args, '', { TSC_BOX_RUNTIME: f })
  t.is(via('volume', 'ls', '-q').stdout, 'args: --cli volume ls -q\n')
  t.is(via('volume', 'ls', '--json').stdout, 'args: --cli volume ls --json\n')
  t.notRegex(via('volume', 'inspect', 'data').stdout, /args:/)
  t.is(tsc(root, ['volume', 'ls', '-q']).stdout, 'data\npg\nwww\n')
  const json = tsc(root, ['volume', 'ls', '--json'])
  t.is(json.code, 0, json.stderr)
  t.is(json.stdout, tscNode(root, ['volume', 'ls', '--json']).stdout)
  t.deepEqual(
    (JSON.parse(json.stdout) as { Name: string }[]).map((v) => v.Name),
    ['data', 'pg', 'www'],
  )
})
