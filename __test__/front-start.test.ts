// `tsc-box start` and `restart` answer through the runtime's native front door, and the Node
// path runs the same Rust (crates/containers/src/start.rs) through the binding: the same
// output, errors, --json and exit status from both doors. Behaviour: a stopped container runs
// again under a new monitor, a running one is left alone, restart stops then starts, a `--rm`
// container started natively removes itself once ended (the monitor's exit command), and a
// command the runtime cannot run fails with docker's 127 and the runtime's message once.
import test from 'ava'
import { rmSync } from 'node:fs'
import { makeDataRoot, sameAnswer, sameFailureFromBothDoors, tsc, tscNode } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { ps, stateOf, until } from './lifecycle-helpers'

const root = makeDataRoot()
const rootfs = makeRootfs()

function create(...args: string[]): string {
  const r = tsc(root, ['create', ...args])
  if (r.code !== 0) throw new Error(`create failed (${r.code}): ${r.stderr}`)
  return r.stdout.trim()
}

test.before(() => {
  create('--name', 'sleeper', '--rootfs', rootfs, 'sleep', '1000')
  create('--name', 'other', '--rootfs', rootfs, 'sleep', '1000')
})

test.after.always(() => {
  const all = ps(root).map((e) => e.id)
  if (all.length > 0) tsc(root, ['rm', '-f', ...all])
  rmSync(rootfs, { recursive: true, force: true })
})

const ERRORS: string[][] = [
  ['start', 'nope'],
  ['start', '--json', 'nope'],
  ['start', 'nope', 'nada'],
  ['restart', 'nope'],
  ['restart', '--json', 'nope'],
  ['restart', '-t', 'x', 'sleeper'],
  ['restart', '-t', '-1', 'sleeper'],
  ['start', '--bogus', 'sleeper'],
]

sameFailureFromBothDoors(root, ERRORS, (t) => t.is(stateOf(root, 'sleeper')!.state, 'created', 'nothing started'))

test.serial('start: a created or stopped container runs; both doors print the same, text and --json', (t) => {
  const id = stateOf(root, 'sleeper')!.id
  for (const json of [[], ['--json']]) {
    const native = tsc(root, ['start', ...json, 'sleeper'])
    t.is(native.code, 0, native.stderr)
    t.is(stateOf(root, 'sleeper')!.state, 'running')
    // A running container is left as it is, and named as docker does.
    const pid = stateOf(root, 'sleeper')!.pid
    sameAnswer(t, tsc(root, ['start', ...json, 'sleeper']), tscNode(root, ['start', ...json, 'sleeper']))
    t.is(stateOf(root, 'sleeper')!.pid, pid)
    t.is(tsc(root, ['stop', '-t', '0', 'sleeper']).code, 0)
    const node = tscNode(root, ['start', ...json, 'sleeper'])
    sameAnswer(t, native, node)
    t.is(stateOf(root, 'sleeper')!.state, 'running')
    t.is(tsc(root, ['stop', '-t', '0', 'sleeper']).code, 0)
  }
  t.is(tsc(root, ['start', 'sleeper']).stdout, 'sleeper\n')
  t.deepEqual(JSON.parse(tscNode(root, ['start', '--json', 'sleeper']).stdout), [{ id, name: 'sleeper' }])
  // Several names, one missing: the others start, the missing one is reported, status 1.
  t.is(tsc(root, ['stop', '-t', '0', 'sleeper']).code, 0)
  const r = tsc(root, ['start', 'sleeper', 'nope', 'other'])
  t.is(r.code, 1)
  t.is(r.stdout, 'sleeper\nother\n')
  t.is(r.stderr, 'tsc-box: no such container: nope\n')
  t.is(stateOf(root, 'other')!.state, 'running')
})

test.serial('restart: a new process from both doors, the same output', (t) => {
  tsc(root, ['start', 'sleeper'])
  for (const json of [[], ['--json']]) {
    const before = stateOf(root, 'sleeper')!.pid
    const native = tsc(root, ['restart', '-t', '0', ...json, 'sleeper'])
    t.is(native.code, 0, native.stderr)
    const mid = stateOf(root, 'sleeper')!
    t.is(mid.state, 'running')
    t.not(mid.pid, before)
    sameAnswer(t, native, tscNode(root, ['restart', '-t', '0', ...json, 'sleeper']))
    t.not(stateOf(root, 'sleeper')!.pid, mid.pid)
  }
  // Back to back on its bridge network: the veth pair of the run before, named as the new
  // one and not yet gone with its namespace, is replaced by the attach.
  for (let i = 0; i < 5; i++) {
    const r = tsc(root, ['restart', '-t', '0', 'sleeper'])
    t.is(r.code, 0, r.stderr)
  }
  // A stopped container is started by restart.
  t.is(tsc(root, ['stop', '-t', '0', 'sleeper']).code, 0)
  t.is(tsc(root, ['restart', 'sleeper']).stdout, 'sleeper\n')
  t.is(stateOf(root, 'sleeper')!.state, 'running')
})

test.serial('a --rm container started through the native door removes itself once ended', async (t) => {
  for (const run of [tsc, tscNode]) {
    const id = create('--rm', '--rootfs', rootfs, 'sh', '-c', 'sleep 0.2')
    const r = run(root, ['start', id])
    t.is(r.code, 0, r.stderr)
    await until('the --rm container to remove itself', () => !ps(root).some((e) => e.id === id))
    t.false(ps(root).some((e) => e.id === id))
  }
})

test.serial('a command the runtime cannot run: 127 and its message once, the same from both doors', (t) => {
  create('--name', 'broken', '--rootfs', rootfs, '/no/such/program')
  for (const json of [[], ['--json']]) {
    const native = tsc(root, ['start', ...json, 'broken'])
    t.is(native.code, 127, native.stderr)
    t.regex(native.stderr, /^tsc-box: .*no\/such\/program.*\n$/)
    sameAnswer(t, native, tscNode(root, ['start', ...json, 'broken']))
    if (json.length > 0) t.is(JSON.parse(native.stdout).error.code, 'runtime_not_found')
  }
})
