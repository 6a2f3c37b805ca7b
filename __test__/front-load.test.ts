// `tsc-box load -i FILE` answers through the runtime's native front door (no Node start: most of
// a small image's load was Node's), by the Rust code the Node path calls through the binding:
// the same lines, warnings, --json, errors and exit statuses from both doors, and the archive's
// names recorded as references with the image. stdin, --help and a user other than root stay
// Node's.
import test from 'ava'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeArchive } from './image-fixtures'
import { makeDataRoot, sameAnswer, tsc, tscNode } from './helpers/cli'
import { serialIf } from './helpers/conditional'

// The front door answers load for root only (another user's store is Node's).
const serial = serialIf(process.getuid?.() === 0, 'needs root')
const dirs: string[] = []
const dir = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), p))
  dirs.push(d)
  return d
}

test.after.always(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function archive(name: string | undefined, format: 'oci' | 'docker' = 'docker'): string {
  const content = dir('tsc-box-front-load-')
  writeFileSync(join(content, 'file'), `${name ?? 'unnamed'}\n`)
  return makeArchive({ dir: content, name, format })
}

const named = archive('localhost/app:1')
const oci = archive('localhost/oci:2', 'oci')
const badName = archive('Not A Valid Name')
const notAnArchive = join(dir('tsc-box-front-load-'), 'junk.tar')
writeFileSync(notAnArchive, 'not a tar file at all, only text')

const FORMS: Array<[string, string[]]> = [
  ['a named docker-archive', ['load', '-i', named]],
  ['an OCI archive', ['load', '-i', oci]],
  ['-q', ['load', '-q', '-i', named]],
  ['--json', ['load', '--json', '-i', named]],
  ['a name that is no reference (a warning)', ['load', '-i', badName]],
  ['--json with an ignored name', ['load', '--json', '-i', badName]],
  ['a missing file', ['load', '-i', '/nonexistent/x.tar']],
  ['a missing file, --json', ['load', '--json', '-i', '/nonexistent/x.tar']],
  ['a file that is no archive', ['load', '-i', notAnArchive]],
  ['an unknown flag', ['load', '--bogus', '-i', named]],
]

for (const [what, args] of FORMS) {
  serial(`load: the native front door and Node answer the same for ${what}`, (t) => {
    // Each into an empty store, as a first load.
    const native = tsc(makeDataRoot(), args)
    const node = tscNode(makeDataRoot(), args)
    sameAnswer(t, native, node)
  })
}

serial('load: a name that is no reference is set aside with a warning, the image loads', (t) => {
  const r = tsc(makeDataRoot(), ['load', '-i', badName])
  t.is(r.code, 0, r.stderr)
  t.regex(r.stdout, /^Loaded image ID: sha256:[0-9a-f]{64}\n$/)
  t.is(r.stderr, ' ›   Warning: ignored the archive\'s name "Not A Valid Name": not a valid reference\n')
})

serial('load -i is answered without Node; the image and its reference are in the store', (t) => {
  const root = makeDataRoot()
  // Node cannot be found: only the native door can answer.
  const r = tsc(root, ['load', '-i', named], '', { PATH: '/nonexistent' })
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout, 'Loaded image: localhost/app:1\n')
  const images = tsc(root, ['images', '--format', '{{.Repository}}:{{.Tag}}'])
  t.is(images.stdout, 'localhost/app:1\n')
})

serial('load from stdin, and load --help, are left to Node', (t) => {
  const root = makeDataRoot()
  // Node is needed (and absent here): the front door hands stdin over, and sh cannot find node.
  const stdin = tsc(root, ['load', '-q'], '', { PATH: '/nonexistent' })
  t.is(stdin.code, 125, stdin.stderr)
  t.regex(stdin.stderr, /cannot start node/)
  t.regex(tsc(root, ['load', '--help']).stdout, /Load images from a tar archive/)
})
