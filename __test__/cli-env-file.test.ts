import test from 'ava'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CliError } from '../src/errors'
import { mergeEnv, parseEnvFile, parseEnvFlag } from '../src/run/env-file'
import { readEnv } from '../src/run/validate'

test('docker env-file format: comments, blank lines, values kept verbatim', (t) => {
  const text = '# comment\n\nA=1\n  B=two words \nC="quoted"\nD=\nE=x=y\r\n'
  t.deepEqual(parseEnvFile(text, 'f', {}), ['A=1', 'B=two words ', 'C="quoted"', 'D=', 'E=x=y'])
})

test('a bare name takes the caller value, or is dropped when unset', (t) => {
  t.deepEqual(parseEnvFile('HOME_X\nMISSING\n', 'f', { HOME_X: '/h' }), ['HOME_X=/h'])
})

test('invalid lines are refused naming the file and line', (t) => {
  const e1 = t.throws(() => parseEnvFile('A=1\nBAD KEY=1\n', 'env.list', {}), { instanceOf: CliError })
  t.is(e1?.code, 'invalid_env_file')
  t.regex(e1?.message ?? '', /env\.list line 2/)
  const e2 = t.throws(() => parseEnvFile('\n\n=value\n', 'env.list', {}), { instanceOf: CliError })
  t.regex(e2?.message ?? '', /line 3/)
  t.throws(() => parseEnvFile('A=\uFFFD\n', 'f', {}), { instanceOf: CliError, message: /UTF-8/ })
})

test('-e KEY=VAL and -e KEY', (t) => {
  t.is(parseEnvFlag('A=1', {}), 'A=1')
  t.is(parseEnvFlag('A', { A: 'x' }), 'A=x')
  t.is(parseEnvFlag('A', {}), undefined)
  t.throws(() => parseEnvFlag('=x', {}), { instanceOf: CliError })
})

test('later entries override earlier ones, keeping first position', (t) => {
  t.deepEqual(mergeEnv(['A=1', 'B=2'], ['A=3', 'C=4']), ['A=3', 'B=2', 'C=4'])
})

test('readEnv: files first, then -e; unreadable file and invalid bytes are errors', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-envfile-'))
  const f = join(dir, 'env')
  writeFileSync(f, 'A=file\nB=file\n')
  t.deepEqual(readEnv([f], ['A=flag'], {}), ['A=flag', 'B=file'])
  t.throws(() => readEnv([join(dir, 'missing')], [], {}), { instanceOf: CliError, message: /cannot read env file/ })
  const bad = join(dir, 'bad')
  writeFileSync(bad, Buffer.from([0x41, 0x3d, 0xff, 0x0a]))
  t.throws(() => readEnv([bad], [], {}), { instanceOf: CliError, message: /line 1/ })
})
