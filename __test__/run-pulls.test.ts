// `run` and `create` pull an image the store lacks, as docker does (`docker run nginx` is the
// first line of most tutorials), against Debian's docker-registry on 127.0.0.1; `--pull
// always|missing|never` with docker's meanings; a failed pull leaves no container behind.
import test from 'ava'
import { makeDataRoot, tsc, type Result } from './helpers/cli'
import { startRegistry, type Registry } from './image-registry-fixtures'

let reg: Registry
let ref: string

test.before(async () => {
  reg = await startRegistry()
  const source = makeDataRoot()
  const b = tsc(source, ['image', 'from-host', 'envimg', '/usr/bin/env'])
  if (b.code !== 0) throw new Error(b.stderr)
  ref = `${reg.host}/tools/env:1`
  const p = tsc(source, ['push', 'envimg', ref])
  if (p.code !== 0) throw new Error(p.stderr)
})

test.after.always(() => reg?.stop())

const json = (r: Result) => JSON.parse(r.stdout)
const imageCount = (root: string) => json(tsc(root, ['images', '--json'])).length
const containers = (root: string) => json(tsc(root, ['ps', '-a', '--json']))

test('run pulls a missing image, says so on stderr, then runs it; the next run does not pull', (t) => {
  const root = makeDataRoot()
  const r = tsc(root, ['run', '--rm', ref, '-i', 'P=1'])
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout, 'P=1\n')
  t.regex(r.stderr, new RegExp(`^Unable to find image '${ref}' locally\n`))
  t.is(imageCount(root), 1)
  const again = tsc(root, ['run', '--rm', ref, '-i', 'P=2'])
  t.is(again.stdout, 'P=2\n')
  t.is(again.stderr, '')
})

test('--pull never refuses an image the store lacks, naming pull, and leaves nothing', (t) => {
  const root = makeDataRoot()
  const r = tsc(root, ['run', '--rm', '--json', '--pull', 'never', ref])
  t.is(r.code, 125)
  t.is(json(r).error.code, 'image_not_found')
  t.regex(json(r).error.message, /unable to find image .* locally \(pull it with 'tsc-box pull /)
  t.is(imageCount(root), 0)
  t.deepEqual(containers(root), [])
})

test('--pull always asks the registry again even when the image is stored', (t) => {
  const root = makeDataRoot()
  t.is(tsc(root, ['pull', ref]).code, 0)
  const r = tsc(root, ['run', '--rm', '--pull=always', ref, '-i', 'A=1'])
  t.is(r.code, 0, r.stderr)
  t.is(r.stdout, 'A=1\n')
  t.notRegex(r.stderr, /Unable to find image/)
  t.regex(r.stderr, /already present/)
})

test('-q and --json keep the pull quiet; --json prints only the run result', (t) => {
  const quiet = makeDataRoot()
  const q = tsc(quiet, ['run', '--rm', '-q', ref, '-i', 'Q=1'])
  t.is(q.code, 0, q.stderr)
  t.is(q.stdout, 'Q=1\n')
  t.is(q.stderr, '')
  const root = makeDataRoot()
  const j = tsc(root, ['run', '-d', '--json', ref, 'sleep', '0'])
  t.is(j.stderr, '')
  t.is(j.code, 0)
  t.regex(json(j).id, /^[0-9a-f]{64}$/)
  t.is(tsc(root, ['rm', '-f', json(j).id]).code, 0)
})

test('create pulls too', (t) => {
  const root = makeDataRoot()
  const c = tsc(root, ['create', '-q', '--name', 'made', ref])
  t.is(c.code, 0, c.stderr)
  t.is(imageCount(root), 1)
  t.is(containers(root)[0]?.name, 'made')
  t.is(tsc(root, ['rm', 'made']).code, 0)
})

test('a pull that fails (no such image in the registry) leaves no container and no image', (t) => {
  const root = makeDataRoot()
  const r = tsc(root, ['run', '--rm', '--json', `${reg.host}/tools/nope:1`])
  t.is(r.code, 125)
  t.is(json(r).error.code, 'registry_not_found')
  t.is(imageCount(root), 0)
  t.deepEqual(containers(root), [])
})

test('a bad --pull policy is refused by the parser, naming the choices', (t) => {
  const r = tsc(makeDataRoot(), ['run', '--rm', '--json', '--pull', 'sometimes', ref])
  t.is(r.code, 125)
  t.regex(json(r).error.message, /invalid value "sometimes" for --pull: expected one of always, missing, never/)
})
