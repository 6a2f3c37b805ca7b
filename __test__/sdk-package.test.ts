// The package's entry: `import {TscBox} from 'tsc-box'` and `require('tsc-box')` give the same
// API (the ESM wrapper re-exports the CommonJS build), and the options' types follow the table.
import { spawnSync } from 'node:child_process'
import test from 'ava'
import { type CommandOptions, type RunOptions, TscBoxError } from '../src/index'
import { flagTokens } from '../src/sdk/options'
import { REPO } from './helpers/cli'

function node(args: string[]): { code: number | null; out: string; err: string } {
  // In the checkout, `tsc-box` resolves to the package itself (its `exports` map).
  const r = spawnSync(process.execPath, args, { cwd: REPO, encoding: 'utf8' })
  return { code: r.status, out: r.stdout.trim(), err: r.stderr }
}

test('ESM import and CommonJS require of tsc-box give TscBox, TscBoxError and runCommand', (t) => {
  const names = 'typeof TscBox, typeof TscBoxError, typeof runCommand, Object.keys(JSON_SHAPES).length > 40'
  const esm = node(['--input-type=module', '-e', `import {TscBox, TscBoxError, runCommand, JSON_SHAPES} from 'tsc-box'; console.log(${names})`])
  t.is(esm.code, 0, esm.err)
  t.is(esm.out, 'function function function true')
  const cjs = node(['-e', `const {TscBox, TscBoxError, runCommand, JSON_SHAPES} = require('tsc-box'); console.log(${names})`])
  t.is(cjs.code, 0, cjs.err)
  t.is(cjs.out, esm.out)
})

test('options are the command table flags in camelCase, given to the command parser as its flags', (t) => {
  // The types are checked by tsc -p tsconfig.test.json (npm run test:types): the @ts-expect-error lines fail it when accepted.
  const run: RunOptions = { memorySwap: '1g', env: ['A=1', 'B=2'], readOnly: true, rm: false }
  t.deepEqual(flagTokens('run', run), ['--memory-swap=1g', '--env=A=1', '--env=B=2', '--read-only'])
  const net: CommandOptions<'network:create'> = { subnet: ['10.1.0.0/24'], ipv6: true }
  t.deepEqual(flagTokens('network:create', net), ['--subnet=10.1.0.0/24', '--ipv6'])
  // @ts-expect-error: no such flag of run
  const unknown: RunOptions = { noSuchFlag: true }
  t.throws(() => flagTokens('run', unknown), { instanceOf: TscBoxError, message: /run has no option noSuchFlag \(--no-such-flag\)/ })
  // @ts-expect-error: --rm is a switch
  const wrongType: RunOptions = { rm: 'yes' }
  t.throws(() => flagTokens('run', wrongType), { instanceOf: TscBoxError })
})
