// Volumes in containers as a docker user uses them: a named volume's data outlives its
// container and goes with `volume rm`; a new volume is filled from the image (copy-up) with
// owners, modes, links kept (not with nocopy, not over existing data); the image's VOLUME gets
// an anonymous volume that `rm -v` and `run --rm` remove while named ones stay;
// --volumes-from shares volumes (read-only with :ro); a copy-up that fails leaves no volume
// and no container; a hostile image's volume path that is a symlink out of its root copies
// nothing from the host; a run SIGKILLed in the middle of a copy-up leaves no half-made
// volume; -v makes a missing bind source (relative ones too), --mount refuses
// it; --tmpfs and --mount type=tmpfs options are what the container's /proc/mounts shows.
import test from 'ava'
import { serialIf } from './helpers/conditional'
import { spawnSync } from 'node:child_process'
import {
  chownSync,
  chmodSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN, makeDataRoot, tsc } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { makeArchive } from './image-fixtures'

const IMAGE = 'localhost/voltest:1'
const HOSTILE = 'localhost/volhostile:1'
const DEEP = 'localhost/voldeep:1'
const BIG = 'localhost/volbig:1'
const tmp = mkdtempSync(join(tmpdir(), 'tsc-box-volrun-'))
const secret = join(tmp, 'host-secret')
const roots: string[] = []
const archives: Record<string, string> = {}

test.before(() => {
  // The image: busybox, /srv/app owned by 1234:1234 (0750) with a 0640 file, a hard link and
  // a symlink, and a VOLUME /data holding a file.
  const dir = makeRootfs()
  mkdirSync(join(dir, 'srv/app/sub'), { recursive: true })
  writeFileSync(join(dir, 'srv/app/config'), 'from the image\n')
  linkSync(join(dir, 'srv/app/config'), join(dir, 'srv/app/sub/hardlink'))
  symlinkSync('/etc/passwd', join(dir, 'srv/app/link'))
  chmodSync(join(dir, 'srv/app/config'), 0o640)
  chmodSync(join(dir, 'srv/app'), 0o750)
  for (const p of ['srv/app', 'srv/app/config', 'srv/app/sub']) chownSync(join(dir, p), 1234, 1234)
  mkdirSync(join(dir, 'data'))
  writeFileSync(join(dir, 'data/seed'), 'seeded\n')
  archives[IMAGE] = makeArchive({ dir, name: IMAGE, config: { Volumes: { '/data': {} }, Cmd: ['sh'] } })
  // Hostile: volume paths that are symlinks out of the root, to a host directory that exists.
  mkdirSync(secret)
  writeFileSync(join(secret, 'secret'), 'host only\n')
  const hostile = makeRootfs()
  symlinkSync(`../../../../../../../..${secret}`, join(hostile, 'rel'))
  symlinkSync(secret, join(hostile, 'abs'))
  // The same path inside the root holds a decoy: what an in-root resolution finds.
  mkdirSync(join(hostile, secret), { recursive: true })
  writeFileSync(join(hostile, secret, 'decoy'), 'in the root\n')
  archives[HOSTILE] = makeArchive({ dir: hostile, name: HOSTILE, config: { Volumes: { '/abs': {} } } })
  // A tree deeper than copy-up takes: its copy fails.
  const deep = makeRootfs()
  let p = join(deep, 'deep')
  for (let i = 0; i < 300; i++) p = join(p, 'd')
  mkdirSync(p, { recursive: true })
  archives[DEEP] = makeArchive({ dir: deep, name: DEEP })
  // Many files to copy up: a SIGKILL lands in the middle of it.
  const big = makeRootfs()
  mkdirSync(join(big, 'big'))
  for (let i = 0; i < 400; i++) writeFileSync(join(big, 'big', `f${i}`), `file ${i}\n`)
  archives[BIG] = makeArchive({ dir: big, name: BIG })
})

test.after.always(() => {
  for (const r of roots) {
    // Created containers keep their overlay mounted until they are removed.
    const ids = tsc(r, ['ps', '-a', '-q', '--no-trunc']).stdout.split('\n').filter(Boolean)
    if (ids.length > 0) tsc(r, ['rm', '-f', '-v', ...ids])
    rmSync(r, { recursive: true, force: true })
  }
  rmSync(tmp, { recursive: true, force: true })
})

