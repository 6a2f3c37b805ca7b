// `tsc-box logs` answers through the runtime's native front door, and the Node path runs the
// same Rust code (crates/containers/src/logs.rs): stdout to stdout and stderr to stderr, a last
// line without its newline kept, -t, -n/--tail, --since, --json, -f of an ended container, and
// the same errors, byte for byte from both doors.
import test from 'ava'
import { rmSync } from 'node:fs'
import { makeDataRoot, tsc, tscNode } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { ps } from './lifecycle-helpers'

const root = makeDataRoot()
const rootfs = makeRootfs()

test.before(async () => {
  const r = tsc(root, ['run', '-d', '--name', 'talk', '--rootfs', rootfs, 'sh', '-c', 'echo one; echo err >&2; echo two; printf partial'])
  if (r.code !== 0) throw new Error(`run -d: ${r.stderr}`)
  for (let i = 0; i < 100 && ps(root).find((e) => e.name === 'talk')?.state !== 'exited'; i++) await new Promise((res) => setTimeout(res, 100))
})

test.after.always(() => {
  const all = ps(root).map((e) => e.id)
  if (all.length > 0) tsc(root, ['rm', '-f', ...all])
  rmSync(rootfs, { recursive: true, force: true })
})

const FORMS: string[][] = [
  ['logs', 'talk'],
  ['logs', '-t', 'talk'],
  ['logs', '-n', '1', 'talk'],
  ['logs', 'talk', '--tail', '2'],
  ['logs', '--tail', '0', 'talk'],
  ['logs', '--since', '10m', 'talk'],
  ['logs', '--since', '2999-01-01T00:00:00Z', 'talk'],
  ['logs', '--json', 'talk'],
  ['logs', '-f', 'talk'],
  ['logs', '--since', 'yesterday', 'talk'],
  ['logs', '--tail', 'x', 'talk'],
  ['logs', 'nope'],
  ['logs', '--json', 'nope'],
]

for (const args of FORMS) {
  test(`the native front door and Node print the same for: ${args.join(' ')}`, (t) => {
    const native = tsc(root, args)
    const node = tscNode(root, args)
    t.is(native.stdout, node.stdout)
    t.is(native.stderr, node.stderr)
    t.is(native.code, node.code)
  })
}

test('logs: the streams apart, the last piece kept, tail, timestamps and json', (t) => {
  const r = tsc(root, ['logs', 'talk'])
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout, 'one\ntwo\npartial')
  t.is(r.stderr, 'err\n')
  t.regex(tsc(root, ['logs', '-t', 'talk']).stdout, /^\d{4}-\d\d-\d\dT\S+ one\n\S+ two\n\S+ partial$/)
  const json = JSON.parse(tsc(root, ['logs', '--json', 'talk']).stdout) as { stream: string; log: string }[]
  // The two pipes are read as they come: only each stream's own order is fixed.
  t.deepEqual(
    json.filter((e) => e.stream === 'stdout').map((e) => e.log),
    ['one\n', 'two\n', 'partial'],
  )
  t.deepEqual(
    json.filter((e) => e.stream === 'stderr').map((e) => e.log),
    ['err\n'],
  )
  const bad = tsc(root, ['logs', '--tail', 'x', 'talk'])
  t.is(bad.code, 125)
  t.is(bad.stderr, 'tsc-box: invalid --tail "x": a number or "all"\n')
  t.is(tsc(root, ['logs', 'nope']).code, 1)
})
