// The built command line (bin/run.js over dist/), for what unit tests cannot see: the entry's
// dispatch, --version without oclif, info's JSON shape, and the package's programmatic entry.
import test from 'ava'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'

const REPO = resolve(__dirname, '..')
const BIN = join(REPO, 'bin', 'run.js')

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--', BIN, ...args], { encoding: 'utf8', timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

test("--version prints oclif's version line", (t) => {
  const r = cli('--version')
  t.is(r.code, 0)
  t.regex(r.stdout, /^tsc-box\/\d+\.\d+\.\d+ linux-\w+ node-v\d+/)
})

test('info --json describes the host', (t) => {
  const r = cli('info', '--json', '--root', '/tmp/tsc-box-info-root')
  t.is(r.code, 0, r.stderr)
  const info = JSON.parse(r.stdout)
  t.regex(info.kernel.release, /^\d+\.\d+/)
  t.true(['v1', 'hybrid', 'v2'].includes(info.cgroup.mode))
  t.true(info.cgroup.v1Controllers.length + info.cgroup.unifiedControllers.length > 0)
  for (const ns of ['pid', 'mount', 'uts', 'ipc', 'network', 'cgroup']) t.is(info.namespaces[ns], true, ns)
  t.is(typeof info.userNamespaces.supported, 'boolean')
  t.is(typeof info.overlayfs, 'boolean')
  t.is(info.dataRoot, '/tmp/tsc-box-info-root')
  t.regex(info.runDir, /\/r\/[0-9a-f]{16}$/)
  t.true(existsSync(info.runtime.path))
  t.regex(info.runtime.version, /tsc-box-runtime/)
})

test('unknown commands and flags are 125 with a clear message, JSON under --json', (t) => {
  const a = cli('no-such-command')
  t.is(a.code, 125)
  t.regex(a.stderr, /no-such-command not found/)
  const b = cli('info', '--bogus', '--json')
  t.is(b.code, 125)
  // The lean parser's docker-style message, the native front door's too (no command parses with oclif).
  t.deepEqual(JSON.parse(b.stdout), { error: { code: 'unknown_flag', message: "unknown flag: --bogus\nSee 'tsc-box info --help'." } })
  const c = cli('--bogus')
  t.is(c.code, 125)
  t.regex(c.stderr, /unknown flag: --bogus/)
})

test("run --help is oclif's help for run, flags of every feature included", (t) => {
  const r = cli('run', '--help')
  t.is(r.code, 0, r.stderr)
  for (const flag of ['--rootfs', '--env-file', '--volume', '--init', '--memory', '--cap-add']) t.true(r.stdout.includes(flag), flag)
})

test('the package entry loads and exposes the spec builder', (t) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const api = require(join(REPO, 'dist', 'src', 'index.js'))
  t.is(typeof api.buildSpec, 'function')
  t.is(typeof api.runCommand, 'function')
  t.is(new api.CliError('x', 'y').exitCode, 125)
})
