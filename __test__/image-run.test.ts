// `tsc-box run IMAGE`: the image config (Entrypoint, Cmd, Env, WorkingDir, User, Labels) is
// applied and overridden like docker; containers run on an overlay whose writes never reach
// the image's layers; --read-only and --rm behave; nothing is left behind.
import test from 'ava'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeDataRoot, type Result, tsc } from './helpers/cli'
import { mountsUnder } from './helpers/leaks'
import { makeRootfs } from './helpers/rootfs'
import { contentHashes, makeArchive } from './image-fixtures'

const IMG = 'localhost/fixture:1'
const rootfs = makeRootfs()
writeFileSync(join(rootfs, 'etc/original'), 'pristine\n')
const archive = makeArchive({
  dir: rootfs,
  name: IMG,
  config: {
    Entrypoint: ['/bin/echo', 'from-entrypoint'],
    Cmd: ['default-cmd'],
    Env: ['IMG_VAR=image', 'PATH=/bin'],
    WorkingDir: '/home/app',
    User: 'app',
    Labels: { 'org.example.label': 'labelled' },
  },
})
rmSync(rootfs, { recursive: true, force: true })

function rootWithImage(): string {
  const root = makeDataRoot()
  const r = tsc(root, ['load', '-i', archive])
  if (r.code !== 0) throw new Error(`load failed: ${r.stderr}`)
  return root
}

const shared = rootWithImage()

test('Entrypoint and Cmd run by default', (t) => {
  const r = tsc(shared, ['run', '--rm', IMG])
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout, 'from-entrypoint default-cmd\n')
})

test('a command replaces Cmd and keeps the Entrypoint', (t) => {
  const r = tsc(shared, ['run', '--rm', IMG, 'x', 'y'])
  t.is(r.stdout, 'from-entrypoint x y\n')
})

test('Env, WorkingDir and User come from the image', (t) => {
  const r = tsc(shared, ['run', '--rm', '--entrypoint', '/bin/sh', IMG, '-c', 'echo $IMG_VAR; pwd; id -u'])
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout, 'image\n/home/app\n1000\n')
})

test('flags override the image config', (t) => {
  const r = tsc(shared, ['run', '--rm', '-e', 'IMG_VAR=flag', '-w', '/tmp', '-u', '0', '--entrypoint', '/bin/sh', IMG, '-c', 'echo $IMG_VAR; pwd; id -u'])
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout, 'flag\n/tmp\n0\n')
})

test('--entrypoint drops the image Cmd', (t) => {
  const r = tsc(shared, ['run', '--rm', '--entrypoint', '/bin/echo', IMG])
  t.is(r.stdout, '\n')
})

test('image labels become annotations of the container spec', (t) => {
  const root = rootWithImage()
  const r = tsc(root, ['run', '--entrypoint', '/bin/true', IMG])
  t.is(r.code, 0, r.stderr)
  const [id] = readdirSync(join(root, 'containers'))
  const spec = JSON.parse(readFileSync(join(root, 'containers', id, 'config.json'), 'utf8'))
  t.is(spec.annotations['org.example.label'], 'labelled')
  t.is(spec.annotations['org.opencontainers.image.ref.name'], IMG)
})

test('writes in containers never reach the image: every layer is byte-identical', (t) => {
  const root = rootWithImage()
  const layers = join(root, 'images/layers')
  const blobs = join(root, 'images/blobs')
  const before = { layers: contentHashes(layers), blobs: contentHashes(blobs) }
  const script = 'echo new > /new; echo changed > /etc/original; rm /etc/passwd /bin/ls; mkdir /d; chmod 700 /home/app; cat /etc/original'
  for (const rm of [[], ['--rm']]) {
    const r = tsc(root, ['run', ...rm, '-u', '0', '--entrypoint', '/bin/sh', IMG, '-c', script])
    t.is(r.code, 0, r.stderr)
    t.is(r.stdout, 'changed\n')
  }
  t.deepEqual(contentHashes(layers), before.layers)
  t.deepEqual(contentHashes(blobs), before.blobs)
  const fresh = tsc(root, ['run', '--rm', '--entrypoint', '/bin/sh', IMG, '-c', 'cat /etc/original; ls /new 2>&1; test -e /bin/ls && echo ls-present'])
  t.is(fresh.stdout, 'pristine\nls: /new: No such file or directory\nls-present\n')
})

test('--read-only makes the image rootfs read-only', (t) => {
  const r = tsc(shared, ['run', '--rm', '--read-only', '-u', '0', '--entrypoint', '/bin/sh', IMG, '-c', 'touch /x'])
  t.not(r.code, 0)
  t.regex(r.stderr, /Read-only file system/)
})

