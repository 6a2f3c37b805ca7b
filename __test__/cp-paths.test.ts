// `tsc-box cp` as a docker user types it: each of docker's path forms (a file to a new name,
// into a directory, over a file; a directory to a new name, into a directory, `DIR/.` for its
// content), the errors (a missing source, a missing destination directory, a directory onto a
// file, between two containers, no container), `-` both ways, -a, -L, running and stopped
// containers, and --json errors. A running container is copied by the native front door, a
// stopped one by Node: both print the same.
import test from 'ava'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeDataRoot, tsc, tscNode } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { ps } from './lifecycle-helpers'

const root = makeDataRoot()
const rootfs = makeRootfs()
const host = mkdtempSync(join(tmpdir(), 'tsc-box-cp-host-'))

// A tree in the container: /data/sub/f, a symlink to /, a symlink to a file.
const SETUP = 'mkdir -p /data/sub && echo hi > /data/sub/f && ln -s / /data/rootlink && ln -s /data/sub/f /data/flink && chown 1234:4321 /data/sub/f'

test.before(() => {
  const r = tsc(root, ['run', '-d', '--name', 'live', '--rootfs', rootfs, 'sh', '-c', `${SETUP}; exec sleep 600`])
  if (r.code !== 0) throw new Error(`run -d: ${r.stderr}`)
  for (let i = 0; i < 100 && tsc(root, ['exec', 'live', 'test', '-L', '/data/flink']).code !== 0; i++) execFileSync('sleep', ['0.05'])
  const s = tsc(root, ['create', '--name', 'idle', '--rootfs', rootfs, 'true'])
  if (s.code !== 0) throw new Error(`create: ${s.stderr}`)
})

test.after.always(() => {
  const all = ps(root).map((e) => e.id)
  if (all.length > 0) tsc(root, ['rm', '-f', ...all])
  rmSync(rootfs, { recursive: true, force: true })
  rmSync(host, { recursive: true, force: true })
})

const at = (p: string) => join(host, p)

test.serial('a file goes to a new name, into a directory and over a file', (t) => {
  t.is(tsc(root, ['cp', 'live:/data/sub/f', at('new')]).code, 0)
  t.is(readFileSync(at('new'), 'utf8'), 'hi\n')
  mkdirSync(at('into'))
  t.is(tsc(root, ['cp', 'live:data/sub/f', at('into')]).code, 0, 'a relative container path is from its root')
  t.is(readFileSync(at('into/f'), 'utf8'), 'hi\n')
  writeFileSync(at('over'), 'old')
  t.is(tsc(root, ['cp', 'live:/data/sub/f', at('over')]).code, 0)
  t.is(readFileSync(at('over'), 'utf8'), 'hi\n')
  // Owned by the caller without -a, by the container's ids with it.
  t.is(statSync(at('new')).uid, process.getuid?.() ?? -1)
  t.is(tsc(root, ['cp', '-a', 'live:/data/sub/f', at('kept')]).code, 0)
  t.is(statSync(at('kept')).uid, 1234)
  t.is(statSync(at('kept')).gid, 4321)
})

test.serial('a directory goes to a new name, into a directory, or its content with /.', (t) => {
  t.is(tsc(root, ['cp', 'live:/data', at('d1')]).code, 0)
  t.is(readFileSync(at('d1/sub/f'), 'utf8'), 'hi\n')
  t.is(readlinkSync(at('d1/rootlink')), '/', 'a symlink is copied as a symlink')
  t.is(tsc(root, ['cp', 'live:/data', at('d1')]).code, 0)
  t.true(existsSync(at('d1/data/sub/f')), 'into an existing directory')
  mkdirSync(at('d2'))
  t.is(tsc(root, ['cp', 'live:/data/.', at('d2')]).code, 0)
  t.true(existsSync(at('d2/sub/f')), 'the content of /data')
  t.false(existsSync(at('d2/data')))
})