function rootWith(...images: string[]): string {
  const r = makeDataRoot()
  roots.push(r)
  for (const i of images) {
    const l = tsc(r, ['load', '-i', archives[i]])
    if (l.code !== 0) throw new Error(`load: ${l.stderr}`)
  }
  return r
}

function ok(r: ReturnType<typeof tsc>): string {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`)
  return r.stdout
}

const anonymous = (r: string) => (existsSync(join(r, 'volumes')) ? readdirSync(join(r, 'volumes')).filter((n) => /^[0-9a-f]{64}$/.test(n)) : [])

test('a named volume keeps its data after its container is removed, until volume rm', (t) => {
  const r = rootWith(IMAGE)
  ok(tsc(r, ['run', '--rm', '-v', 'notes:/notes', IMAGE, 'sh', '-c', 'echo kept > /notes/f']))
  t.is(ok(tsc(r, ['run', '--rm', '-v', 'notes:/notes:ro', IMAGE, 'cat', '/notes/f'])), 'kept\n')
  const ro = tsc(r, ['run', '--rm', '-v', 'notes:/notes:ro', IMAGE, 'sh', '-c', 'echo x > /notes/g'])
  t.not(ro.code, 0)
  t.regex(ro.stderr, /Read-only file system/)
  ok(tsc(r, ['volume', 'rm', 'notes']))
  t.false(existsSync(join(r, 'volumes/notes')))
  t.is(ok(tsc(r, ['run', '--rm', '-v', 'notes:/notes', IMAGE, 'ls', '-A', '/notes'])), '', 'a new volume of the same name is empty')
})

test("copy-up: a new volume gets the image's content with owners, modes and links kept; not with nocopy, not over data", (t) => {
  const r = rootWith(IMAGE)
  t.is(ok(tsc(r, ['run', '--rm', '-v', 'app:/srv/app', IMAGE, 'cat', '/srv/app/config'])), 'from the image\n')
  const data = join(r, 'volumes/app/_data')
  const top = statSync(data)
  t.deepEqual([top.uid, top.gid, top.mode & 0o7777], [1234, 1234, 0o750])
  const f = statSync(join(data, 'config'))
  t.deepEqual([f.uid, f.gid, f.mode & 0o7777], [1234, 1234, 0o640])
  t.is(statSync(join(data, 'sub/hardlink')).ino, f.ino)
  t.is(readlinkSync(join(data, 'link')), '/etc/passwd')
  t.is(statSync(join(data, 'sub')).uid, 1234)
  // The container sees the owners too.
  t.is(ok(tsc(r, ['run', '--rm', '-v', 'app:/srv/app', IMAGE, 'stat', '-c', '%u:%g %a', '/srv/app/config'])), '1234:1234 640\n')
  // Existing data is never overwritten by the image's.
  ok(tsc(r, ['run', '--rm', '-v', 'app:/srv/app', IMAGE, 'sh', '-c', 'echo mine > /srv/app/config']))
  t.is(ok(tsc(r, ['run', '--rm', '-v', 'app:/srv/app', IMAGE, 'cat', '/srv/app/config'])), 'mine\n')
  // nocopy, both spellings: the volume stays empty.
  t.is(ok(tsc(r, ['run', '--rm', '-v', 'empty1:/srv/app:nocopy', IMAGE, 'ls', '-A', '/srv/app'])), '')
  t.is(ok(tsc(r, ['run', '--rm', '--mount', 'src=empty2,dst=/srv/app,volume-nocopy', IMAGE, 'ls', '-A', '/srv/app'])), '')
  // An empty volume made beforehand is filled on its first use, as docker fills it.
  ok(tsc(r, ['volume', 'create', 'made']))
  t.is(ok(tsc(r, ['run', '--rm', '--mount', 'type=volume,src=made,target=/srv/app', IMAGE, 'cat', '/srv/app/config'])), 'from the image\n')
})

test("the image's VOLUME is an anonymous volume filled from the image: rm -v and run --rm remove it, named volumes stay", (t) => {
  const r = rootWith(IMAGE)
  ok(tsc(r, ['create', '--name', 'c1', '-v', 'named:/named', IMAGE, 'true']))
  const [anon] = anonymous(r)
  t.truthy(anon)
  t.is(readFileSync(join(r, 'volumes', anon, '_data/seed'), 'utf8'), 'seeded\n')
  t.like(JSON.parse(ok(tsc(r, ['volume', 'inspect', anon])))[0], { Labels: { 'com.docker.volume.anonymous': '' } })
  // inspect's Mounts: docker's fields, from the record's mounts.
  const mounts = JSON.parse(ok(tsc(r, ['inspect', '-f', '{{json .Mounts}}', 'c1'])))
  t.deepEqual(mounts, [
    { Type: 'volume', Name: 'named', Source: join(r, 'volumes/named/_data'), Destination: '/named', Driver: 'local', Mode: 'z', RW: true, Propagation: '' },
    { Type: 'volume', Name: anon, Source: join(r, 'volumes', anon, '_data'), Destination: '/data', Driver: 'local', Mode: '', RW: true, Propagation: '' },
  ])
  ok(tsc(r, ['rm', '-v', 'c1']))
  t.deepEqual(anonymous(r), [])
  t.true(existsSync(join(r, 'volumes/named/_data')))
  // Without -v the anonymous volume stays (docker's rm).
  ok(tsc(r, ['create', '--name', 'c2', IMAGE, 'true']))
  ok(tsc(r, ['rm', 'c2']))
  t.is(anonymous(r).length, 1)
  ok(tsc(r, ['volume', 'prune', '-f']))
  // run --rm: removed with the container; -v /path anonymous ones too.
  t.is(ok(tsc(r, ['run', '--rm', '-v', '/scratch', IMAGE, 'cat', '/data/seed'])), 'seeded\n')
  t.deepEqual(anonymous(r), [])
  // A -v over the image's VOLUME path replaces the anonymous one.
  ok(tsc(r, ['run', '--rm', '-v', 'mine:/data', IMAGE, 'true']))
  t.deepEqual(anonymous(r), [])
  t.is(readFileSync(join(r, 'volumes/mine/_data/seed'), 'utf8'), 'seeded\n')
})

test('run -d --rm removes its anonymous volumes when it ends (its monitor runs rm -v), named ones stay', async (t) => {
  const r = rootWith(IMAGE)
  ok(tsc(r, ['run', '-d', '--rm', '-v', 'stays:/stays', IMAGE, 'sh', '-c', 'echo a > /data/f; sleep 1']))
  t.is(anonymous(r).length, 1)
  const end = Date.now() + 30_000
  while (anonymous(r).length > 0 && Date.now() < end) await new Promise((res) => setTimeout(res, 100))
  t.deepEqual(anonymous(r), [])
  t.true(existsSync(join(r, 'volumes/stays/_data')))
})

test('--volumes-from shares the volumes and binds of another container; :ro makes them read-only', (t) => {
  const r = rootWith(IMAGE)
  const bind = mkdtempSync(join(tmp, 'bind-'))
  ok(tsc(r, ['create', '--name', 'store', '-v', 'shared:/shared', '-v', `${bind}:/bound`, IMAGE, 'true']))
  ok(tsc(r, ['run', '--rm', '--volumes-from', 'store', IMAGE, 'sh', '-c', 'echo a > /shared/f && echo b > /bound/g && cat /data/seed']))
  t.is(readFileSync(join(bind, 'g'), 'utf8'), 'b\n')
  t.is(ok(tsc(r, ['run', '--rm', '--volumes-from', 'store:ro', IMAGE, 'cat', '/shared/f'])), 'a\n')
  const ro = tsc(r, ['run', '--rm', '--volumes-from', 'store:ro', IMAGE, 'sh', '-c', 'echo x > /shared/f'])
  t.not(ro.code, 0)
  // store's anonymous /data volume is shared, not the borrower's: its --rm keeps it.
  t.is(anonymous(r).length, 1)
  const missing = tsc(r, ['run', '--rm', '--volumes-from', 'nobody', IMAGE, 'true'])
  t.is(missing.code, 1)
  t.regex(missing.stderr, /nobody/)
  ok(tsc(r, ['rm', '-v', 'store']))
  t.deepEqual(anonymous(r), [])
})

test('a volume whose copy-up fails leaves no volume and no container', (t) => {
  const r = rootWith(DEEP)
  const run = tsc(r, ['run', '--rm', '-v', 'deepvol:/deep', DEEP, 'true'])
  t.is(run.code, 125)
  t.regex(run.stderr, /volume deepvol: copying the image's content at \/deep/)
  t.deepEqual(readdirSync(join(r, 'volumes')), [])
  t.is(ok(tsc(r, ['ps', '-a', '-q'])), '')
  const anon = tsc(r, ['run', '-v', '/deep', DEEP, 'true'])
  t.is(anon.code, 125)
  t.deepEqual(readdirSync(join(r, 'volumes')), [])
  t.is(ok(tsc(r, ['ps', '-a', '-q'])), '')
})

// strace's fault injection delivers the SIGKILL; without strace the test cannot aim it.
const haveStrace = spawnSync('strace', ['-V']).status === 0
serialIf(haveStrace, 'needs strace: it kills the run in the middle of its copy-up')(
  'a run SIGKILLed in the middle of a copy-up leaves no half-made volume: the next listing removes what it left',
  (t) => {
    const r = rootWith(BIG)
    // strace kills the process as it enters its 200th fchown: copy-up gives each file its owner.
    const k = spawnSync(
      'strace',
      [
        '-f',
        '-qq',
        '-o',
        '/dev/null',
        '-e',
        'trace=fchown',
        '-e',
        'inject=fchown:signal=SIGKILL:when=200',
        BIN,
        'run',
        '--rm',
        '-v',
        'bigvol:/big',
        BIG,
        'true',
      ],
      {
        env: { ...process.env, TSC_BOX_ROOT: r },
        encoding: 'utf8',
      },
    )
    t.true(k.signal === 'SIGKILL' || k.status === 137, `not killed: ${k.status} ${k.stderr}`)
    const left = readdirSync(join(r, 'volumes'))
    t.true(
      left.some((n) => n.startsWith('.new-')),
      `the kill came before the copy-up: ${left.join(', ')}`,
    )
    t.false(left.includes('bigvol'))
    // No such volume, and the listing removes the staging directory of the dead process.
    t.is(ok(tsc(r, ['volume', 'ls', '-q'])), '')
    t.deepEqual(readdirSync(join(r, 'volumes')), [])
    // The container the killed run left is removed by rm, as any; then the volume can be made whole.
    const ids = ok(tsc(r, ['ps', '-a', '-q', '--no-trunc']))
      .split('\n')
      .filter(Boolean)
    if (ids.length > 0) ok(tsc(r, ['rm', '-f', '-v', ...ids]))
    t.is(ok(tsc(r, ['run', '--rm', '-v', 'bigvol:/big', BIG, 'sh', '-c', 'ls /big | wc -l'])).trim(), '400')
  },
)

test("a hostile image's volume path that is a symlink out of its root copies nothing from the host (the root's own path instead)", (t) => {
  const r = rootWith(HOSTILE)
  for (const p of ['/rel', '/abs']) {
    t.is(ok(tsc(r, ['run', '--rm', '-v', `v${p.slice(1)}:${p}`, HOSTILE, 'ls', '-A', p])), 'decoy\n', p)
    t.deepEqual(readdirSync(join(r, 'volumes', `v${p.slice(1)}`, '_data')), ['decoy'], p)
  }
  // The image's own VOLUME /abs: the same.
  ok(tsc(r, ['create', '--name', 'hostile1', HOSTILE, 'true']))
  const [anon] = anonymous(r)
  t.deepEqual(readdirSync(join(r, 'volumes', anon, '_data')), ['decoy'])
  t.is(readFileSync(join(secret, 'secret'), 'utf8'), 'host only\n')
  t.deepEqual(readdirSync(secret), ['secret'], 'nothing was written into the host directory')
})

test('-v makes a missing bind source (relative ones from the working directory); --mount refuses it and leaves nothing', (t) => {
  const r = rootWith(IMAGE)
  const cwd = mkdtempSync(join(tmp, 'cwd-'))
  const run = spawnSync(BIN, ['run', '--rm', '-v', './made/here:/x', '-v', `${cwd}/abs-made:/y`, IMAGE, 'sh', '-c', 'echo hi > /x/f; ls -d /y'], {
    cwd,
    env: { ...process.env, TSC_BOX_ROOT: r },
    encoding: 'utf8',
  })
  t.is(run.status, 0, run.stderr)
  t.is(readFileSync(join(cwd, 'made/here/f'), 'utf8'), 'hi\n')
  t.true(lstatSync(join(cwd, 'abs-made')).isDirectory())
  const refused = tsc(r, ['run', '--rm', '--mount', `type=bind,src=${cwd}/nope,dst=/x`, IMAGE, 'true'])
  t.is(refused.code, 125)
  t.is(refused.stderr, `tsc-box: invalid mount config for type "bind": bind source path does not exist: ${cwd}/nope\n`)
  t.false(existsSync(join(cwd, 'nope')))
  t.is(ok(tsc(r, ['ps', '-a', '-q'])), '')
  const unknown = tsc(r, ['create', '--mount', 'type=volume,src=x1,dst=/x,colour=red', IMAGE, 'true'])
  t.is(unknown.code, 125)
  t.regex(unknown.stderr, /unexpected key 'colour' in 'colour=red'/)
  t.false(existsSync(join(r, 'volumes/x1')))
  // A bind with its propagation, read-only.
  t.is(
    ok(
      tsc(r, [
        'run',
        '--rm',
        '--mount',
        `type=bind,src=${cwd},dst=/b,readonly,bind-propagation=rslave`,
        IMAGE,
        'sh',
        '-c',
        'cat /b/made/here/f; touch /b/z || echo refused',
      ]),
    ),
    'hi\nrefused\n',
  )
})

test('--tmpfs and --mount type=tmpfs: docker defaults and the options given, as /proc/mounts shows them', (t) => {
  const r = rootWith(IMAGE)
  const out = ok(
    tsc(r, [
      'run',
      '--rm',
      '--tmpfs',
      '/run/a',
      '--tmpfs',
      '/run/b:size=1m,mode=1770,exec',
      '--mount',
      'type=tmpfs,destination=/run/c,tmpfs-size=2m,tmpfs-mode=700',
      '--mount',
      'type=tmpfs,dst=/run/d,readonly',
      IMAGE,
      'sh',
      '-c',
      'grep " /run/" /proc/mounts; stat -c "%n %a" /run/b /run/c',
    ]),
  )
  const line = (p: string) => out.split('\n').find((l) => l.split(' ')[1] === p) ?? ''
  const opts = (p: string) => line(p).split(' ')[3].split(',')
  for (const p of ['/run/a', '/run/c', '/run/d']) for (const o of ['nosuid', 'nodev', 'noexec']) t.true(opts(p).includes(o), `${p} ${o}`)
  t.true(opts('/run/a').includes('rw'))
  t.false(opts('/run/b').includes('noexec'))
  t.true(opts('/run/b').includes('size=1024k'))
  t.true(opts('/run/c').includes('size=2048k'))
  t.true(opts('/run/d').includes('ro'))
  t.regex(out, /\/run\/b 1770\n\/run\/c 700\n/)
})

test("volume create -o: the local driver's tmpfs and bind kinds, mounted as docker mounts them", (t) => {
  const r = rootWith(IMAGE)
  const dir = mkdtempSync(join(tmp, 'device-'))
  ok(tsc(r, ['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=1m,uid=1234', 'tv']))
  ok(tsc(r, ['volume', 'create', '-o', 'type=none', '-o', 'o=bind', '-o', `device=${dir}`, 'bv']))
  t.like(JSON.parse(ok(tsc(r, ['volume', 'inspect', 'tv'])))[0], { Options: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m,uid=1234' } })
  const out = ok(tsc(r, ['run', '--rm', '-v', 'tv:/t', '-v', 'bv:/b', IMAGE, 'sh', '-c', 'grep " /t " /proc/mounts; echo hi > /b/f']))
  t.regex(out, /^tmpfs \/t tmpfs rw,.*size=1024k.*uid=1234/)
  t.is(readFileSync(join(dir, 'f'), 'utf8'), 'hi\n')
  const nfs = tsc(r, ['volume', 'create', '-o', 'type=nfs', '-o', 'o=addr=10.0.0.1', 'nv'])
  t.is(nfs.code, 1)
  t.regex(nfs.stderr, /type=tmpfs and o=bind/)
})
