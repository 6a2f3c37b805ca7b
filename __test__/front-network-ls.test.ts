// `tsc-box network ls` is the first two-word command of the native front door: bin/run.js's sh
// line matches "$1 $2" (scripts/commands-table.js writes the patterns from the table's
// `network:ls`), and the runtime renders the list with the code the Node CLI calls through the
// binding (crates/containers/src/inspect/network.rs), --json from the runtime's own network
// list in-process: the same bytes from both doors. Every other `network` subcommand and
// --help still go to Node.
import test from 'ava'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeDataRoot, sameAnswer, tsc, tscNode } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'

const root = makeDataRoot()
// The --json form with members is checked on a network of this file's own, with a container
// of its own on it: the default bridge's members come and go with other test files'
// containers between the two calls.
const own = `fnl-${process.pid}`
test.before(() => {
  for (const args of [
    ['network', 'create', own],
    ['run', '-d', '--name', own, '--network', own, '--rootfs', makeRootfs(), 'sleep', '1000'],
  ]) {
    const r = tsc(root, args)
    if (r.code !== 0) throw new Error(r.stderr)
  }
})
test.after.always(() => {
  tsc(root, ['rm', '-f', own])
  tsc(root, ['network', 'rm', own])
})

/** A stand-in runtime that only says how it was called. */
function fakeRuntime(): string {
  const f = join(mkdtempSync(join(tmpdir(), 'tsc-box-front-')), 'rt')
  writeFileSync(f, '#!/bin/sh\necho "args: $*"\n')
  chmodSync(f, 0o755)
  return f
}

const FORMS: string[][] = [
  ['network', 'ls'],
  ['network', 'ls', '-q'],
  ['network', 'ls', '--no-trunc'],
  ['network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}}'],
  ['network', 'ls', '--format', 'json'],
  ['network', 'ls', '-f', 'name=bri', '-q'],
  ['network', 'ls', '-f', 'type=custom'],
  ['network', 'ls', '-f', 'bogus=1'],
  ['network', 'ls', '-f', 'type=nope', '--json'],
  ['network', 'ls', '--format', '{{.Nope'],
  ['network', 'ls', '--json', '-f', `name=${own}`],
  ['network', 'ls', '--json', '-f', 'name=nomatch'],
]

for (const args of FORMS) {
  test(`the native front door and Node print the same for: ${args.join(' ')}`, (t) => {
    // The host's networks are shared with other test files, whose containers may join one
    // between the two calls (CONTAINERS): a differing pair is taken again, a few times.
    let native = tsc(root, args)
    let node = tscNode(root, args)
    for (let i = 0; i < 3 && native.stdout !== node.stdout; i++) {
      native = tsc(root, args)
      node = tscNode(root, args)
    }
    sameAnswer(t, native, node)
  })
}

test('network ls goes to the runtime as two words, --json too; other network commands and --help do not', (t) => {
  const rt = fakeRuntime()
  const via = (...args: string[]) => tsc(root, args, '', { TSC_BOX_RUNTIME: rt })
  t.is(via('network', 'ls', '-q').stdout, 'args: --cli network ls -q\n')
  t.is(via('network', 'ls').stdout, 'args: --cli network ls\n')
  t.is(via('network', 'ls', '--json').stdout, 'args: --cli network ls --json\n')
  t.is(via('stop', '-t', '1', 'c').stdout, 'args: --cli stop -t 1 c\n')
  t.is(via('ps').stdout, 'args: --cli ps\n')
  for (const other of [['network', 'inspect', 'bridge'], ['network', 'lsx'], ['network']]) t.notRegex(via(...other).stdout, /args:/, other.join(' '))
  t.regex(via('network', 'ls', '--help').stdout, /List networks/)
  // --json keeps its documented shape.
  const json = tsc(root, ['network', 'ls', '--json'])
  t.is(json.code, 0, json.stderr)
  // (Their members may differ: other test files' containers join the host's one network meanwhile.)
  const names = (out: string) => (JSON.parse(out) as { name: string }[]).map((n) => n.name)
  t.deepEqual(names(json.stdout), names(tscNode(root, ['network', 'ls', '--json']).stdout))
})
