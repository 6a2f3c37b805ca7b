// `-t` gives the app a real terminal of its own, the size of the user's, in raw mode.
import test from 'ava'
import { spawnSync } from 'node:child_process'
import { BIN, makeDataRoot } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'

const root = makeDataRoot()
const rootfs = makeRootfs()

// util-linux `script` puts the command on a pseudo-terminal, as a user's shell would be.
function inTerminal(command: string, input = '') {
  const r = spawnSync('script', ['-qec', command, '/dev/null'], {
    env: { ...process.env, TSC_BOX_ROOT: root },
    input,
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { code: r.status, out: r.stdout.replace(/\r/g, '') }
}

const tsc = `${process.execPath} -- ${BIN} run --rm --rootfs ${rootfs}`

test("-t gives the app a tty of its own, with the size of the caller's terminal", (t) => {
  const r = inTerminal(`stty rows 41 cols 101; ${tsc} -t sh -c 'tty; stty size; test -t 0 && test -t 1 && echo both-tty'`)
  t.is(r.code, 0, r.out)
  t.regex(r.out, /\/dev\/pts\/\d+/)
  t.regex(r.out, /41 101/)
  t.regex(r.out, /both-tty/)
})

test('without -t the app has no tty, even when the caller has one', (t) => {
  const r = inTerminal(`${tsc} sh -c 'test -t 1 && echo tty || echo no-tty'`)
  t.is(r.code, 0, r.out)
  t.regex(r.out, /no-tty/)
})

test("-t reports the app's exit status", (t) => {
  const r = inTerminal(`${tsc} -t sh -c 'exit 5'`)
  t.is(r.code, 5, r.out)
})

test("-it streams the terminal's input to the app", (t) => {
  const r = inTerminal(`${tsc} -it sh -c 'read line; echo "got:$line"'`, 'typed-text\n')
  t.is(r.code, 0, r.out)
  t.regex(r.out, /got:typed-text/)
})
