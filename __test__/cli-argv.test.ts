import test from 'ava'
import { jsonRequested, parseArgv } from '../src/cli/argv'
import { Flags } from '../src/cli/flags'
import { CliError } from '../src/errors'
import { runFlags } from '../src/run/flags'

const flags = {
  rm: Flags.boolean(),
  interactive: Flags.boolean({ char: 'i' }),
  tty: Flags.boolean({ char: 't' }),
  env: Flags.string({ char: 'e', multiple: true }),
  name: Flags.string(),
  hostname: Flags.string({ char: 'h' }),
  count: Flags.integer({ min: 1 }),
  mode: Flags.string({ options: ['a', 'b'] }),
  fromEnv: Flags.string({ env: 'TSC_BOX_TEST_FROM_ENV' }),
  json: Flags.boolean(),
}

test('the command after the first positional is passed through untouched', async (t) => {
  const r = await parseArgv(['--rm', 'sh', '-c', 'echo -e x', '--rm', '-e', 'Y'], flags, 'run')
  t.true(r.flags.rm)
  t.deepEqual(r.flags.env, [])
  t.deepEqual(r.rest, ['sh', '-c', 'echo -e x', '--rm', '-e', 'Y'])
})

test('grouped short booleans and attached short values', async (t) => {
  const r = await parseArgv(['-it', '-eA=1', '-e=B=2', '-e', 'C', '-hbox', 'cmd'], flags, 'run')
  t.true(r.flags.interactive)
  t.true(r.flags.tty)
  t.deepEqual(r.flags.env, ['A=1', 'B=2', 'C'])
  t.is(r.flags.hostname, 'box')
  t.deepEqual(r.rest, ['cmd'])
})

test('a group may end with a flag that takes the next argument', async (t) => {
  const r = await parseArgv(['-ite', 'X=1', 'cmd'], flags, 'run')
  t.true(r.flags.tty)
  t.deepEqual(r.flags.env, ['X=1'])
  t.deepEqual(r.rest, ['cmd'])
})

test('--flag=value, last value wins for single flags, -- ends the flags', async (t) => {
  const r = await parseArgv(['--name=a', '--name', 'b', '--', '--rm', 'x'], flags, 'run')
  t.is(r.flags.name, 'b')
  t.false(r.flags.rm)
  t.deepEqual(r.rest, ['--rm', 'x'])
})

test('a lone dash is a positional', async (t) => {
  const r = await parseArgv(['-i', '-', 'x'], flags, 'run')
  t.deepEqual(r.rest, ['-', 'x'])
})

test('unknown flags are refused with exit 125', async (t) => {
  for (const argv of [['--bogus', 'x'], ['-z', 'x'], ['-iz', 'x'], ['--bogus=1']]) {
    const e = await t.throwsAsync(parseArgv(argv, flags, 'run'), { instanceOf: CliError })
    t.is(e?.code, 'unknown_flag')
    t.is(e?.exitCode, 125)
    t.regex(e?.message ?? '', /unknown flag: -/)
  }
})

test('a flag without its value is refused', async (t) => {
  const e = await t.throwsAsync(parseArgv(['--name'], flags, 'run'), { instanceOf: CliError })
  t.is(e?.code, 'flag_needs_value')
  await t.throwsAsync(parseArgv(['-e'], flags, 'run'), { instanceOf: CliError })
})

test('values are converted and checked', async (t) => {
  t.is((await parseArgv(['--count', '3'], flags, 'run')).flags.count, 3)
  await t.throwsAsync(parseArgv(['--count', 'x'], flags, 'run'), { instanceOf: CliError })
  await t.throwsAsync(parseArgv(['--count', '0'], flags, 'run'), { instanceOf: CliError })
  await t.throwsAsync(parseArgv(['--mode', 'c'], flags, 'run'), { instanceOf: CliError, message: /one of a, b/ })
})

test('a flag may come from its environment variable', async (t) => {
  process.env.TSC_BOX_TEST_FROM_ENV = 'from-env'
  try {
    t.is((await parseArgv([], flags, 'run')).flags.fromEnv, 'from-env')
    t.is((await parseArgv(['--fromEnv', 'flag'], flags, 'run')).flags.fromEnv, 'flag')
  } finally {
    delete process.env.TSC_BOX_TEST_FROM_ENV
  }
})

test('jsonRequested looks only at the flags, not at the command', (t) => {
  t.true(jsonRequested(['--rm', '--json', 'x'], flags))
  t.true(jsonRequested(['--bogus', '--json'], flags))
  t.false(jsonRequested(['--rm', 'echo', '--json'], flags))
  t.false(jsonRequested(['--name', '--json'], flags))
  t.false(jsonRequested(['-e', '--json', 'x'], flags))
})

test('the real run flags parse a docker-style command line', async (t) => {
  const r = await parseArgv(['--rm', '-it', '--rootfs', '/r', '-v', '/a:/b:ro', '-u', '1:2', '-w', '/tmp', 'sh', '-c', 'echo -e x'], runFlags, 'run')
  t.true(r.flags.rm)
  t.true(r.flags.tty)
  t.is(r.flags.rootfs, '/r')
  t.deepEqual(r.flags.volume, ['/a:/b:ro'])
  t.is(r.flags.user, '1:2')
  t.is(r.flags.workdir, '/tmp')
  t.deepEqual(r.rest, ['sh', '-c', 'echo -e x'])
})
