// The pull fast path (src/image/fast.ts) takes only the plain command lines and hands every
// other one to oclif (undefined), so that help, --json output and usage errors stay oclif's.
import test from 'ava'
import { fastCommand } from '../src/image/fast'

for (const argv of [['--help', 'x'], ['-h'], ['--json', 'x'], ['x', '--json'], ['a', 'b'], [], ['--root'], ['--bogus', 'x'], ['--tls-verify', 'maybe', 'x']]) {
  test(`pull ${JSON.stringify(argv)} goes to oclif`, async (t) => {
    t.is(await fastCommand('pull', argv), undefined)
  })
}

test('other verbs go to oclif', async (t) => {
  t.is(await fastCommand('push', ['x', 'y']), undefined)
})
