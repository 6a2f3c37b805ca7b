// Signals sent to `tsc-box run` reach the app; stdin streams in; stdout and stderr stay apart.
import test from 'ava'
import { collect, makeDataRoot, tsc, tscSpawn, waitForOutput } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'

const root = makeDataRoot()
const rootfs = makeRootfs()

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const) {
  test(`${sig} sent to tsc-box run reaches the app`, async (t) => {
    const name = sig.slice(3)
    const script = `trap 'echo got-${name}; exit 7' ${name}; echo ready; while :; do sleep 0.1; done`
    const child = tscSpawn(root, ['run', '--rm', '--rootfs', rootfs, 'sh', '-c', script])
    const done = collect(child)
    await waitForOutput(child, (s) => s.includes('ready'))
    child.kill(sig)
    const r = await done
    t.is(r.code, 7, r.stderr)
    t.regex(r.stdout, new RegExp(`got-${name}`))
  })
}

test('stdin is streamed to the app with -i', (t) => {
  const r = tsc(root, ['run', '--rm', '-i', '--rootfs', rootfs, 'sh', '-c', 'tr a-z A-Z; echo done'], 'hello\nworld\n')
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout, 'HELLO\nWORLD\ndone\n')
})

test('without -i the app reads no input', (t) => {
  const r = tsc(root, ['run', '--rm', '--rootfs', rootfs, 'sh', '-c', 'cat; echo eof'], 'secret\n')
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout, 'eof\n')
})

test('stdout and stderr stay separate', (t) => {
  const r = tsc(root, ['run', '--rm', '--rootfs', rootfs, 'sh', '-c', 'echo to-out; echo to-err >&2'])
  t.is(r.code, 0)
  t.is(r.stdout, 'to-out\n')
  t.is(r.stderr, 'to-err\n')
})
