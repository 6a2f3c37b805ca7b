// `tsc-box load` and `save`: OCI image-layout and docker-archive tarballs with plain, gzip or
// zstd layers (the whole archive also bzip2 or xz); hostile archives are refused and leave no image and no blob; saved archives
// load back and are readable by skopeo.
import test from 'ava'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeDataRoot, tsc } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { makeArchive, type Compression } from './image-fixtures'

const rootfs = makeRootfs()
const config = { Entrypoint: ['/bin/echo'], Cmd: ['loaded'] }

function blobCount(root: string): number {
  const dir = join(root, 'images/blobs/sha256')
  return existsSync(dir) ? readdirSync(dir).length : 0
}

for (const format of ['oci', 'docker'] as const) {
  for (const compression of ['none', 'gzip', 'zstd'] as Compression[]) {
    test(`load reads a ${format} archive with ${compression} layers`, (t) => {
      const root = makeDataRoot()
      const name = `localhost/${format}-${compression}:1`
      const file = makeArchive({ dir: rootfs, config, compression, format, name })
      const r = tsc(root, ['load', '-i', file])
      t.is(r.code, 0, r.stderr)
      t.is(r.stdout, `Loaded image: ${name}\n`)
      const run = tsc(root, ['run', '--rm', name])
      t.is(run.stdout, 'loaded\n', run.stderr)
    })
  }
}

test('load reads an archive compressed as a whole and from stdin', (t) => {
  const root = makeDataRoot()
  const file = makeArchive({ dir: rootfs, config, name: 'localhost/stdin:1' })
  const gz = execFileSync('gzip', ['-c', file], { maxBuffer: 1 << 30 })
  const r = spawnSync(process.execPath, [join(__dirname, '../bin/run.js'), 'load'], {
    input: gz,
    env: { ...process.env, TSC_BOX_ROOT: root },
    encoding: 'utf8',
  })
  t.is(r.status, 0, r.stderr)
  t.is(r.stdout, 'Loaded image: localhost/stdin:1\n')
  t.deepEqual(readdirSync(join(root, 'images/tmp')), [])
})

for (const tool of ['bzip2', 'xz']) {
  test(`load reads an archive compressed with ${tool} as a whole, as docker does`, (t) => {
    const root = makeDataRoot()
    const file = makeArchive({ dir: rootfs, config, name: `localhost/${tool}:1` })
    execFileSync(tool, ['-k', file])
    const r = tsc(root, ['load', '-i', `${file}.${tool === 'xz' ? 'xz' : 'bz2'}`])
    t.is(r.code, 0, r.stderr)
    t.is(r.stdout, `Loaded image: localhost/${tool}:1\n`)
    t.is(tsc(root, ['run', '--rm', `localhost/${tool}:1`]).stdout, 'loaded\n')
  })
}

function hostile(t: import('ava').ExecutionContext, members: Record<string, string | Buffer>, code: number, pattern: RegExp) {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-hostile-'))
  for (const [name, data] of Object.entries(members)) {
    execFileSync('mkdir', ['-p', join(dir, name, '..')])
    writeFileSync(join(dir, name), data)
  }
  const file = join(dir, '..', `${dir.split('/').pop()}.tar`)
  execFileSync('tar', ['-C', dir, '-cf', file, '.'])
  const root = makeDataRoot()
  const r = tsc(root, ['load', '-i', file])
  t.is(r.code, code)
  t.regex(r.stderr, pattern)
  t.deepEqual(JSON.parse(tsc(root, ['images', '--json']).stdout), [])
  t.is(blobCount(root), 0)
  rmSync(dir, { recursive: true, force: true })
}

const fake = 'a'.repeat(64)

test('a blob whose content does not match its name is refused', (t) => {
  hostile(t, { 'oci-layout': '{}', [`blobs/sha256/${fake}`]: 'not what the name says', 'index.json': '{"manifests":[]}' }, 125, /does not match its name/)
})

