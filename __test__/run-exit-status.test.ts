// `tsc-box run` exits like docker: the app's status, 128+N when a signal killed it, 126 when the
// command cannot be invoked, 127 when it does not exist, 125 when tsc-box itself failed.
import test from 'ava'
import { execFileSync } from 'node:child_process'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { collect, makeDataRoot, tsc, tscSpawn, waitForOutput } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'

const root = makeDataRoot()
const rootfs = makeRootfs()
writeFileSync(join(rootfs, 'not-executable'), '#!/bin/sh\necho never\n')
chmodSync(join(rootfs, 'not-executable'), 0o644)
const run = (...args: string[]) => tsc(root, ['run', '--rm', '--rootfs', rootfs, ...args])

test('a successful app exits 0', (t) => {
  const r = run('true')
  t.is(r.code, 0, r.stderr)
})

test("the app's own status is returned", (t) => {
  t.is(run('sh', '-c', 'exit 3').code, 3)
  t.is(run('false').code, 1)
})

test('a command that is not executable exits 126', (t) => {
  const r = run('/not-executable')
  t.is(r.code, 126)
  t.regex(r.stderr, /not-executable/)
  t.regex(r.stderr, /permission denied/i)
})

test('a command that does not exist exits 127', (t) => {
  const r = run('no-such-command')
  t.is(r.code, 127)
  t.regex(r.stderr, /no-such-command/)
  t.regex(r.stderr, /not found|no such file/i)
})

test('an app killed by SIGKILL from the host exits 137', async (t) => {
  const child = tscSpawn(root, ['run', '--rm', '--rootfs', rootfs, 'sh', '-c', 'echo ready; exec sleep 4137'])
  const done = collect(child)
  await waitForOutput(child, (s) => s.includes('ready'))
  // pid 1 of the container, seen from the host.
  await new Promise((r) => setTimeout(r, 200))
  const pid = execFileSync('pgrep', ['-f', '^sleep 4137$'], { encoding: 'utf8' }).trim()
  execFileSync('kill', ['-KILL', pid])
  const r = await done
  t.is(r.code, 137, r.stderr)
})

test('under --init, a signal that kills the app maps to 128+N (137, 143)', async (t) => {
  t.is(run('--init', 'sh', '-c', 'kill -KILL $$').code, 137)
  t.is(run('--init', 'sh', '-c', 'kill -TERM $$').code, 143)
})

test('SIGTERM to tsc-box run kills an app that does not handle it: 143', async (t) => {
  const child = tscSpawn(root, ['run', '--rm', '--init', '--rootfs', rootfs, 'sh', '-c', 'echo ready; exec sleep 300'])
  const done = collect(child)
  await waitForOutput(child, (s) => s.includes('ready'))
  await new Promise((r) => setTimeout(r, 200))
  child.kill('SIGTERM')
  const r = await done
  t.is(r.code, 143, r.stderr)
})
