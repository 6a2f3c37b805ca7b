// Volumes without root: a test user with subordinate ids (setpriv drops to it) gets its
// volumes under its own data root ($XDG_DATA_HOME/tsc-box, here ~/.local/share/tsc-box); a
// named volume keeps what a container wrote, as the container's root and as one of its other
// users (a subordinate id on the host), and `volume rm` removes both (the latter through the
// runtime's remove-tree helper in a user namespace); `run --rm -v /path` leaves nothing;
// --tmpfs works in the user's container; a new volume is filled from an image of two layers
// with the image's owners (copy-up in a user namespace, the runtime's volume-copyup helper).
// The user and its ranges are removed afterwards.
import test from 'ava'
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { makeRootfs } from './helpers/rootfs'
import { RootlessUser } from './helpers/rootless-user'
import { makeAppArchive } from './image-fixtures'

const tag = randomBytes(3).toString('hex')
let user: RootlessUser
let rootfs = ''
let archive = ''
const IMAGE = 'localhost/volrootless:1'

test.before(() => {
  // Ranges far from the usual 100000+ ones and from the other rootless tests'.
  user = RootlessUser.create(`tsbvr${tag}`, 2_700_000 + (parseInt(tag, 16) % 200) * 131072, 65536)
  rootfs = makeRootfs()
  user.own(rootfs)
  archive = makeAppArchive(IMAGE)
})

test.after.always(() => {
  if (user) user.remove()
  if (rootfs) rmSync(rootfs, { recursive: true, force: true })
  if (archive) rmSync(join(archive, '..'), { recursive: true, force: true })
})

const ok = (args: string[]) => user.ok(args)

test.serial("a rootless user's named volume lives in its data root, keeps its data and is removed whole", (t) => {
  t.is(ok(['volume', 'create', 'mine']), 'mine\n')
  const data = join(user.home, '.local/share/tsc-box/volumes/mine/_data')
  t.true(statSync(data).isDirectory())
  t.is(statSync(data).uid, user.uid)
  // The container's root writes a file, and its uid 1000 another (a subordinate id on the host).
  ok([
    'run',
    '--rm',
    '--rootfs',
    rootfs,
    '-v',
    'mine:/data',
    'sh',
    '-c',
    'echo root > /data/a; mkdir /data/sub; echo app > /data/sub/b; chown -R 1000:1000 /data/sub',
  ])
  t.is(
    ok(['run', '--rm', '--network', 'none', '--rootfs', rootfs, '-v', 'mine:/data:ro', 'sh', '-c', 'cat /data/a /data/sub/b; stat -c %u /data/sub/b']),
    'root\napp\n1000\n',
  )
  t.is(statSync(join(data, 'a')).uid, user.uid)
  t.is(statSync(join(data, 'sub/b')).uid, user.subStart + 999)
  t.is(ok(['volume', 'ls', '-q']), 'mine\n')
  t.is(ok(['volume', 'rm', 'mine']), 'mine\n')
  t.false(existsSync(join(user.home, '.local/share/tsc-box/volumes/mine')))
  t.deepEqual(readdirSync(join(user.home, '.local/share/tsc-box/volumes')), [])
})

test.serial('rootless: run --rm removes its anonymous volume; --tmpfs mounts with its options', (t) => {
  const out = ok([
    'run',
    '--rm',
    '--network',
    'none',
    '--rootfs',
    rootfs,
    '-v',
    '/scratch',
    '--tmpfs',
    '/t:size=1m',
    'sh',
    '-c',
    'echo x > /scratch/f; grep " /t " /proc/mounts',
  ])
  t.regex(out, /^tmpfs \/t tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k/)
  const vols = join(user.home, '.local/share/tsc-box/volumes')
  t.deepEqual(existsSync(vols) ? readdirSync(vols) : [], [])
})

test.serial("rootless copy-up: a new volume gets the image's content from its layers, owners kept", (t) => {
  ok(['load', '-i', archive])
  t.is(
    ok(['run', '--rm', '-v', 'app:/srv/app', IMAGE, 'sh', '-c', 'cat /srv/app/config /srv/app/extra; stat -c "%u %a" /srv/app /srv/app/config']),
    'base\ntop\n1234 750\n1234 644\n',
  )
  const data = join(user.home, '.local/share/tsc-box/volumes/app/_data')
  t.is(readFileSync(join(data, 'extra'), 'utf8'), 'top\n')
  t.is(statSync(join(data, 'config')).uid, user.subStart + 1233)
  // The image's own anonymous volume path: none here; -v /srv/app makes one, removed by --rm.
  t.is(ok(['run', '--rm', '-v', '/srv/app', IMAGE, 'cat', '/srv/app/extra']), 'top\n')
  ok(['volume', 'rm', 'app'])
  t.deepEqual(readdirSync(join(user.home, '.local/share/tsc-box/volumes')), [])
})
