// No command loads oclif unless it needs oclif's help output (issue #16): bin/run.js hands
// every command of the table to its bundle, whose dispatcher (src/cli/dispatch.ts) runs the
// command's action (src/actions/<id>.ts) with the lean parser. Each command of the table runs
// here through Node (`node -- bin/run.js`, the path a command takes without the native front
// door) under a require hook that records whether @oclif/core was loaded; a command added to
// the table without an action, or an action that imports oclif, fails this test.
import test from 'ava'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { commands } from '../src/cli/table'
import { BIN, makeDataRoot, REPO } from './helpers/cli'

const PROBE = join(__dirname, 'helpers', 'oclif-probe.cjs')
// A user's environment: ava's NODE_ENV=test makes oclif warn about what it does not check in production.
const { NODE_ENV: _, ...userEnv } = process.env
const root = makeDataRoot()
test.after.always(() => rmSync(root, { recursive: true, force: true }))

interface Probed {
  loaded: string
  code: number | null
  stdout: string
  stderr: string
}

function probe(args: string[]): Probed {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-probe-'))
  const file = join(dir, 'probe')
  try {
    const r = spawnSync(process.execPath, ['--', BIN, ...args], {
      env: { ...userEnv, TSC_BOX_ROOT: root, OCLIF_PROBE: file, NODE_OPTIONS: `--require ${PROBE}` },
      input: '',
      encoding: 'utf8',
      timeout: 60_000,
    })
    return { loaded: readFileSync(file, 'utf8'), code: r.status, stdout: r.stdout, stderr: r.stderr }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

// Arguments that fail fast without touching the host or a registry; every other command gets
// one made-up value per positional its action declares (no such container, image, volume...).
const ARGS: Record<string, string[]> = {
  run: ['--rootfs', '/nonexistent-rootfs', 'true'],
  create: ['--rootfs', '/nonexistent-rootfs', 'true'],
  exec: ['nosuch-container', 'true'],
  pull: ['localhost:1/nosuch'],
  'network:create': ['--subnet', 'not-a-cidr', 'probe-net'],
  stats: ['--no-stream'],
  cp: ['nosuch-container:/a', join(tmpdir(), 'nosuch-dest')],
}

function argsOf(id: string): string[] {
  if (Object.hasOwn(ARGS, id)) return ARGS[id] as string[]
  // biome-ignore lint/suspicious/noExplicitAny: the action module's default export, read for its args
  const action = require(join(REPO, 'src', 'actions', ...id.split(':'))).default as any
  return Object.keys(action.args ?? {}).map((name) => `nosuch-${name}`)
}

// Each command by its name and by each of its aliases (`container ls` is ps).
for (const [id, name] of Object.entries(commands).flatMap(([id, spec]) => [id, ...(spec.aliases ?? [])].map((name) => [id, name] as const))) {
  const words = name.split(':')
  test(`${words.join(' ')} answers without loading oclif, plain and with --json`, (t) => {
    // --json first: run, create and exec take flags only before the container's command.
    for (const args of [argsOf(id), ['--json', ...argsOf(id)]]) {
      const r = probe([...words, ...args])
      t.is(r.loaded, 'lean', `${[...words, ...args].join(' ')}: oclif was loaded (exit ${r.code}): ${r.stderr}`)
      // It answered: a result, or an error of the one contract (never a crash).
      t.not(r.code, null)
      if (args.includes('--json') && r.code !== 0) t.truthy(JSON.parse(r.stdout).error?.code, r.stdout)
    }
  })
}

test('--help is the one command line that loads oclif (the probe sees it)', (t) => {
  const r = probe(['ps', '--help'])
  t.is(r.code, 0)
  t.regex(r.stdout, /List containers/)
  t.is(r.loaded, 'oclif')
})

test('no bundle holds oclif', (t) => {
  const bundles = readdirSync(join(REPO, 'dist')).filter((f) => f.endsWith('-fast.js'))
  t.true(bundles.length > 0)
  for (const f of bundles) t.false(readFileSync(join(REPO, 'dist', f), 'utf8').includes('@oclif/core'), f)
})

/** The same command line answered by oclif itself, as bin/run.js reports its errors. */
function viaOclif(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const script = `const oclif = require('@oclif/core'); const {reportError} = require(${JSON.stringify(join(REPO, 'dist/src/cli/error-output.js'))});
const args = JSON.parse(process.argv[1]);
oclif.run(args, ${JSON.stringify(BIN)}).catch((e) => { process.exitCode = reportError(e, args.includes('--json')) }).finally(() => oclif.flush())`
  const r = spawnSync(process.execPath, ['-e', script, JSON.stringify(args)], { env: { ...userEnv, TSC_BOX_ROOT: root }, encoding: 'utf8', timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

for (const args of [
  ['tag', 'a', 'b', 'c'],
  ['diff', 'a', 'b', '--json'],
  ['logs', 'a', 'b', 'c'],
  ['volume', 'create', 'a', 'b'],
  ['volume', 'ls', '--json'],
  ['builder', 'prune', '--json'],
  ['images', '--json'],
  ['ps', '-a', '--json'],
  ['network', 'ls', '--json'],
  ['container', 'ls', '--format', '{{.Names}}'],
  ['image', 'from-host', 'x:1', '/nonexistent-binary', '--json'],
]) {
  test(`${args.join(' ')}: the same answer as oclif's, without oclif`, (t) => {
    const fast = probe(args)
    t.is(fast.loaded, 'lean')
    const oclif = viaOclif(args)
    t.is(fast.stdout, oclif.stdout)
    t.is(fast.stderr, oclif.stderr)
    t.is(fast.code, oclif.code)
  })
}

test('an alias is its command: container inspect looks for containers only', (t) => {
  const r = probe(['container', 'inspect', 'nosuch', '--json'])
  t.is(r.loaded, 'lean')
  t.is(r.code, 1)
  // docker's words; oclif gave its commands the canonical id, so it answered as plain inspect.
  t.deepEqual(JSON.parse(r.stdout), { error: { code: 'no_such_object', message: 'No such container: nosuch' } })
})

test('oclif answers a missing required argument (its message lists the arguments) and words after a command that takes none', (t) => {
  const a = probe(['tag', 'a'])
  t.is(a.code, 125)
  t.regex(a.stderr, /Missing 1 required arg:\ntarget/)
  const b = probe(['info', 'x', '--json'])
  t.is(b.code, 125)
  t.deepEqual(JSON.parse(b.stdout), { error: { code: 'unknown_command', message: 'command info:x not found' } })
})
