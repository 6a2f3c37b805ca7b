// Load: 100 detached containers started ten at a time, all listed running, exec'd into,
// stopped and removed, with 0 failures and nothing left behind.
import test from 'ava'
import { makeDataRoot } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { leftovers, ps, tscAsync } from './lifecycle-helpers'

const rootfs = makeRootfs()

async function tenAtATime<T>(items: T[], op: (x: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += 10) await Promise.all(items.slice(i, i + 10).map(op))
}

test('100 detached containers: start, list, exec, stop, remove with 0 failures and no leftovers', async (t) => {
  t.timeout(900_000)
  const root = makeDataRoot()
  const failures: string[] = []
  const ids: string[] = []
  await tenAtATime(
    Array.from({ length: 100 }, (_, i) => i),
    async (i) => {
      const r = await tscAsync(root, ['run', '-d', '--name', `load${i}`, '--rootfs', rootfs, 'sh', '-c', 'trap "exit 0" TERM; sleep 100000 & wait'])
      if (r.code !== 0) failures.push(`run ${i}: ${r.code} ${r.stderr}`)
      else ids.push(r.stdout.trim())
    },
  )
  const listed = ps(root, false)
  t.is(listed.length, 100)
  t.true(listed.every((e) => e.state === 'running'))
  await tenAtATime(ids, async (id) => {
    const r = await tscAsync(root, ['exec', id, 'sh', '-c', 'echo $HOSTNAME'])
    if (r.code !== 0 || r.stdout.trim() !== id.slice(0, 12)) failures.push(`exec ${id.slice(0, 12)}: ${r.code} ${r.stdout} ${r.stderr}`)
  })
  await tenAtATime(ids, async (id) => {
    const r = await tscAsync(root, ['stop', '-t', '1', id])
    if (r.code !== 0) failures.push(`stop ${id.slice(0, 12)}: ${r.code} ${r.stderr}`)
  })
  t.true(ps(root).every((e) => e.state === 'exited'))
  await tenAtATime(ids, async (id) => {
    const r = await tscAsync(root, ['rm', id])
    if (r.code !== 0) failures.push(`rm ${id.slice(0, 12)}: ${r.code} ${r.stderr}`)
  })
  t.deepEqual(failures, [])
  t.deepEqual(ps(root), [])
  t.deepEqual(leftovers(root, ids), [])
})
