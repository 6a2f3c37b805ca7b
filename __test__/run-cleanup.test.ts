// Bad input is refused with exit 125 (and a JSON error under --json), and neither a refused run
// nor a finished --rm run leaves a mount, cgroup, runtime state or container record behind.
import test from 'ava'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeDataRoot, tsc, type Result } from './helpers/cli'
import { cgroupsNamed, filesUnder, mountsUnder } from './helpers/leaks'
import { makeRootfs } from './helpers/rootfs'

const rootfs = makeRootfs()
writeFileSync(join(rootfs, 'a-file'), 'x')
const badEnv = join(mkdtempSync(join(tmpdir(), 'tsc-box-env-')), 'bad.env')
writeFileSync(badEnv, 'GOOD=1\n=novalue\n')

/** Runs in a fresh data root and proves that nothing was left, by name and by listing. */
function runAndCheckClean(t: import('ava').ExecutionContext, args: string[]): Result {
  const root = makeDataRoot()
  const before = filesUnder(root)
  const name = `clean-${process.pid}-${Math.random().toString(16).slice(2, 10)}`
  const r = tsc(root, ['run', '--rm', '--name', name, ...args])
  t.deepEqual(mountsUnder(root), [], 'mount left under the data root')
  t.deepEqual(mountsUnder(rootfs), [], 'mount left under the rootfs')
  t.deepEqual(cgroupsNamed(name), [], 'cgroup left')
  const left = filesUnder(root).filter((f) => !before.includes(f))
  const leftState = left.filter((f) => /containers\/.+|names\/.+/.test(f))
  t.deepEqual(leftState, [], `state left: ${left.join(', ')}`)
  return r
}

const refused: Array<[string, string[], RegExp]> = [
  ['a missing rootfs', ['--rootfs', '/nonexistent/rootfs', 'true'], /rootfs/i],
  ['a relative rootfs', ['--rootfs', 'relative/dir', 'true'], /rootfs.*absolute|absolute.*rootfs/i],
  ['an unknown user', ['--rootfs', rootfs, '-u', 'nosuchuser', 'true'], /nosuchuser/],
  // -v makes a missing source, as docker's does; --mount refuses it.
  [
    'a bind mount whose source does not exist',
    ['--rootfs', rootfs, '--mount', 'type=bind,src=/nonexistent/src,dst=/data', 'true'],
    /bind source path does not exist: \/nonexistent\/src/,
  ],
  ['an invalid --mount key', ['--rootfs', rootfs, '--mount', 'type=volume,src=v1,dst=/data,colour=red', 'true'], /unexpected key 'colour'/],
  ['a workdir that is a file', ['--rootfs', rootfs, '-w', '/a-file', 'true'], /a-file/],
  ['an invalid env file', ['--rootfs', rootfs, '--env-file', badEnv, 'true'], /line 2/],
  ['a missing env file', ['--rootfs', rootfs, '--env-file', '/nonexistent/env', 'true'], /\/nonexistent\/env/],
  ['an unknown flag', ['--no-such-flag', '--rootfs', rootfs, 'true'], /no-such-flag/],
  ['no command', ['--rootfs', rootfs], /command/i],
]

for (const [what, args, message] of refused) {
  test(`${what} is refused with 125 and leaves nothing`, (t) => {
    const r = runAndCheckClean(t, args)
    t.is(r.code, 125, r.stderr)
    t.regex(r.stderr, message)
  })
}

test('under --json an error is a JSON object with a stable code', (t) => {
  const r = runAndCheckClean(t, ['--json', '--rootfs', '/nonexistent/rootfs', 'true'])
  t.is(r.code, 125)
  const out = JSON.parse(r.stdout) as { error: { code: string; message: string } }
  t.is(typeof out.error.code, 'string')
  t.regex(out.error.message, /rootfs/i)
})

test('--rm after a successful run leaves nothing', (t) => {
  const r = runAndCheckClean(t, ['--rootfs', rootfs, 'sh', '-c', 'echo ok'])
  t.is(r.code, 0, r.stderr)
})

test('--rm after a failing app, a missing command and a signal leaves nothing', (t) => {
  t.is(runAndCheckClean(t, ['--rootfs', rootfs, 'sh', '-c', 'exit 9']).code, 9)
  t.is(runAndCheckClean(t, ['--rootfs', rootfs, 'no-such-command']).code, 127)
  t.is(runAndCheckClean(t, ['--rootfs', rootfs, '--init', 'sh', '-c', 'kill -KILL $$']).code, 137)
})

test('a volume destination is created inside the rootfs, never outside it', (t) => {
  const vol = mkdtempSync(join(tmpdir(), 'tsc-box-vol-'))
  mkdirSync(join(vol, 'sub'))
  const r = runAndCheckClean(t, ['--rootfs', rootfs, '-v', `${vol}:/mnt/new/deep`, 'ls', '/mnt/new/deep'])
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.trim(), 'sub')
})

test('a name already in use is refused with 125', (t) => {
  const root = makeDataRoot()
  const first = tsc(root, ['run', '--name', 'taken', '--rootfs', rootfs, 'true'])
  t.is(first.code, 0, first.stderr)
  const second = tsc(root, ['run', '--name', 'taken', '--rootfs', rootfs, 'true'])
  t.is(second.code, 125)
  t.regex(second.stderr, /taken/)
})
