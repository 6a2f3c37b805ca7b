// bin/run.js is a sh/JavaScript polyglot: executed, its sh lines hand `exec` to the runtime's
// native front door (`tsc-box-runtime --cli exec`) and everything else to Node. These tests
// pin that dispatch (a symlinked bin, --help, TSC_BOX_RUNTIME, no runtime) and that the
// JavaScript path (`node -- bin/run.js exec`) gives the same answers.
import test from 'ava'
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN, makeDataRoot, RUNTIME, tsc, tscNode } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { ps } from './lifecycle-helpers'

const rootfs = makeRootfs()

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'tsc-box-front-'))
}

/** A stand-in runtime that only says how it was called. */
function fakeRuntime(): string {
  const f = join(tmp(), 'rt')
  writeFileSync(f, '#!/bin/sh\necho "args: $*"\necho "js: $TSC_BOX_CLI_JS"\n')
  chmodSync(f, 0o755)
  return f
}

function running(t: import('ava').ExecutionContext): { root: string; id: string } {
  const root = makeDataRoot()
  t.teardown(() => {
    const ids = ps(root).map((e) => e.id)
    if (ids.length > 0) tsc(root, ['rm', '-f', ...ids])
  })
  const r = tsc(root, ['run', '-d', '--name', 'front', '--rootfs', rootfs, 'sleep', '1000'])
  if (r.code !== 0) throw new Error(`run -d failed (${r.code}): ${r.stderr}`)
  return { root, id: r.stdout.trim() }
}

test('exec goes to the runtime named by TSC_BOX_RUNTIME, with the real path of the entry', (t) => {
  const r = tsc(makeDataRoot(), ['exec', '-i', 'c', 'sh', '-c', 'x'], '', { TSC_BOX_RUNTIME: fakeRuntime() })
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout, `args: --cli exec -i c sh -c x\njs: ${realpathSync(BIN)}\n`)
})

test('a symlinked bin (npm link) finds its package: the native exec, with no node on PATH', (t) => {
  const { root, id } = running(t)
  const dir = tmp()
  symlinkSync(BIN, join(dir, 'tsc-box'))
  // Only readlink: were exec handed to Node, `node` would not be found (127).
  const readlink = execFileSync('sh', ['-c', 'command -v readlink'], { encoding: 'utf8' }).trim()
  symlinkSync(readlink, join(dir, 'readlink'))
  const r = execFileSync(join(dir, 'tsc-box'), ['exec', id.slice(0, 8), 'echo', 'native'], {
    env: { TSC_BOX_ROOT: root, PATH: dir },
    encoding: 'utf8',
  })
  t.is(r, 'native\n')
})

test('--help and other commands go to Node (oclif)', (t) => {
  const rt = fakeRuntime()
  const help = tsc(makeDataRoot(), ['exec', '--help'], '', { TSC_BOX_RUNTIME: rt })
  t.is(help.code, 0, help.stderr)
  t.regex(help.stdout, /Execute a command in a running container/)
  t.notRegex(help.stdout, /args:/)
  // An oclif command (rmi) is answered by Node, whatever the runtime.
  const rmi = tsc(makeDataRoot(), ['rmi', '--json', 'no-such-image'], '', { TSC_BOX_RUNTIME: rt })
  t.notRegex(rmi.stdout, /args:/)
  t.is((JSON.parse(rmi.stdout) as { error: { code: string } }).error.code, 'image_not_found')
  // ps is a native command of the table: the runtime's front answers it, --help aside.
  t.regex(tsc(makeDataRoot(), ['ps', '--json'], '', { TSC_BOX_RUNTIME: rt }).stdout, /^args: --cli ps --json/)
  t.regex(tsc(makeDataRoot(), ['ps', '--help'], '', { TSC_BOX_RUNTIME: rt }).stdout, /List containers/)
})

test('without a runtime, exec falls back to Node, which names the missing binary', (t) => {
  const r = tsc(makeDataRoot(), ['exec', 'c', 'true'], '', { TSC_BOX_RUNTIME: join(tmp(), 'none') })
  t.is(r.code, 125)
  t.regex(r.stderr, /runtime binary .* is missing/)
})

