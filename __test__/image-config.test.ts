// The image config's Entrypoint/Cmd and the command line combine exactly like docker run.
import test from 'ava'
import { containerArgs, parseImageConfig } from '../src/image/config'

const img = parseImageConfig(
  JSON.stringify({ config: { Entrypoint: ['/ep', '-x'], Cmd: ['default'], Env: ['A=1'], WorkingDir: '/w', User: '1000', Labels: { l: 'v' } } }),
)

test('image config fields are read', (t) => {
  t.deepEqual(img.env, ['A=1'])
  t.is(img.workingDir, '/w')
  t.is(img.user, '1000')
  t.deepEqual(img.labels, { l: 'v' })
})

test('no override: Entrypoint + Cmd', (t) => t.deepEqual(containerArgs(img, undefined, []), ['/ep', '-x', 'default']))
test('a command replaces Cmd only', (t) => t.deepEqual(containerArgs(img, undefined, ['a', 'b']), ['/ep', '-x', 'a', 'b']))
test('--entrypoint replaces Entrypoint and drops Cmd', (t) => t.deepEqual(containerArgs(img, '/other', []), ['/other']))
test('--entrypoint with a command', (t) => t.deepEqual(containerArgs(img, '/other', ['c']), ['/other', 'c']))
test('--entrypoint "" clears the Entrypoint', (t) => t.deepEqual(containerArgs(img, '', ['sh']), ['sh']))

test('nothing to run is no_command', (t) => {
  const empty = parseImageConfig('{"config":{}}')
  const err = t.throws(() => containerArgs(empty, undefined, [])) as { code?: string }
  t.is(err.code, 'no_command')
})

test('a hostile config is invalid_image', (t) => {
  for (const bad of ['nope', '{"config":{"Cmd":"sh"}}', '{"config":{"Env":[1]}}', '{"config":{"User":5}}']) {
    const err = t.throws(() => parseImageConfig(bad)) as { code?: string }
    t.is(err.code, 'invalid_image', bad)
  }
})
