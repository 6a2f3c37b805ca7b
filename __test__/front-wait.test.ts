// `tsc-box wait` answers through the runtime's native front door, and the Node path runs the
// same Rust wait (crates/containers/src/wait.rs): it blocks until the container has ended,
// prints each exit status (--json: [{id, name, exitCode}]), and a missing name fails with
// docker's 1 after the others, the same from both doors.
import test from 'ava'
import { rmSync } from 'node:fs'
import { makeDataRoot, tsc, tscNode } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { ps } from './lifecycle-helpers'

const root = makeDataRoot()
const rootfs = makeRootfs()

test.before(() => {
  for (const [name, code] of [
    ['three', '3'],
    ['zero', '0'],
  ] as const) {
    const r = tsc(root, ['run', '-d', '--name', name, '--rootfs', rootfs, 'sh', '-c', `exit ${code}`])
    if (r.code !== 0) throw new Error(`run -d: ${r.stderr}`)
  }
})

test.after.always(() => {
  const all = ps(root).map((e) => e.id)
  if (all.length > 0) tsc(root, ['rm', '-f', ...all])
  rmSync(rootfs, { recursive: true, force: true })
})

const FORMS: string[][] = [
  ['wait', 'three'],
  ['wait', 'three', 'zero'],
  ['wait', '--json', 'zero', 'three'],
  ['wait', 'nope'],
  ['wait', 'zero', 'nope', 'nada'],
  ['wait', '--json', 'nope'],
]

for (const args of FORMS) {
  test.serial(`the native front door and Node print the same for: ${args.join(' ')}`, (t) => {
    const native = tsc(root, args)
    const node = tscNode(root, args)
    t.is(native.stdout, node.stdout)
    t.is(native.stderr, node.stderr)
    t.is(native.code, node.code)
  })
}

test.serial('wait blocks until a running container ends and prints its status', (t) => {
  const r = tsc(root, ['run', '-d', '--name', 'slow', '--rootfs', rootfs, 'sh', '-c', 'sleep 1; exit 7'])
  t.is(r.code, 0, r.stderr)
  const started = Date.now()
  const w = tsc(root, ['wait', 'slow'])
  t.is(w.stdout, '7\n')
  t.is(w.code, 0)
  t.true(Date.now() - started >= 500, 'it waited')
  t.is(tsc(root, ['wait', 'three', 'zero']).stdout, '3\n0\n')
  const missing = tsc(root, ['wait', 'zero', 'nope'])
  t.is(missing.code, 1)
  t.is(missing.stdout, '0\n')
  t.is(missing.stderr, 'tsc-box: no such container: nope\n')
})