test.serial('-L follows the source symlink inside the container', (t) => {
  t.is(tsc(root, ['cp', 'live:/data/flink', at('link')]).code, 0)
  t.true(lstatSync(at('link')).isSymbolicLink())
  t.is(tsc(root, ['cp', '-L', 'live:/data/flink', at('target')]).code, 0)
  t.is(readFileSync(at('target'), 'utf8'), 'hi\n')
  // A link to / is the container's /, never the host's.
  t.is(tsc(root, ['cp', '-L', 'live:/data/rootlink/etc/hostname', at('hn')]).code, 0)
  t.not(readFileSync(at('hn'), 'utf8'), readFileSync('/etc/hostname', 'utf8'))
})

test.serial('files copied in belong to the container root unless -a', (t) => {
  writeFileSync(at('payload'), 'payload')
  execFileSync('chown', ['4242:4343', at('payload')])
  t.is(tsc(root, ['cp', at('payload'), 'live:/data/sub/']).code, 0)
  t.is(tsc(root, ['exec', 'live', 'cat', '/data/sub/payload']).stdout, 'payload')
  t.is(tsc(root, ['exec', 'live', 'stat', '-c', '%u:%g', '/data/sub/payload']).stdout, '0:0\n')
  t.is(tsc(root, ['cp', '-a', at('payload'), 'live:/data/sub/kept']).code, 0)
  t.is(tsc(root, ['exec', 'live', 'stat', '-c', '%u:%g', '/data/sub/kept']).stdout, '4242:4343\n')
  // A symlink given as the source is copied as a link; with -L, what it points to.
  symlinkSync('payload', at('hostlink'))
  t.is(tsc(root, ['cp', at('hostlink'), 'live:/data/sub/']).code, 0)
  t.is(tsc(root, ['exec', 'live', 'readlink', '/data/sub/hostlink']).stdout, 'payload\n')
  t.is(tsc(root, ['cp', '-L', at('hostlink'), 'live:/data/sub/followed']).code, 0)
  t.is(tsc(root, ['exec', 'live', 'cat', '/data/sub/followed']).stdout, 'payload')
  mkdirSync(at('tree/a'), { recursive: true })
  writeFileSync(at('tree/a/x'), 'x')
  t.is(tsc(root, ['cp', at('tree'), 'live:/newtree']).code, 0)
  t.is(tsc(root, ['exec', 'live', 'cat', '/newtree/a/x']).stdout, 'x')
})

test.serial('errors name the problem, exit 1, and leave nothing', (t) => {
  const missing = tsc(root, ['cp', 'live:/nope', at('x')])
  t.is(missing.code, 1)
  t.is(missing.stderr, 'tsc-box: Could not find the file /nope in container live\n')
  const json = tsc(root, ['cp', 'live:/nope', at('x'), '--json'])
  t.deepEqual(JSON.parse(json.stdout), { error: { code: 'cp_no_such_path', message: 'Could not find the file /nope in container live' } })
  const noDir = tsc(root, ['cp', at('payload'), 'live:/no/such/file'])
  t.is(noDir.code, 1)
  t.regex(noDir.stderr, /Could not find the file \/no\/such in container live/)
  t.not(tsc(root, ['exec', 'live', 'test', '-e', '/no']).code, 0, 'nothing made in the container')
  const slash = tsc(root, ['cp', 'live:/data/sub/f', at('nodir/')])
  t.is(slash.code, 1)
  t.false(existsSync(at('nodir')))
  writeFileSync(at('afile'), '')
  const dirOnFile = tsc(root, ['cp', 'live:/data', at('afile')])
  t.is(dirOnFile.code, 1)
  t.regex(dirOnFile.stderr, /cannot copy a directory onto the file/)
  const hostMissing = tsc(root, ['cp', at('nothere'), 'live:/tmp'])
  t.is(hostMissing.code, 1)
  t.is(hostMissing.stderr, `tsc-box: lstat ${at('nothere')}: no such file or directory\n`)
  t.is(tsc(root, ['cp', 'live:/a', 'idle:/b']).code, 125)
  t.is(tsc(root, ['cp', at('a'), at('b')]).code, 125)
  const none = tsc(root, ['cp', 'ghost:/a', at('b'), '--json'])
  t.is(none.code, 1)
  t.is(JSON.parse(none.stdout).error.code, 'no_such_container')
})

