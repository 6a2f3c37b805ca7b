// Resource flags with bad values are refused before anything is created: exit 125, a message
// naming the flag, and no cgroup, state or record left behind.
import test from 'ava'
import { readdirSync, rmdirSync } from 'node:fs'
import { makeDataRoot, tsc } from './helpers/cli'
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
    t.deepEqual(filesUnder(root).filter((f) => !before.includes(f) && /containers\/.+|names\/.+/.test(f)), [])
  })
}

test('under --json a bad limit is a JSON error with a stable code', (t) => {
  const r = tsc(makeDataRoot(), ['run', '--rm', '--json', '--memory', 'abc', '--rootfs', rootfs, 'true'])
  t.is(r.code, 125)
  const out = JSON.parse(r.stdout) as { error: { code: string; message: string } }
  t.is(out.error.code, 'invalid_resource')
  t.regex(out.error.message, /--memory/)
})

test('--cgroup-parent places the container under that parent, which stays', (t) => {
  const parent = `tsc-box-parent-${process.pid}`
  const r = tsc(makeDataRoot(), ['run', '--rm', '--cgroup-parent', `/${parent}`, '--memory', '16m', '--rootfs', rootfs, 'true'])
  const dirs = cgroupsNamed(parent)
  t.teardown(() => dirs.forEach((d) => rmdirSync(d)))
  t.is(r.code, 0, r.stderr)
  // The parent was made (so the container was below it); the container's own directory is
  // gone, and the shared parent is not tsc-box's to remove.
  t.true(dirs.length > 0, 'no cgroup directory named after the parent')
  for (const d of dirs) t.deepEqual(readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name), [], d)
})
