// `cp` without root, into and out of a stopped container: its root filesystem is an overlay
// only its runtime mounts (in the container's user namespace, gone with it), so the runtime's
// `helper cp-stopped` mounts it again in a user namespace of the user's subordinate ids and
// copies there with the store's cp. A test user with subordinate ids (setpriv drops to it)
// loads an image of two layers, creates a container, copies a file in, the image's files out
// and as a tar stream, then starts the container, which reads what was copied in.
import test from 'ava'
import { randomBytes } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { RootlessUser } from './helpers/rootless-user'
import { makeAppArchive } from './image-fixtures'

const tag = randomBytes(3).toString('hex')
let user: RootlessUser
let archive = ''
const IMAGE = 'localhost/cprootless:1'

test.before(() => {
  // Ranges far from the usual 100000+ ones and from the other rootless tests'.
  user = RootlessUser.create(`tsbcp${tag}`, 3_300_000 + (parseInt(tag, 16) % 200) * 131072, 65536)
  archive = makeAppArchive(IMAGE)
})

test.after.always(() => {
  if (user) user.remove()
  if (archive) rmSync(join(archive, '..'), { recursive: true, force: true })
})

const ok = (args: string[]) => user.ok(args)

test.serial('rootless cp into and out of a stopped container, a tar stream too, and the container sees what came in', (t) => {
  ok(['load', '-q', '-i', archive])
  const id = ok(['create', '--name', 'stopped', '--network', 'none', IMAGE, 'cat', '/srv/app/new']).trim()
  const host = join(user.home, 'files')
  mkdirSync(host)
  writeFileSync(join(host, 'in.txt'), 'copied in\n')
  user.own(host)

  t.is(ok(['cp', join(host, 'in.txt'), 'stopped:/srv/app/new']), '')
  t.is(ok(['cp', 'stopped:/srv/app/config', join(host, 'config')]), '')
  t.is(readFileSync(join(host, 'config'), 'utf8'), 'base\n')
  t.is(statSync(join(host, 'config')).uid, user.uid, 'a plain cp out gives the files to the caller')
  t.is(ok(['cp', 'stopped:/srv/app/extra', join(host, 'extra')]), '')
  t.is(readFileSync(join(host, 'extra'), 'utf8'), 'top\n')

  // CONTAINER:PATH - is a tar stream on stdout.
  const c = user.command(['cp', 'stopped:/srv/app', '-'])
  const tar = spawnSync(c.cmd, c.argv, { env: c.env, cwd: '/', timeout: 60_000 })
  t.is(tar.status, 0, tar.stderr.toString())
  const list = spawnSync('tar', ['-tvf', '-'], { input: tar.stdout, encoding: 'utf8' })
  t.is(list.status, 0, list.stderr)
  const names = list.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(/\s+/).pop()!.replace(/\/$/, ''))
    .sort()
  t.deepEqual(names, ['app', 'app/config', 'app/extra', 'app/new'])
  t.regex(list.stdout, /1234\/1234 .* app\/config/, "the tar keeps the container's owners")

  // A missing path: docker's error, and nothing stays mounted.
  const missing = user.run(['cp', 'stopped:/srv/nope', join(host, 'nope')])
  t.not(missing.code, 0)
  t.regex(missing.stderr, /nope/)
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
  t.false(mounts.includes(user.home), 'no mount of the copy is left in the host namespace')

  ok(['start', 'stopped'])
  t.is(ok(['wait', 'stopped']), '0\n')
  t.is(ok(['logs', 'stopped']), 'copied in\n')
  ok(['rm', id])
})
