// `tsc-box stop`, `kill`, `pause` and `unpause` answer through the runtime's native front door,
// and the Node path runs the same Rust (crates/containers/src/lifecycle.rs) through the
// binding: the same output, errors, --json and exit status from both doors, for each form.
// Behaviour: stop respects -t and the restart policy, kill -s delivers its signal, and ps
// shows pause/unpause.
import test from 'ava'
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { makeDataRoot, sameAnswer, sameFailureFromBothDoors, tsc, tscNode } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { ps, sleep, stateOf, until } from './lifecycle-helpers'

const root = makeDataRoot()
const rootfs = makeRootfs()

function detached(...args: string[]): string {
  const r = tsc(root, ['run', '-d', ...args])
  if (r.code !== 0) throw new Error(`run -d failed (${r.code}): ${r.stderr}`)
  return r.stdout.trim()
}

test.before(() => {
  detached('--name', 'up', '--rootfs', rootfs, 'sleep', '1000')
  const ended = detached('--name', 'ended', '--rootfs', rootfs, 'sh', '-c', 'exit 3')
  tsc(root, ['wait', ended])
})

test.after.always(() => {
  const all = ps(root).map((e) => e.id)
  if (all.length > 0) tsc(root, ['rm', '-f', ...all])
  rmSync(rootfs, { recursive: true, force: true })
})

/**
 * Resolves once container `name`'s shell has set its traps (it touches /tmp/ready-$HOSTNAME
 * after them; the rootfs is shared): a signal before that would be dropped, the shell being
 * pid 1 of its namespace without a handler yet.
 */
async function armed(name: string): Promise<void> {
  const file = join(rootfs, 'tmp', `ready-${stateOf(root, name)!.id.slice(0, 12)}`)
  await until(`${name}'s traps`, () => existsSync(file))
  rmSync(file)
}

const READY = 'touch /tmp/ready-$HOSTNAME; while true; do sleep 0.1; done'

// Forms that change nothing: errors, one name or several, text and --json.
const ERRORS: string[][] = [
  ['stop', 'nope'],
  ['stop', '--json', 'nope'],
  ['kill', 'ended'],
  ['kill', '--json', 'ended'],
  ['kill', 'nope', 'ended'],
  ['kill', '-s', 'USR1', '--json', 'ended', 'nope'],
  ['pause', 'ended'],
  ['pause', '--json', 'nope'],
  ['unpause', 'up'],
  ['unpause', '--json', 'up', 'ended'],
  ['stop', '-t', 'x', 'up'],
  ['stop', '-t', '-1', 'up'],
  ['kill', '--bogus', 'up'],
]

sameFailureFromBothDoors(root, ERRORS, (t) => t.is(stateOf(root, 'up')!.state, 'running', 'nothing changed'))

test.serial('pause and unpause: the same output from both doors, and ps says Paused', (t) => {
  for (const json of [[], ['--json']]) {
    const nativePause = tsc(root, ['pause', ...json, 'up'])
    t.is(nativePause.code, 0, nativePause.stderr)
    t.is(stateOf(root, 'up')!.state, 'paused')
    t.regex(tsc(root, ['ps']).stdout, /Up .* \(Paused\)/)
    const nodeUnpause = tscNode(root, ['unpause', ...json, 'up'])
    t.is(nodeUnpause.code, 0, nodeUnpause.stderr)
    t.is(stateOf(root, 'up')!.state, 'running')
    sameAnswer(t, nativePause, tscNode(root, ['pause', ...json, 'up']))
    t.is(stateOf(root, 'up')!.state, 'paused')
    sameAnswer(t, tsc(root, ['unpause', ...json, 'up']), nodeUnpause)
    t.is(stateOf(root, 'up')!.state, 'running')
  }
  const id = stateOf(root, 'up')!.id
  t.deepEqual(JSON.parse(tsc(root, ['pause', '--json', 'up']).stdout), [{ id, name: 'up' }])
  t.is(tsc(root, ['unpause', 'up']).stdout, 'up\n')
})

