// One image per config digest (docker's image ID), whatever archive it came from: the same
// image from a docker-archive (plain layers) and an OCI archive (gzip) is one row per tag with
// one ID and one SIZE; `rmi` by that ID and of the last tag behave as docker's; `save` without
// -o streams to stdout and `load` reads stdin, with progress on a terminal.
import test from 'ava'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN, makeDataRoot, tsc, type Result } from './helpers/cli'
import { archiveOfTars, layerTar } from './image-fixtures'

const work = mkdtempSync(join(tmpdir(), 'tsc-box-identity-'))
const content = join(work, 'content')
let ociArchive: string
let dockerArchive: string

test.before(() => {
  mkdirSync(content)
  writeFileSync(join(content, 'data'), 'x'.repeat(300_000))
  const tar = layerTar(content)
  ociArchive = archiveOfTars([tar], { name: 'localhost/same:oci', compression: 'gzip' })
  dockerArchive = archiveOfTars([tar], { name: 'localhost/same:docker', format: 'docker', compression: 'none' })
})

const json = (r: Result) => JSON.parse(r.stdout)
const ok = (r: Result) => {
  if (r.code !== 0) throw new Error(r.stderr)
  return r
}

test('an image loaded from a docker-archive and an OCI archive is one image with both tags', (t) => {
  const root = makeDataRoot()
  ok(tsc(root, ['load', '-i', ociArchive]))
  ok(tsc(root, ['load', '-i', dockerArchive]))
  const images = json(tsc(root, ['images', '--json']))
  t.is(images.length, 2, 'a row per tag')
  t.is(new Set(images.map((i: { id: string }) => i.id)).size, 1)
  t.deepEqual(tsc(root, ['images', '-q']).stdout.trim().split('\n').length, 1)
  const rows = tsc(root, ['images']).stdout.trimEnd().split('\n').slice(1)
  t.deepEqual(rows.map((l) => l.split(/ {3,}/)[1]).sort(), ['docker', 'oci'])
  t.is(new Set(rows.map((l) => l.split(/ {3,}/)[4])).size, 1, 'one SIZE')
})

test('SIZE is the same whatever archive (compressed or not) the image came from', (t) => {
  const a = makeDataRoot()
  const b = makeDataRoot()
  ok(tsc(a, ['load', '-i', ociArchive]))
  ok(tsc(b, ['load', '-i', dockerArchive]))
  const size = (root: string) => tsc(root, ['images']).stdout.trimEnd().split('\n')[1]?.split(/ {3,}/)[4]
  t.regex(size(a) ?? '', /^30\d(\.\d+)?kB$/)
  t.is(size(a), size(b))
})

test('rmi by ID refuses an image with several tags unless forced; rmi of the last tag deletes it, leaving no <none> row', (t) => {
  const root = makeDataRoot()
  ok(tsc(root, ['load', '-i', ociArchive]))
  ok(tsc(root, ['load', '-i', dockerArchive]))
  const id = tsc(root, ['images', '-q']).stdout.trim()
  const byId = tsc(root, ['rmi', '--json', id])
  t.is(byId.code, 125)
  t.regex(json(byId).error.message, /unable to delete .* \(must be forced\).*referenced in multiple repositories/)
  const first = ok(tsc(root, ['rmi', 'localhost/same:oci']))
  t.is(first.stdout, 'Untagged: localhost/same:oci\n')
  const last = ok(tsc(root, ['rmi', 'localhost/same:docker']))
  t.regex(last.stdout, /^Untagged: localhost\/same:docker\nDeleted: sha256:[0-9a-f]{64}\n$/)
  t.deepEqual(json(tsc(root, ['images', '--json'])), [])
  t.is(tsc(root, ['images']).stdout.trimEnd().split('\n').length, 1)
})

test('save without -o writes the archive to stdout, which load reads back from stdin', (t) => {
  const root = makeDataRoot()
  ok(tsc(root, ['load', '-i', ociArchive]))
  const saved = spawnSync(process.execPath, [BIN, 'save', 'localhost/same:oci'], { env: { ...process.env, TSC_BOX_ROOT: root }, maxBuffer: 1 << 26 })
  t.is(saved.status, 0, saved.stderr.toString())
  t.true(saved.stdout.includes(Buffer.from('oci-layout')))
  const file = join(work, 'from-stdout.tar')
  writeFileSync(file, saved.stdout)
  const other = makeDataRoot()
  const loaded = spawnSync(process.execPath, [BIN, 'load'], { env: { ...process.env, TSC_BOX_ROOT: other }, input: saved.stdout })
  t.is(loaded.status, 0, loaded.stderr.toString())
  t.is(loaded.stdout.toString(), 'Loaded image: localhost/same:oci\n')
  t.is(json(tsc(other, ['images', '--json']))[0].id, json(tsc(root, ['images', '--json']))[0].id)
  t.true(readFileSync(file).includes(Buffer.from('index.json')))
})

test('save refuses a terminal as stdout, as docker does, and --json without -o', (t) => {
  const root = makeDataRoot()
  ok(tsc(root, ['load', '-i', ociArchive]))
  const tty = spawnSync('script', ['-qec', `${process.execPath} ${BIN} save localhost/same:oci; echo "rc=$?"`, '/dev/null'], {
    env: { ...process.env, TSC_BOX_ROOT: root },
  })
  t.regex(tty.stdout.toString(), /cowardly refusing to save to a terminal\. Use the -o flag or redirect/)
  t.regex(tty.stdout.toString(), /rc=125/)
  const j = tsc(root, ['save', '--json', 'localhost/same:oci'])
  t.is(j.code, 125)
  t.is(json(j).error.code, 'invalid_usage')
})

test('load from stdin shows the bytes read on a terminal, and nothing with -q', (t) => {
  const root = makeDataRoot()
  const run = (flags: string) =>
    spawnSync('script', ['-qec', `${process.execPath} ${BIN} load ${flags} < ${dockerArchive}`, '/dev/null'], {
      env: { ...process.env, TSC_BOX_ROOT: root },
    }).stdout.toString()
  t.regex(run(''), /Reading the archive from stdin: \d+(\.\d+)?kB[\s\S]*Loaded image: localhost\/same:docker/)
  t.notRegex(run('-q'), /Reading the archive/)
})
