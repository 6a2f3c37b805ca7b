// Env, env files, user, workdir, entrypoint and --init shape the app's process as in docker.
import test from 'ava'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeDataRoot, tsc } from './helpers/cli'
import { makeRootfs, TEST_USER } from './helpers/rootfs'

const root = makeDataRoot()
const rootfs = makeRootfs()
const run = (...args: string[]) => tsc(root, ['run', '--rm', '--rootfs', rootfs, ...args])

test("-e sets variables, -e NAME takes the caller's value, PATH and HOSTNAME are set", (t) => {
  process.env.TSC_BOX_FROM_CALLER = 'inherited'
  const r = run(
    '-e',
    'A=1',
    '-e',
    'B=two words',
    '-e',
    'TSC_BOX_FROM_CALLER',
    '-h',
    'hn',
    'sh',
    '-c',
    'echo "$A|$B|$TSC_BOX_FROM_CALLER|$HOSTNAME"; echo $PATH',
  )
  t.is(r.code, 0, r.stderr)
  const [vars, path] = r.stdout.trim().split('\n')
  t.is(vars, '1|two words|inherited|hn')
  t.regex(path!, /\/bin/)
})

test("--env-file reads docker's format", (t) => {
  const file = join(rootfs, '..', `env-${process.pid}`)
  writeFileSync(file, '# a comment\n\nFOO=bar\nEMPTY=\nSPACES=a b c\n')
  const r = run('--env-file', file, '-e', 'FOO=override', 'sh', '-c', 'echo "$FOO|$EMPTY|$SPACES"')
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout.trim(), 'override||a b c')
})

test("-u takes a name from the rootfs's /etc/passwd, with its groups", (t) => {
  const r = run('-u', TEST_USER.name, 'sh', '-c', 'id -u; id -g; id -G; echo $HOME')
  t.is(r.code, 0, r.stderr)
  const [uid, gid, groups, home] = r.stdout.trim().split('\n')
  t.is(uid, String(TEST_USER.uid))
  t.is(gid, String(TEST_USER.gid))
  t.true(groups!.split(' ').includes('29'), `supplementary group audio missing: ${groups}`)
  t.is(home, '/home/app')
})

test('-u takes uid:gid numbers', (t) => {
  const r = run('-u', '1234:5678', 'sh', '-c', 'id -u; id -g')
  t.is(r.code, 0, r.stderr)
  t.deepEqual(r.stdout.trim().split('\n'), ['1234', '5678'])
})

test('the default user is root', (t) => {
  t.is(run('id', '-u').stdout.trim(), '0')
})

test('-w sets the working directory, creating it when missing', (t) => {
  t.is(run('-w', '/tmp', 'pwd').stdout.trim(), '/tmp')
  t.is(run('-w', '/new/dir', 'pwd').stdout.trim(), '/new/dir')
})

test("--entrypoint replaces the command's first word, CMD gives its arguments", (t) => {
  const r = run('--entrypoint', 'echo', 'hello', 'world')
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout, 'hello world\n')
})

test('--init runs a tiny init as pid 1 that reaps zombies', (t) => {
  // The app (pid 2) orphans a child that exits at once: init must reap it, so no zombie remains.
  const r = run(
    '--init',
    'sh',
    '-c',
    'cat /proc/1/cmdline | tr "\\0" " "; echo; (sleep 0.1 &); sleep 0.5; grep -l "^State:.*Z" /proc/[0-9]*/status 2>/dev/null | wc -l; echo $$',
  )
  t.is(r.code, 0, r.stderr)
  const [init, zombies, pid] = r.stdout.trim().split('\n')
  t.regex(init!, /^\/dev\/init /)
  t.is(zombies, '0')
  t.not(pid, '1')
})

test('arguments after the command belong to the command, flags included', (t) => {
  const r = run('echo', '-n', '--rm', '-e', 'x')
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout, '--rm -e x')
})