test.serial('kill -s delivers the signal; both doors print the same', async (t) => {
  detached('--name', 'sig', '--rootfs', rootfs, 'sh', '-c', `trap "exit 10" USR1; trap "exit 12" USR2; ${READY}`)
  await armed('sig')
  const native = tsc(root, ['kill', '-s', 'USR1', '--json', 'sig'])
  t.is(native.code, 0, native.stderr)
  t.is(tsc(root, ['wait', 'sig']).stdout, '10\n')
  tsc(root, ['start', 'sig'])
  await armed('sig')
  const node = tscNode(root, ['kill', '-s', 'USR1', '--json', 'sig'])
  sameAnswer(t, native, node)
  t.deepEqual(JSON.parse(native.stdout), [{ id: stateOf(root, 'sig')!.id, name: 'sig', signal: 'USR1' }])
  t.is(tsc(root, ['wait', 'sig']).stdout, '10\n')
  tsc(root, ['start', 'sig'])
  await armed('sig')
  // Flags after the name, as docker takes them; a number for the signal.
  t.is(tsc(root, ['kill', 'sig', '-s', '12']).stdout, 'sig\n')
  t.is(tsc(root, ['wait', 'sig']).stdout, '12\n')
})

test.serial('stop: SIGTERM, SIGKILL after -t; both doors print the same, exit codes in --json', async (t) => {
  detached('--name', 'polite', '--rootfs', rootfs, 'sh', '-c', `trap "exit 42" TERM; ${READY}`)
  await armed('polite')
  const native = tsc(root, ['stop', '--json', 'polite'])
  t.is(native.code, 0, native.stderr)
  t.deepEqual(JSON.parse(native.stdout), [{ id: stateOf(root, 'polite')!.id, name: 'polite', exitCode: 42 }])
  tsc(root, ['start', 'polite'])
  await armed('polite')
  sameAnswer(t, native, tscNode(root, ['stop', '--json', 'polite']))
  // Stopping a stopped container is no error (docker), from both doors.
  sameAnswer(t, tsc(root, ['stop', 'polite', 'ended']), tscNode(root, ['stop', 'polite', 'ended']))
  t.is(tsc(root, ['stop', 'polite', 'ended']).stdout, 'polite\nended\n')

  detached('--name', 'stubborn', '--rootfs', rootfs, 'sh', '-c', 'trap "" TERM; while true; do sleep 0.1; done')
  for (const run of [tsc, tscNode]) {
    const t0 = Date.now()
    const r = run(root, ['stop', '-t', '1', '--json', 'stubborn'])
    const took = Date.now() - t0
    t.is(r.code, 0, r.stderr)
    t.is(JSON.parse(r.stdout)[0].exitCode, 137)
    t.true(took >= 1000 && took < 9000, `stop -t 1 took ${took} ms`)
    tsc(root, ['start', 'stubborn'])
  }
  // -t 0: SIGKILL at once.
  const t0 = Date.now()
  t.is(tsc(root, ['stop', '-t', '0', 'stubborn']).code, 0)
  t.true(Date.now() - t0 < 900, 'no grace time with -t 0')
  t.is(stateOf(root, 'stubborn')!.exitCode, 137)
})

test.serial('a stopped container is not restarted by its policy; a killed one is', async (t) => {
  detached('--name', 'always', '--restart', 'always', '--rootfs', rootfs, 'sleep', '1000')
  t.is(tsc(root, ['stop', '-t', '0', 'always']).code, 0)
  t.is(stateOf(root, 'always')!.state, 'exited')
  await sleep(1500)
  t.is(stateOf(root, 'always')!.state, 'exited', 'a stopped container is not restarted')
  tsc(root, ['start', 'always'])
  t.is(tsc(root, ['kill', 'always']).code, 0)
  await until('the policy to restart it', () => stateOf(root, 'always')!.restartCount >= 1 && stateOf(root, 'always')!.state === 'running')
  t.is(tsc(root, ['stop', 'always']).code, 0)
  t.is(stateOf(root, 'always')!.state, 'exited')
})

test.serial('a paused container stops, and takes a SIGKILL from kill', (t) => {
  detached('--name', 'frozen', '--rootfs', rootfs, 'sleep', '1000')
  t.is(tsc(root, ['pause', 'frozen']).code, 0)
  t.is(tsc(root, ['stop', '-t', '1', 'frozen']).code, 0)
  t.is(stateOf(root, 'frozen')!.state, 'exited')
  tsc(root, ['start', 'frozen'])
  t.is(tsc(root, ['pause', 'frozen']).code, 0)
  t.is(tsc(root, ['kill', 'frozen']).code, 0)
  t.is(tsc(root, ['wait', 'frozen']).stdout, '137\n')
})