test('the JavaScript path (node -- bin/run.js exec) runs the same exec', (t) => {
  const { root, id } = running(t)
  const a = tscNode(root, ['exec', '-e', 'X=1', 'front', 'sh', '-c', 'echo $X; exit 4'])
  t.is(a.code, 4, a.stderr)
  t.is(a.stdout, '1\n')
  t.is(tscNode(root, ['exec', '-i', id, 'cat'], 'in').stdout, 'in')
  t.is(tscNode(root, ['exec', id, 'no-such-command']).code, 127)
  const j = tscNode(root, ['exec', '--json', 'nosuch', 'true'])
  t.is(j.code, 1)
  t.deepEqual(JSON.parse(j.stdout), { error: { code: 'no_such_container', message: 'no such container: nosuch' } })
  const n = tsc(root, ['exec', '--json', 'nosuch', 'true'])
  t.is(n.code, 1)
  t.is(n.stdout, j.stdout)
  t.true(RUNTIME.length > 0)
})

test("native exec: usage errors are the CLI's, 125 with codes", (t) => {
  const root = makeDataRoot()
  const e = tsc(root, ['exec', '--json', '--bogus', 'c', 'true'])
  t.is(e.code, 125)
  t.deepEqual(JSON.parse(e.stdout), { error: { code: 'unknown_flag', message: "unknown flag: --bogus\nSee 'tsc-box exec --help'." } })
  const u = tsc(root, ['exec', 'c'])
  t.is(u.code, 125)
  t.regex(u.stderr, /exec needs a container and a command/)
  t.is(tsc(root, ['exec', '-e']).code, 125)
})

test('native exec: bad env, workdir and user are refused before anything runs', (t) => {
  const { root, id } = running(t)
  const code = (args: string[]) => {
    const r = tsc(root, ['exec', '--json', ...args])
    return [r.code, JSON.parse(r.stdout).error.code]
  }
  t.deepEqual(code(['-e', '=x', id, 'true']), [125, 'invalid_env'])
  t.deepEqual(code(['-w', 'rel', id, 'true']), [125, 'invalid_workdir'])
  t.deepEqual(code(['-u', 'ghost', id, 'true']), [125, 'unknown_user'])
  t.deepEqual(code(['-u', 'app:no-such-group', id, 'true']), [125, 'unknown_user'])
})

test('rm goes to the runtime with its flags anywhere; rm --help and rm without names go to Node', (t) => {
  const rt = fakeRuntime()
  const r = tsc(makeDataRoot(), ['rm', 'c1', '-f', 'c2'], '', { TSC_BOX_RUNTIME: rt })
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout, `args: --cli rm c1 -f c2\njs: ${realpathSync(BIN)}\n`)
  const help = tsc(makeDataRoot(), ['rm', '--help'], '', { TSC_BOX_RUNTIME: rt })
  t.regex(help.stdout, /Remove one or more containers/)
  // The real front hands a name-less rm to Node, whose parser names the missing argument.
  const none = tsc(makeDataRoot(), ['rm', '-f'])
  t.is(none.code, 125)
  t.notRegex(none.stderr, /args:/)
})

test('native rm and the JavaScript path answer alike: running, force, json, unknown flags, several names', (t) => {
  const { root, id } = running(t)
  const busy = tsc(root, ['rm', '--json', 'front'])
  t.is(busy.code, 1)
  const msg = `container ${id.slice(0, 12)} is running: stop it first or use --force`
  t.deepEqual(JSON.parse(busy.stdout), { error: { code: 'container_running', message: msg } })
  t.is(tscNode(root, ['rm', '--json', 'front']).stdout, busy.stdout)
  const bad = tsc(root, ['rm', 'front', '-x'])
  t.is(bad.code, 125)
  t.is(bad.stderr, "tsc-box: unknown flag: -x\nSee 'tsc-box rm --help'.\n")
  // Two names, one missing: the found one goes, each failure is shown once, the status is 1.
  const two = tsc(root, ['rm', 'nosuch', 'front', '--force'])
  t.is(two.code, 1)
  t.is(two.stdout, 'front\n')
  t.is(two.stderr, 'tsc-box: no such container: nosuch\n')
  t.deepEqual(ps(root), [])
  const js = tscNode(root, ['rm', '--json', 'nosuch'])
  const native = tsc(root, ['rm', '--json', 'nosuch'])
  t.deepEqual([native.code, native.stdout, native.stderr], [js.code, js.stdout, js.stderr])
})
