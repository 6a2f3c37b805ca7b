// Resource flags with bad values are refused before anything is created: exit 125, a message
// naming the flag, and no cgroup, state or record left behind.
import test from 'ava'
import { existsSync, rmdirSync } from 'node:fs'
import { childCgroups, premadeParent } from './helpers/cgroup-parent'
import { collect, makeDataRoot, tsc, tscSpawn } from './helpers/cli'
import { cgroupsNamed, filesUnder } from './helpers/leaks'
import { makeRootfs } from './helpers/rootfs'

const rootfs = makeRootfs()

const refused: Array<[string[], RegExp]> = [
  [['--memory', 'abc'], /--memory "abc"/],
  [['--memory', '1k'], /--memory "1k".*(minimum|below)/],
  [['--cpus', '0'], /--cpus "0"/],
  [['--cpus', '4096'], /--cpus "4096".*CPUs available/],
  [['--cpuset-cpus', '99'], /--cpuset-cpus "99".*99/],
  [['--cpuset-cpus', '0-'], /--cpuset-cpus "0-"/],
  [['--pids-limit', '-5'], /--pids-limit "-5"/],
  [['--cpu-period', '0', '--cpu-quota', '50000'], /--cpu-period "0"/],
  [['--memory-swap', '1g'], /--memory-swap.*--memory/],
  [['--memory', '64m', '--memory-swap', '32m'], /--memory-swap "32m"/],
  [['--blkio-weight', '5'], /--blkio-weight "5"/],
  [['--cpu-shares', '1'], /--cpu-shares "1"/],
]

let seq = 0
for (const [flags, message] of refused) {
  test(`${flags.join(' ')} is refused with 125 and leaves nothing`, (t) => {
    const root = makeDataRoot()
    const before = filesUnder(root)
    // A parent of its own, so any cgroup this run made would be found by name.
    const parent = `tsc-box-badinput-${process.pid}-${++seq}`
    const r = tsc(root, ['run', '--rm', '--cgroup-parent', `/${parent}`, ...flags, '--rootfs', rootfs, 'true'])
    t.is(r.code, 125, r.stderr)
    t.regex(r.stderr, message)
    t.deepEqual(cgroupsNamed(parent), [])
    t.deepEqual(
      filesUnder(root).filter((f) => !before.includes(f) && /containers\/.+|names\/.+/.test(f)),
      [],
    )
  })
}

test('under --json a bad limit is a JSON error with a stable code', (t) => {
  const r = tsc(makeDataRoot(), ['run', '--rm', '--json', '--memory', 'abc', '--rootfs', rootfs, 'true'])
  t.is(r.code, 125)
  const out = JSON.parse(r.stdout) as { error: { code: string; message: string } }
  t.is(out.error.code, 'invalid_resource')
  t.regex(out.error.message, /--memory/)
})

test('--cgroup-parent places the container under that parent; made for it, the parent goes with it, made before, it stays', async (t) => {
  const parent = `tsc-box-parent-${process.pid}`
  const child = tscSpawn(makeDataRoot(), ['run', '--rm', '--cgroup-parent', `/${parent}`, '--memory', '16m', '--rootfs', rootfs, 'sleep', '2'])
  const done = collect(child)
  // While it runs, the container's cgroup is below the parent (seen from the host).
  let below: string[] = []
  for (let i = 0; i < 400 && below.length === 0; i++) {
    below = cgroupsNamed(parent).flatMap((d) => childCgroups(d))
    if (below.length === 0) await new Promise((r) => setTimeout(r, 50))
  }
  const r = await done
  const left = cgroupsNamed(parent)
  t.teardown(() => {
    for (const d of left.reverse()) rmdirSync(d)
  })
  t.is(r.code, 0, r.stderr)
  t.true(below.length > 0, 'the container never ran below the parent')
  t.deepEqual(left, [], 'the parent the runtime made for this container was left behind')
  const made = premadeParent(t, `${parent}-pre`)
  const r2 = tsc(makeDataRoot(), ['run', '--rm', '--cgroup-parent', `/${parent}-pre`, '--memory', '16m', '--rootfs', rootfs, 'true'])
  t.is(r2.code, 0, r2.stderr)
  // A shared parent that existed before is not tsc-box's to remove; the container's own
  // directory below it is gone.
  for (const d of made) {
    t.true(existsSync(d), d)
    t.deepEqual(childCgroups(d), [], d)
  }
})