test('an index naming a missing manifest is refused', (t) => {
  const index = { schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${fake}`, size: 5 }] }
  hostile(t, { 'oci-layout': '{}', 'index.json': JSON.stringify(index) }, 125, /does not contain/)
})

test('a docker-archive naming a missing layer is refused', (t) => {
  hostile(t, { 'manifest.json': JSON.stringify([{ Config: 'c.json', RepoTags: ['x:1'], Layers: ['nope/layer.tar'] }]), 'c.json': '{}' }, 125, /nope\/layer.tar/)
})

test('a manifest with an unknown layer media type is refused', (t) => {
  const layer = Buffer.from('')
  const cfg = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }))
  const sha = (b: Buffer) => require('node:crypto').createHash('sha256').update(b).digest('hex')
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha(cfg)}`, size: cfg.length },
      layers: [{ mediaType: 'application/x-evil', digest: `sha256:${sha(layer)}`, size: 0 }],
    }),
  )
  const index = {
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${sha(manifest)}`, size: manifest.length }],
  }
  hostile(
    t,
    {
      'oci-layout': '{}',
      'index.json': JSON.stringify(index),
      [`blobs/sha256/${sha(manifest)}`]: manifest,
      [`blobs/sha256/${sha(cfg)}`]: cfg,
      [`blobs/sha256/${sha(layer)}`]: layer,
    },
    125,
    /unknown media type/,
  )
})

test('a layer that escapes its root is refused', (t) => {
  const evil = mkdtempSync(join(tmpdir(), 'tsc-box-evil-'))
  // GNU tar keeps the member name as given with -P.
  const layerTar = join(evil, 'layer.tar')
  writeFileSync(join(evil, 'payload'), 'x')
  execFileSync('tar', ['-P', '-C', evil, '--transform', 's|^payload|../../escaped|', '-cf', layerTar, 'payload'])
  const sha = (b: Buffer) => require('node:crypto').createHash('sha256').update(b).digest('hex')
  const tarBytes = require('node:fs').readFileSync(layerTar) as Buffer
  const cfg = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${sha(tarBytes)}`] } }))
  hostile(
    t,
    { 'manifest.json': JSON.stringify([{ Config: 'c.json', RepoTags: ['localhost/evil:1'], Layers: ['layer.tar'] }]), 'c.json': cfg, 'layer.tar': tarBytes },
    125,
    /'\.\.'/,
  )
  t.false(existsSync(join(tmpdir(), 'escaped')))
})

test('save writes archives that load back and that skopeo reads', (t) => {
  const root = makeDataRoot()
  t.is(tsc(root, ['load', '-i', makeArchive({ dir: rootfs, config, name: 'localhost/rt:1' })]).code, 0)
  const out = mkdtempSync(join(tmpdir(), 'tsc-box-save-'))
  for (const format of ['oci-archive', 'docker-archive']) {
    const file = join(out, `${format}.tar`)
    const s = tsc(root, ['save', '--format', format, '-o', file, 'localhost/rt:1'])
    t.is(s.code, 0, s.stderr)
    const other = makeDataRoot()
    const l = tsc(other, ['load', '-i', file])
    t.is(l.code, 0, l.stderr)
    t.is(tsc(other, ['run', '--rm', 'localhost/rt:1']).stdout, 'loaded\n')
    const skopeoRef = format === 'oci-archive' ? `oci-archive:${file}` : `docker-archive:${file}`
    const inspect = spawnSync('skopeo', ['inspect', '--config', skopeoRef], { encoding: 'utf8' })
    if (inspect.error) t.fail('skopeo is not installed (apt-get install skopeo)')
    t.is(inspect.status, 0, inspect.stderr)
    t.deepEqual(JSON.parse(inspect.stdout).config.Cmd, ['loaded'])
    // skopeo copies it into another layout, verifying every blob on the way.
    const copy = spawnSync('skopeo', ['copy', skopeoRef, `dir:${join(out, `${format}.dir`)}`], { encoding: 'utf8' })
    t.is(copy.status, 0, copy.stderr)
  }
})

test('save refuses an unknown image and writes nothing', (t) => {
  const root = makeDataRoot()
  const file = join(mkdtempSync(join(tmpdir(), 'tsc-box-save-')), 'x.tar')
  const r = tsc(root, ['save', '-o', file, 'no/such:image', '--json'])
  t.is(r.code, 125)
  t.is(JSON.parse(r.stdout).error.code, 'image_not_found')
  t.false(existsSync(file))
})

test('podman loads what we save, and we load what podman saves', (t) => {
  const root = makeDataRoot()
  t.is(tsc(root, ['load', '-i', makeArchive({ dir: rootfs, config, name: 'localhost/pm:1' })]).code, 0)
  const out = mkdtempSync(join(tmpdir(), 'tsc-box-podman-'))
  const podman = (...args: string[]) =>
    spawnSync('podman', ['--root', join(out, 'root'), '--runroot', join(out, 'run'), '--storage-driver', 'vfs', ...args], { encoding: 'utf8' })
  if (podman('--version').error) return t.fail('podman is not installed (apt-get install podman)')
  try {
    const ours = join(out, 'ours.tar')
    t.is(tsc(root, ['save', '-o', ours, 'localhost/pm:1']).code, 0)
    const l = podman('load', '-i', ours)
    t.is(l.status, 0, l.stderr)
    for (const format of ['oci-archive', 'docker-archive']) {
      const theirs = join(out, `podman-${format}.tar`)
      const s = podman('save', '--format', format, '-o', theirs, 'localhost/pm:1')
      t.is(s.status, 0, s.stderr)
      const other = makeDataRoot()
      const r = tsc(other, ['load', '-i', theirs])
      t.is(r.code, 0, r.stderr)
      t.regex(r.stdout, /Loaded image: localhost\/pm:1/)
      t.is(tsc(other, ['run', '--rm', 'localhost/pm:1']).stdout, 'loaded\n')
    }
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
})
