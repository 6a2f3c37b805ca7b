// A foreground `run` keeps its container's log as a detached one does (docker keeps a log of
// every container): `logs` shows what it printed, stdout to stdout and stderr to stderr, while
// the caller still saw it; with -t the tty stream. ps shows its real times.
import test from 'ava'
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { BIN, makeDataRoot, tsc } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { ps } from './lifecycle-helpers'

const root = makeDataRoot()
const rootfs = makeRootfs()

test.after.always(() => {
  const all = ps(root).map((e) => e.id)
  if (all.length > 0) tsc(root, ['rm', '-f', ...all])
  rmSync(rootfs, { recursive: true, force: true })
})

test.serial('a foreground run prints its output and keeps it for logs', (t) => {
  const r = tsc(root, ['run', '--name', 'fg', '--rootfs', rootfs, 'sh', '-c', 'echo out; echo err >&2; echo two'])
  t.is(r.code, 0)
  t.is(r.stdout, 'out\ntwo\n')
  t.is(r.stderr, 'err\n')
  const logs = tsc(root, ['logs', 'fg'])
  t.is(logs.stdout, 'out\ntwo\n')
  t.is(logs.stderr, 'err\n')
  const entries = JSON.parse(tsc(root, ['logs', 'fg', '--json']).stdout) as Array<{ stream: string; log: string }>
  // Two streams, two pipes: their order between each other is not kept, each one's is.
  t.deepEqual(
    entries.filter((e) => e.stream === 'stdout').map((e) => e.log),
    ['out\n', 'two\n'],
  )
  t.deepEqual(
    entries.filter((e) => e.stream === 'stderr').map((e) => e.log),
    ['err\n'],
  )
})

test.serial('a foreground run shows real times in ps, running and exited', async (t) => {
  const child = require('node:child_process').spawn(BIN, ['run', '--name', 'slow', '--rootfs', rootfs, 'sh', '-c', 'echo started; sleep 3'], {
    env: { ...process.env, TSC_BOX_ROOT: root },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
  const up = ps(root).find((e) => e.name === 'slow')!
  t.regex(up.status, /^Up (Less than a second|\d+ seconds?)$/)
  t.is(tsc(root, ['logs', 'slow']).stdout, 'started\n', 'logs while it runs')
  await new Promise((resolve) => child.once('exit', resolve))
  const done = ps(root).find((e) => e.name === 'slow')!
  t.regex(done.status, /^Exited \(0\) (Less than a second|\d+ seconds?) ago$/)
})

// util-linux script(1) gives run a terminal; without it the -t test is skipped.
const script = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v script']).toString().trim()
  } catch {
    return ''
  }
})()

;(script ? test.serial : test.serial.skip)('with -t the log holds the tty stream (needs script(1))', (t) => {
  execFileSync(script, ['-qec', `${BIN} run -t --name tty --rootfs ${rootfs} sh -c 'echo tty-out'`, '/dev/null'], {
    env: { ...process.env, TSC_BOX_ROOT: root },
  })
  t.is(tsc(root, ['logs', 'tty']).stdout, 'tty-out\r\n')
})