test.serial('- streams a tar out and in', (t) => {
  const r0 = spawnSync(join(__dirname, '../bin/run.js'), ['cp', 'live:/data', '-'], { env: { ...process.env, TSC_BOX_ROOT: root }, maxBuffer: 1 << 28 })
  t.is(r0.status, 0, r0.stderr?.toString())
  const out = r0.stdout
  const listed = execFileSync('tar', ['-t'], { input: out }).toString().split('\n')
  t.true(listed.includes('data/sub/f'), listed.join(','))
  const tarDir = at('fortar')
  mkdirSync(join(tarDir, 'in'), { recursive: true })
  writeFileSync(join(tarDir, 'in/t'), 'from tar')
  const tarball = execFileSync('tar', ['-C', tarDir, '-c', 'in'])
  const r = tsc(root, ['cp', '-', 'live:/data'], tarball as unknown as string)
  t.is(r.code, 0, r.stderr)
  t.is(tsc(root, ['exec', 'live', 'cat', '/data/in/t']).stdout, 'from tar')
  // Refused before stdin is read (a tar written to it would meet a closed pipe).
  const notDir = tsc(root, ['cp', '-', 'live:/data/sub/f'])
  t.is(notDir.code, 1)
  t.regex(notDir.stderr, /must be a directory/)
})

test.serial('a stopped container is copied to and from, by either door alike', (t) => {
  writeFileSync(at('tostopped'), 'cold')
  t.is(tsc(root, ['cp', at('tostopped'), 'idle:/tmp/']).code, 0)
  const a = tsc(root, ['cp', 'idle:/tmp/tostopped', at('back1')])
  const b = tscNode(root, ['cp', 'idle:/tmp/tostopped', at('back2')])
  t.is(a.code, 0, a.stderr)
  t.is(b.code, 0, b.stderr)
  t.is(readFileSync(at('back1'), 'utf8'), 'cold')
  t.is(readFileSync(at('back2'), 'utf8'), 'cold')
  for (const args of [
    ['cp', 'live:/nope', at('x')],
    ['cp', 'idle:/nope', at('x'), '--json'],
    ['cp', 'live:/data/sub/f', at('same')],
  ]) {
    const n = tsc(root, args)
    const j = tscNode(root, args)
    t.is(n.stdout, j.stdout, args.join(' '))
    t.is(n.stderr, j.stderr, args.join(' '))
    t.is(n.code, j.code, args.join(' '))
  }
})

test.serial('an exited image container is copied through its overlay, which is unmounted after', async (t) => {
  const { makeArchive } = await import('./image-fixtures')
  const dir = makeRootfs()
  writeFileSync(join(dir, 'inimage'), 'from the image')
  const ref = 'localhost/cp-image:1'
  const archive = makeArchive({ dir, name: ref })
  t.is(tsc(root, ['load', '-i', archive]).code, 0)
  const r = tsc(root, ['run', '--name', 'ran', ref, 'sh', '-c', 'echo changed > /changed'])
  t.is(r.code, 0, r.stderr)
  t.is(tsc(root, ['cp', 'ran:/inimage', at('img1')]).code, 0)
  t.is(readFileSync(at('img1'), 'utf8'), 'from the image')
  t.is(tsc(root, ['cp', 'ran:/changed', at('img2')]).code, 0)
  t.is(readFileSync(at('img2'), 'utf8'), 'changed\n')
  t.is(tsc(root, ['cp', at('payload'), 'ran:/added']).code, 0)
  // The copies mounted its overlay for themselves and unmounted it.
  t.false(readFileSync('/proc/self/mountinfo', 'utf8').includes(root), 'no overlay of the container left mounted')
  t.is(tsc(root, ['start', 'ran']).code, 0)
  t.is(tsc(root, ['wait', 'ran']).stdout, '0\n')
  t.is(tsc(root, ['cp', 'ran:/added', at('img3')]).code, 0)
  t.is(readFileSync(at('img3'), 'utf8'), 'payload')
  rmSync(dir, { recursive: true, force: true })
})
