import test from 'ava'
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CliError } from '../src/errors'
import { resolveUser } from '../src/run/user'
import { lookupUser } from '../src/run/validate'

const passwd =
  'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nbroken line\nbad:x:abc:0::/:\nnobody:x:65534:65534::/var/empty:/bin/false\n'
const groups = 'root:x:0:\napp:x:1000:\naudio:x:29:app,other\nvideo:x:44: app \nwheel:x:10:root\nstaff:x:50:\n'

test('malformed passwd lines match nobody', (t) => {
  t.throws(() => resolveUser('bad', passwd, groups), { instanceOf: CliError, message: /unable to find user bad/ })
  t.is(resolveUser('nobody', passwd, groups).uid, 65534)
})

test('no -u is root with root supplementary groups', (t) => {
  t.deepEqual(resolveUser('', passwd, groups), { uid: 0, gid: 0, additionalGids: [10], home: '/root' })
})

test('a name resolves to its uid, primary gid, home and the groups listing it', (t) => {
  t.deepEqual(resolveUser('app', passwd, groups), { uid: 1000, gid: 1000, additionalGids: [29, 44], home: '/home/app' })
})

test('a known uid uses the passwd entry', (t) => {
  t.deepEqual(resolveUser('1000', passwd, groups), { uid: 1000, gid: 1000, additionalGids: [29, 44], home: '/home/app' })
})

test('an unknown uid is allowed with gid 0 and home /', (t) => {
  t.deepEqual(resolveUser('4242', passwd, groups), { uid: 4242, gid: 0, additionalGids: [], home: '/' })
})

test('an explicit group replaces the primary group and drops supplementary groups', (t) => {
  t.deepEqual(resolveUser('app:staff', passwd, groups), { uid: 1000, gid: 50, additionalGids: [], home: '/home/app' })
  t.deepEqual(resolveUser('app:77', passwd, groups), { uid: 1000, gid: 77, additionalGids: [], home: '/home/app' })
  t.deepEqual(resolveUser('5:6', passwd, groups), { uid: 5, gid: 6, additionalGids: [], home: '/' })
})

test('unknown names and bad ids are exit-125 errors', (t) => {
  for (const spec of ['bob', 'app:nogroup', '99999999999', 'app:', '1:99999999999']) {
    const e = t.throws(() => resolveUser(spec, passwd, groups), { instanceOf: CliError })
    t.is(e?.code, 'unknown_user', spec)
    t.is(e?.exitCode, 125)
  }
})

test('lookupUser reads the rootfs files, symlinks resolved inside the rootfs', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tsc-box-user-'))
  mkdirSync(join(root, 'etc'))
  mkdirSync(join(root, 'real'))
  writeFileSync(join(root, 'real/passwd'), 'app:x:7:8::/app:/bin/sh\n')
  // An absolute link must resolve against the rootfs, not the host's /real/passwd.
  symlinkSync('/real/passwd', join(root, 'etc/passwd'))
  writeFileSync(join(root, 'etc/group'), 'g:x:9:app\n')
  t.deepEqual(lookupUser(root, 'app'), { uid: 7, gid: 8, additionalGids: [9], home: '/app' })
})

test('a passwd that escapes the rootfs reads the rootfs, never the host', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tsc-box-user-'))
  mkdirSync(join(root, 'etc'))
  symlinkSync('../../../../../../etc/shadow', join(root, 'etc/passwd'))
  // Resolved inside the root that is /etc/shadow of the rootfs: absent, so names are unknown.
  t.throws(() => lookupUser(root, 'root'), { instanceOf: CliError, message: /unable to find user root/ })
})

test('a rootfs /etc/passwd that is not a regular file is refused', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tsc-box-user-'))
  mkdirSync(join(root, 'etc/passwd'), { recursive: true })
  t.throws(() => lookupUser(root, 'root'), { instanceOf: CliError, message: /not a regular file/ })
})
