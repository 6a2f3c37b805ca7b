// `run -u` and `exec -u` ask one resolution (crates/containers/src/user.rs): the rootfs's own
// /etc/passwd and /etc/group, read inside the root. Both verbs must give the same answer for
// the same rootfs: the same error (code, message, status) for a missing user and for a FIFO
// where /etc/passwd should be (refused at once, never blocking on it), and docker's numeric
// uid:gid when there is no passwd file at all.
import test from 'ava'
import { execFileSync } from 'node:child_process'
import { renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { makeDataRoot, type Result, tsc } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { ps } from './lifecycle-helpers'

const root = makeDataRoot()
const rootfs = makeRootfs()
let id = ''

test.before(() => {
  const r = tsc(root, ['run', '-d', '--rootfs', rootfs, 'sleep', '1000'])
  if (r.code !== 0) throw new Error(`run -d failed (${r.code}): ${r.stderr}`)
  id = r.stdout.trim()
})

test.after.always(() => {
  const ids = ps(root).map((e) => e.id)
  if (ids.length > 0) tsc(root, ['rm', '-f', ...ids])
  rmSync(rootfs, { recursive: true, force: true })
})

const run = (...args: string[]) => tsc(root, ['run', '--rm', '--json', '--rootfs', rootfs, ...args])
const exec = (...args: string[]) => tsc(root, ['exec', '--json', ...args])

function failure(r: Result): { status: number | null; code: string; message: string } {
  const e = (JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { error?: { code: string; message: string } }).error
  return { status: r.code, code: e?.code ?? `no error object in ${JSON.stringify(r.stdout)} (stderr ${r.stderr})`, message: e?.message ?? '' }
}

/** Replaces the rootfs's /etc/passwd for the duration of `f`. */
function withPasswd(replace: (file: string) => void, f: () => void): void {
  const file = join(rootfs, 'etc/passwd')
  renameSync(file, `${file}.orig`)
  try {
    replace(file)
    f()
  } finally {
    rmSync(file, { force: true })
    renameSync(`${file}.orig`, file)
  }
}

test.serial('a missing user: the same error from run -u and exec -u', (t) => {
  const r = failure(run('-u', 'ghost', 'true'))
  const e = failure(exec('-u', 'ghost', id, 'true'))
  t.deepEqual(r, { status: 125, code: 'unknown_user', message: 'unable to find user ghost: no matching entries in passwd file' })
  t.deepEqual(e, r)
})

test.serial('a FIFO as /etc/passwd is refused at once by run -u and exec -u alike', (t) => {
  withPasswd(
    (file) => execFileSync('mkfifo', [file]),
    () => {
      const started = Date.now()
      const r = failure(run('-u', 'app', 'true'))
      const e = failure(exec('-u', 'app', id, 'true'))
      t.deepEqual(r, { status: 125, code: 'rootfs_bad_file', message: '/etc/passwd in the rootfs is not a regular file' })
      t.deepEqual(e, r)
      // A numeric user too: the file is there and is no user database.
      t.deepEqual(failure(exec('-u', '1234:5678', id, 'true')), r)
      t.true(Date.now() - started < 20_000, 'nobody waited on the FIFO')
    },
  )
})

test.serial('without a passwd file numeric ids work in both, as with docker; names do not', (t) => {
  withPasswd(
    () => {},
    () => {
      const r = tsc(root, ['run', '--rm', '--rootfs', rootfs, '-u', '1234:5678', 'sh', '-c', 'id -u; id -g'])
      t.is(r.code, 0, r.stderr)
      t.is(r.stdout, '1234\n5678\n')
      const e = tsc(root, ['exec', '-u', '1234:5678', id, 'sh', '-c', 'id -u; id -g'])
      t.is(e.code, 0, e.stderr)
      t.is(e.stdout, r.stdout)
      t.deepEqual(failure(exec('-u', 'app', id, 'true')), failure(run('-u', 'app', 'true')))
      t.is(failure(exec('-u', 'app', id, 'true')).code, 'unknown_user')
    },
  )
})

test.serial("a user's supplementary groups (its /etc/group memberships): the same `id -G` from run -u and exec -u", (t) => {
  // The rootfs's /etc/group makes app a member of audio (29) besides its own group.
  const r = tsc(root, ['run', '--rm', '--rootfs', rootfs, '-u', 'app', 'id', '-G'])
  t.is(r.code, 0, r.stderr)
  t.true(r.stdout.trim().split(' ').includes('29'), `run -u app: ${r.stdout}`)
  const e = tsc(root, ['exec', '-u', 'app', id, 'id', '-G'])
  t.is(e.code, 0, e.stderr)
  t.is(e.stdout, r.stdout)
  // An explicit group: no memberships are added, by either verb.
  const rg = tsc(root, ['run', '--rm', '--rootfs', rootfs, '-u', 'app:nogroup', 'id', '-G'])
  const eg = tsc(root, ['exec', '-u', 'app:nogroup', id, 'id', '-G'])
  t.is(rg.code, 0, rg.stderr)
  t.is(eg.stdout, rg.stdout)
})
