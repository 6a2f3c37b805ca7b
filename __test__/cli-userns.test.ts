// The user namespace maps the CLI writes for each --userns mode, rootless or not, from given
// /etc/subuid-style ranges (pure: no file or process is touched), and the auto allocator's
// claims in a temporary data root.
import test from 'ava'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CliError } from '../src/errors'
import { applyUserns, keepIdMap, rootlessMap, type UsernsHost } from '../src/oci/security-userns'
import { readSubid } from '../src/oci/subid'
import { AUTO_BLOCK, claimAutoBlock, releaseAutoBlock } from '../src/container/userns-auto'
import type { Spec } from '../src/oci/spec'

function spec(): Spec {
  return {
    ociVersion: '1.0.2',
    process: { cwd: '/', args: ['sh'], user: { uid: 0, gid: 0 } },
    root: { path: 'rootfs' },
    linux: { namespaces: [{ type: 'pid' }] },
  } as Spec
}

const USER: UsernsHost = { uid: 1000, gid: 1001, name: 'alice', subuid: [{ start: 100000, count: 65536 }], subgid: [{ start: 200000, count: 65536 }] }
const ROOT: UsernsHost = { uid: 0, gid: 0, name: 'root', subuid: [], subgid: [] }

function code(f: () => unknown): string | undefined {
  try {
    f()
  } catch (e) {
    return e instanceof CliError ? e.code : String(e)
  }
  return undefined
}

test('subid files: entries by name or uid, bad lines skipped (read by the store)', (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'tsc-box-subid-')), 'subuid')
  writeFileSync(file, 'alice:100000:65536\n# c\nbob:1:1\n1000:300000:10\nalice:x:1\nalice:5:0\n')
  const read = readSubid as (f: string, name: string | undefined, uid: number) => ReturnType<typeof readSubid>
  t.deepEqual(read(file, 'alice', 1000), [
    { start: 100000, count: 65536 },
    { start: 300000, count: 10 },
  ])
  t.deepEqual(read(file, 'carol', 7), [])
  // A negative uid: by name only (root hands out the ranges of the user "tsc-box").
  t.deepEqual(read(file, 'alice', -1), [{ start: 100000, count: 65536 }])
})

test('rootless default: root is the user, 1.. the subordinate ranges', (t) => {
  t.deepEqual(
    rootlessMap(1000, [
      { start: 100000, count: 65536 },
      { start: 500000, count: 10 },
    ]),
    [
      { containerID: 0, hostID: 1000, size: 1 },
      { containerID: 1, hostID: 100000, size: 65536 },
      { containerID: 65537, hostID: 500000, size: 10 },
    ],
  )
  const s = spec()
  applyUserns(s, { uidmap: [], gidmap: [] }, USER)
  t.deepEqual(s.linux?.namespaces, [{ type: 'pid' }, { type: 'user' }])
  t.deepEqual(s.linux?.gidMappings?.[0], { containerID: 0, hostID: 1001, size: 1 })
  t.is(
    code(() => applyUserns(spec(), { uidmap: [], gidmap: [] }, { ...USER, subuid: [] })),
    'invalid_userns',
  )
})

test('keep-id: the own id stays, the ranges fill the ids around it', (t) => {
  t.deepEqual(keepIdMap(1000, [{ start: 100000, count: 65536 }]), [
    { containerID: 0, hostID: 100000, size: 1000 },
    { containerID: 1000, hostID: 1000, size: 1 },
    { containerID: 1001, hostID: 101000, size: 64536 },
  ])
  t.deepEqual(keepIdMap(1000, [{ start: 100000, count: 10 }]), [
    { containerID: 0, hostID: 100000, size: 10 },
    { containerID: 1000, hostID: 1000, size: 1 },
  ])
  const s = spec()
  applyUserns(s, { userns: 'keep-id', uidmap: [], gidmap: [] }, USER)
  t.deepEqual(s.process?.user, { uid: 1000, gid: 1001, additionalGids: [] })
  const u = spec()
  applyUserns(u, { userns: 'keep-id', uidmap: [], gidmap: [] }, { ...USER, userGiven: true })
  t.deepEqual(u.process?.user, { uid: 0, gid: 0 }, '--user wins over keep-id')
  t.is(
    code(() => applyUserns(spec(), { userns: 'keep-id', uidmap: [], gidmap: [] }, ROOT)),
    'invalid_userns',
  )
})

test('host: root only; explicit maps do not combine with a mode', (t) => {
  const s = spec()
  applyUserns(s, { userns: 'host', uidmap: [], gidmap: [] }, ROOT)
  t.is(s.linux?.uidMappings, undefined)
  t.is(
    code(() => applyUserns(spec(), { userns: 'host', uidmap: [], gidmap: [] }, USER)),
    'invalid_userns',
  )
  t.is(
    code(() => applyUserns(spec(), { userns: 'auto', uidmap: [{ containerID: 0, hostID: 1, size: 1 }], gidmap: [] }, ROOT)),
    'invalid_userns',
  )
})

test('auto: blocks are claimed once each, released with the container, stale claims taken back', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tsc-box-userns-auto-'))
  try {
    const ranges = [{ start: 1 << 20, count: 2 * AUTO_BLOCK + 5 }]
    mkdirSync(join(root, 'containers/a'), { recursive: true })
    mkdirSync(join(root, 'containers/b'), { recursive: true })
    const a = claimAutoBlock(root, 'a', ranges, ranges, 'tsc-box')
    const b = claimAutoBlock(root, 'b', ranges, ranges, 'tsc-box')
    t.not(a.uid.start, b.uid.start)
    t.is(
      code(() => claimAutoBlock(root, 'c', ranges, ranges, 'tsc-box')),
      'userns_exhausted',
    )

    const s = spec()
    applyUserns(s, { userns: 'auto', uidmap: [], gidmap: [] }, { ...ROOT, auto: a })
    t.deepEqual(s.linux?.uidMappings, [{ containerID: 0, hostID: a.uid.start, size: AUTO_BLOCK }])

    releaseAutoBlock(root, 'a')
    t.is(claimAutoBlock(root, 'c', ranges, ranges, 'tsc-box').uid.start, a.uid.start)
    // b's container vanished without a release (a crash): once old enough, its claim is free.
    rmSync(join(root, 'containers/b'), { recursive: true })
    t.is(
      code(() => claimAutoBlock(root, 'd', ranges, ranges, 'tsc-box')),
      'userns_exhausted',
      'a fresh claim is kept',
    )
    const old = new Date(Date.now() - 120_000)
    utimesSync(join(root, 'userns/1'), old, old)
    t.is(claimAutoBlock(root, 'd', ranges, ranges, 'tsc-box').uid.start, b.uid.start)
    t.deepEqual(readdirSync(join(root, 'userns')).sort(), ['0', '1'])
    t.is(
      code(() => claimAutoBlock(root, 'e', [], [], 'tsc-box')),
      'invalid_userns',
    )
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})