test('--rm unmounts the overlay and removes the container layer', (t) => {
  const root = rootWithImage()
  const r = tsc(root, ['run', '--rm', '--entrypoint', '/bin/sh', IMG, '-c', 'echo data > /tmp/f'])
  t.is(r.code, 0, r.stderr)
  t.deepEqual(mountsUnder(root), [])
  t.deepEqual(readdirSync(join(root, 'overlay')), [])
})

test('a failing run leaves no overlay behind', (t) => {
  const root = rootWithImage()
  const r = tsc(root, ['run', '--rm', '-u', 'nosuchuser', IMG])
  t.is(r.code, 125)
  t.regex(r.stderr, /nosuchuser/)
  t.deepEqual(mountsUnder(root), [])
  t.deepEqual(existsSync(join(root, 'overlay')) ? readdirSync(join(root, 'overlay')) : [], [])
})

test('an exited container keeps its layer until removed, unmounted', (t) => {
  const root = rootWithImage()
  const r = tsc(root, ['run', '-u', '0', '--entrypoint', '/bin/sh', IMG, '-c', 'echo kept > /kept'])
  t.is(r.code, 0, r.stderr)
  t.deepEqual(mountsUnder(root), [])
  const [key] = readdirSync(join(root, 'overlay'))
  t.is(readFileSync(join(root, 'overlay', key, 'upper/kept'), 'utf8'), 'kept\n')
})

test('where overlayfs is not used the layers are copied, and tsc-box says so', (t) => {
  process.env.TSC_BOX_STORAGE_DRIVER = 'copy'
  let r: Result
  try {
    r = tsc(shared, ['run', '--rm', '--entrypoint', '/bin/cat', IMG, '/etc/original'])
  } finally {
    delete process.env.TSC_BOX_STORAGE_DRIVER
  }
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout, 'pristine\n')
  t.regex(r.stderr, /copied/)
  t.deepEqual(mountsUnder(shared), [])
})

test('an image the store lacks, with pulling off, is a clear error with exit 125', (t) => {
  // Without --pull never, run would pull it (__test__/run-pulls.test.ts).
  const r = tsc(shared, ['run', '--rm', '--json', '--pull', 'never', 'no/such-image'])
  t.is(r.code, 125)
  t.is(JSON.parse(r.stdout).error.code, 'image_not_found')
})

test('an exited container starts again on its own layer, and rm removes it', (t) => {
  const root = rootWithImage()
  const name = `again-${process.pid}`
  const r = tsc(root, ['run', '--name', name, '-u', '0', '--entrypoint', '/bin/sh', IMG, '-c', 'echo x >> /f; cat /f'])
  t.is(r.stdout, 'x\n', r.stderr)
  t.deepEqual(mountsUnder(root), [])
  t.is(tsc(root, ['start', name]).code, 0)
  t.is(tsc(root, ['wait', name]).stdout.trim(), '0')
  // The foreground run's output is in the log too, as docker keeps it.
  t.is(tsc(root, ['logs', name]).stdout, 'x\nx\nx\n')
  t.is(tsc(root, ['rm', name]).code, 0)
  t.deepEqual(mountsUnder(root), [])
  t.deepEqual(readdirSync(join(root, 'overlay')), [])
})

test('whiteouts of an upper layer hide files and directories of the lower ones', (t) => {
  const base = makeRootfs()
  execFileSync('sh', ['-c', `mkdir -p ${base}/var/old-dir && echo keep > ${base}/etc/keep && echo gone > ${base}/etc/gone && echo old > ${base}/var/old-dir/f`])
  const top = mkdtempSync(join(tmpdir(), 'tsc-box-top-'))
  execFileSync('sh', [
    '-c',
    `mkdir -p ${top}/etc ${top}/var/old-dir && touch ${top}/etc/.wh.gone ${top}/var/old-dir/.wh..wh..opq && echo new > ${top}/var/old-dir/g`,
  ])
  const file = makeArchive({ dir: base, moreLayers: [top], name: 'localhost/wh:1', config: { Entrypoint: ['/bin/sh', '-c'] } })
  const root = makeDataRoot()
  t.is(tsc(root, ['load', '-i', file]).code, 0)
  for (const driver of ['overlay', 'copy']) {
    if (driver === 'copy') process.env.TSC_BOX_STORAGE_DRIVER = 'copy'
    let r: Result
    try {
      r = tsc(root, ['run', '--rm', 'localhost/wh:1', 'cat /etc/keep; ls /etc/gone 2>&1; ls /var/old-dir'])
    } finally {
      delete process.env.TSC_BOX_STORAGE_DRIVER
    }
    t.is(r.stdout, 'keep\nls: /etc/gone: No such file or directory\ng\n', `${driver}: ${r.stderr}`)
  }
})
