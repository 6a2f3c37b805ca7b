// `tsc-box exec` without -t from a terminal: the runtime's front door gives the process pipes
// instead of the caller's terminal and relays them itself, so no Node starts (a `node` first
// on PATH records being run), and output, input and the exit status arrive as they would.
import test from 'ava'
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN, makeDataRoot, tsc } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { ps } from './lifecycle-helpers'

const rootfs = makeRootfs()
const root = makeDataRoot()
let id = ''

test.before(() => {
  const r = tsc(root, ['run', '-d', '--name', 'relay', '--rootfs', rootfs, 'sleep', '1000'])
  if (r.code !== 0) throw new Error(`run -d failed (${r.code}): ${r.stderr}`)
  id = r.stdout.trim()
})

test.after.always(() => {
  const ids = ps(root).map((e) => e.id)
  if (ids.length > 0) tsc(root, ['rm', '-f', ...ids])
})

/** A directory with a `node` that only leaves `marker` behind, to put first on PATH. */
function fakeNode(): { dir: string; marker: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-relay-'))
  const marker = join(dir, 'node-ran')
  writeFileSync(join(dir, 'node'), `#!/bin/sh\necho "$@" > ${marker}\nexit 99\n`)
  chmodSync(join(dir, 'node'), 0o755)
  return { dir, marker }
}

// util-linux `script` puts the command on a pseudo-terminal, as a user's shell would be.
function inTerminal(args: string, input = '') {
  const { dir, marker } = fakeNode()
  const r = spawnSync('script', ['-qec', `${BIN} exec ${args}`, '/dev/null'], {
    env: { ...process.env, TSC_BOX_ROOT: root, PATH: `${dir}:${process.env.PATH}` },
    input,
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { code: r.status, out: r.stdout.replace(/\r/g, ''), nodeRan: existsSync(marker) }
}

test.serial('from a terminal without -t: no tty for the process, output and status relayed, no Node', (t) => {
  const r = inTerminal(`relay sh -c 'for f in 0 1 2; do test -t $f && echo "tty:$f"; done; echo out; echo err >&2; exit 7'`)
  t.false(r.nodeRan, 'node was started')
  t.is(r.code, 7, r.out)
  t.notRegex(r.out, /tty:/)
  t.regex(r.out, /out\n/)
  t.regex(r.out, /err\n/)
})

test.serial('-i from a terminal: the typed input reaches the process through a pipe, no Node', (t) => {
  const r = inTerminal(`-i ${id.slice(0, 12)} sh -c 'test -t 0 || echo stdin-not-a-tty; read line; echo "got:$line"'`, 'typed-text\n')
  t.false(r.nodeRan, 'node was started')
  t.is(r.code, 0, r.out)
  t.regex(r.out, /stdin-not-a-tty/)
  t.regex(r.out, /got:typed-text/)
})

test.serial('all of a large output arrives, in order', (t) => {
  const r = inTerminal(`relay sh -c 'i=0; while [ $i -lt 20000 ]; do echo "line $i"; i=$((i+1)); done'`)
  t.false(r.nodeRan, 'node was started')
  t.is(r.code, 0)
  const lines = r.out.trimEnd().split('\n')
  t.is(lines.length, 20000)
  t.is(lines[0], 'line 0')
  t.is(lines.at(-1), 'line 19999')
})

test.serial('-d from a terminal returns at once, without Node', (t) => {
  const r = inTerminal(`-d relay sh -c 'echo lost; sleep 1'`)
  t.false(r.nodeRan, 'node was started')
  t.is(r.code, 0, r.out)
  t.notRegex(r.out, /lost/)
})
