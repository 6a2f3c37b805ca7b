// `tsc-box images` answers through the runtime's native front door, and the Node path prints
// what the same Rust code renders (crates/image/src/list.rs): docker's table (one line per
// reference, newest first), -q (each image once), --no-trunc, --digests and --json, byte for
// byte the same from both doors.
import test from 'ava'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeArchive } from './image-fixtures'
import { makeDataRoot, tsc, tscNode } from './helpers/cli'

const root = makeDataRoot()
const dirs: string[] = []

function load(name: string, content: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-images-'))
  dirs.push(dir)
  writeFileSync(join(dir, 'file'), content)
  const archive = makeArchive({ dir, name })
  const r = tsc(root, ['load', '-q', '-i', archive])
  if (r.code !== 0) throw new Error(`load ${name}: ${r.stderr}`)
}

test.before(() => {
  load('localhost/app:1', 'one')
  load('localhost:5000/x/y:v', 'two')
  const t = tsc(root, ['tag', 'localhost/app:1', 'app2'])
  if (t.code !== 0) throw new Error(`tag: ${t.stderr}`)
})

test.after.always(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const FORMS: string[][] = [
  ['images'],
  ['images', '-q'],
  ['images', '-q', '--no-trunc'],
  ['images', '--digests'],
  ['images', '--json'],
  ['images', '--no-trunc'],
  ['images', '--bogus'],
]

for (const args of FORMS) {
  test(`the native front door and Node print the same for: ${args.join(' ')}`, (t) => {
    const native = tsc(root, args)
    const node = tscNode(root, args)
    t.is(native.stdout, node.stdout)
    t.is(native.stderr, node.stderr)
    t.is(native.code, node.code)
  })
}

test("images: docker's table (SIZE unpacked), -q and --json", (t) => {
  const r = tsc(root, ['images'])
  t.is(r.code, 0, r.stderr)
  const lines = r.stdout.trimEnd().split('\n')
  t.regex(lines[0] ?? '', /^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$/)
  t.deepEqual(
    lines.slice(1).map((l) => l.split(/ {3,}/).slice(0, 2)),
    [
      ['localhost:5000/x/y', 'v'],
      ['app2', 'latest'],
      ['localhost/app', '1'],
    ],
  )
  t.regex(lines[1] ?? '', / (N\/A|\d+ \w+ ago) +\d+(\.\d+)?k?B$/)
  const ids = tsc(root, ['images', '-q']).stdout.trimEnd().split('\n')
  t.is(ids.length, 2)
  for (const id of ids) t.regex(id, /^[0-9a-f]{12}$/)
  const json = JSON.parse(tsc(root, ['images', '--json']).stdout) as Record<string, unknown>[]
  t.deepEqual(Object.keys(json[0] ?? {}), ['id', 'digest', 'repository', 'tag', 'references', 'created', 'size', 'unpackedSize'])
  t.like(json[1], { repository: 'app2', tag: 'latest' })
  t.deepEqual((json[1] as { references: string[] }).references, ['docker.io/library/app2:latest', 'localhost/app:1'])
  t.regex(tsc(root, ['images', '--digests']).stdout.split('\n')[0] ?? '', /^REPOSITORY +TAG +DIGEST +IMAGE ID/)
  t.is(tsc(makeDataRoot(), ['images', '--json']).stdout, '[]\n')
})
