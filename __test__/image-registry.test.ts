// pull/push/login against Debian's docker-registry on 127.0.0.1 (with and without htpasswd
// auth), interoperability with skopeo, and the failures of a hostile or broken registry:
// 401/404/500, a stall, a blob that lies, an interrupted download that resumes.
import test from 'ava'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { collect, makeDataRoot, tsc, tscSpawn, type Result } from './helpers/cli'
import { registry, startFake, startRegistry, type Registry } from './image-registry-fixtures'

const USER = { username: 'alice', password: 's3cret-pw' }
let open: Registry
let locked: Registry
let source: string

test.before(async () => {
  open = await startRegistry()
  locked = await startRegistry(USER)
  source = makeDataRoot()
  const b = tsc(source, ['image', 'from-host', 'envimg', '/usr/bin/env'])
  if (b.code !== 0) throw new Error(b.stderr)
})

test.after.always(() => {
  open?.stop()
  locked?.stop()
})

const json = (r: Result) => JSON.parse(r.stdout)
/** For the fake registry, which lives in this process: the CLI must not block the event loop. */
const tscAsync = (root: string, args: string[], env: Record<string, string> = {}) =>
  collect(tscSpawn(root, args, { env: { ...process.env, TSC_BOX_ROOT: root, ...env } }))
const run = tscAsync

test('push then pull into another store gives the same image, which runs', async (t) => {
  const ref = `${open.host}/tools/env:1`
  const p = await run(source, ['push', 'envimg', ref, '--json'])
  t.is(p.code, 0, p.stderr)
  const root = makeDataRoot()
  const r = await run(root, ['pull', ref, '--json'])
  t.is(r.code, 0, r.stderr)
  t.is(json(r).digest, json(p).digest)
  t.is((await run(root, ['run', '--rm', ref, '-i', 'P=1'])).stdout, 'P=1\n')
  // By digest too.
  const byDigest = await run(makeDataRoot(), ['pull', `${open.host}/tools/env@${json(p).digest}`, '--json'])
  t.is(byDigest.code, 0, byDigest.stderr)
})

test('blobs already present are not fetched again', async (t) => {
  const ref = `${open.host}/tools/env:2`
  t.is((await run(source, ['push', 'envimg', ref])).code, 0)
  const root = makeDataRoot()
  t.is((await run(root, ['pull', ref])).code, 0)
  const again = await run(root, ['pull', ref])
  t.is(again.code, 0)
  t.regex(again.stderr, /already present/)
  t.notRegex(again.stderr, / done/)
})

test('a missing image is a 404 error and makes no image', async (t) => {
  const root = makeDataRoot()
  const r = await run(root, ['pull', `${open.host}/tools/nope:1`, '--json'])
  t.is(r.code, 125)
  t.is(json(r).error.code, 'registry_not_found')
  t.deepEqual(json(await run(root, ['images', '--json'])), [])
})

test('an auth registry refuses anonymous pushes, and login stores credentials 0600', async (t) => {
  const root = makeDataRoot()
  t.is((await run(root, ['image', 'from-host', 'e', '/usr/bin/env'])).code, 0)
  const ref = `${locked.host}/private/env:1`
  const anon = await run(root, ['push', 'e', ref, '--json'])
  t.is(anon.code, 125)
  t.is(json(anon).error.code, 'registry_auth')
  const bad = await run(root, ['login', locked.host, '-u', USER.username, '-p', 'wrong', '--json'])
  t.is(bad.code, 125)
  t.is(json(bad).error.code, 'registry_auth')
  const good = spawnSync(process.execPath, [join(__dirname, '../bin/run.js'), 'login', locked.host, '-u', USER.username, '--password-stdin'], {
    input: `${USER.password}\n`,
    env: { ...process.env, TSC_BOX_ROOT: root },
    encoding: 'utf8',
  })
  t.is(good.status, 0, good.stderr)
  t.is(statSync(join(root, 'auth.json')).mode & 0o777, 0o600)
  t.false(readFileSync(join(root, 'auth.json'), 'utf8').includes(USER.password))
  t.is((await run(root, ['push', 'e', ref])).code, 0)
  const other = makeDataRoot()
  t.is(json(await run(other, ['pull', ref, '--json'])).error.code, 'registry_auth')
  t.is((await run(root, ['pull', ref])).code, 0)
})

test('skopeo reads what we push, and we pull what skopeo pushes', async (t) => {
  const ref = `${open.host}/interop/env:1`
  t.is((await run(source, ['push', 'envimg', ref])).code, 0)
  const out = mkdtempSync(join(tmpdir(), 'tsc-box-skopeo-'))
  const copy = spawnSync('skopeo', ['copy', '--src-tls-verify=false', `docker://${ref}`, `oci:${join(out, 'layout')}:env`], { encoding: 'utf8' })
  if (copy.error) return t.fail('skopeo is not installed (apt-get install skopeo)')
  t.is(copy.status, 0, copy.stderr)
  const back = spawnSync('skopeo', ['copy', '--dest-tls-verify=false', `oci:${join(out, 'layout')}:env`, `docker://${open.host}/interop/from-skopeo:1`], {
    encoding: 'utf8',
  })
  t.is(back.status, 0, back.stderr)
  const root = makeDataRoot()
  const r = await run(root, ['pull', `${open.host}/interop/from-skopeo:1`])
  t.is(r.code, 0, r.stderr)
  t.is((await run(root, ['run', '--rm', `${open.host}/interop/from-skopeo:1`, '-i', 'S=1'])).stdout, 'S=1\n')
})

// --- a scripted registry for failures ---

function imageParts() {
  const layer = readFileSync(
    join(
      source,
      'images/blobs/sha256',
      readdirSync(join(source, 'images/blobs/sha256')).sort(
        (a, b) => statSync(join(source, 'images/blobs/sha256', b)).size - statSync(join(source, 'images/blobs/sha256', a)).size,
      )[0],
    ),
  )
  const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`
  // The stored manifest, found by the digest inspect reports.
  const digest = json(tsc(source, ['image', 'inspect', 'envimg', '--json']))[0].Digest as string
  const stored = JSON.parse(readFileSync(join(source, 'images/blobs/sha256', digest.slice(7)), 'utf8'))
  const manifest = Buffer.from(JSON.stringify(stored))
  const config = readFileSync(join(source, 'images/blobs/sha256', stored.config.digest.slice(7)))
  // Re-serialised manifests keep their meaning; the digest is of these bytes.
  const layerDigest = stored.layers[0].digest as string
  const configDigest = stored.config.digest as string
  const blobs = new Map([
    [layerDigest, layer],
    [configDigest, config],
  ])
  return { layer, config, manifest, blobs, sha, layerDigest, configDigest }
}

test('a registry answering 500 is a clear error', async (t) => {
  const fake = await startFake((_req, res) => {
    res.writeHead(500)
    res.end('{"errors":[{"code":"UNKNOWN","message":"boom"}]}')
  })
  try {
    const r = await tscAsync(makeDataRoot(), ['pull', `${fake.host}/x/y:1`, '--json'])
    t.is(r.code, 125)
    t.is(json(r).error.code, 'registry_error')
    t.regex(json(r).error.message, /500.*boom/)
  } finally {
    fake.stop()
  }
})

test('a registry that stalls times out', async (t) => {
  const fake = await startFake((req, res) => {
    if (req.url === '/v2/') {
      res.writeHead(200)
      res.end('{}')
      return
    }
    // never answers
  })
  try {
    const r = await tscAsync(makeDataRoot(), ['pull', `${fake.host}/x/y:1`, '--json'], { TSC_BOX_REGISTRY_TIMEOUT_MS: '1000' })
    t.is(r.code, 125)
    t.is(json(r).error.code, 'registry_timeout')
    t.regex(json(r).error.message, /did not answer in time|stopped sending/)
  } finally {
    fake.stop()
  }
})

test('a blob that lies about its digest makes no image, and the next pull works', async (t) => {
  const p = imageParts()
  let lie = true
  const fake = await startFake(
    registry(p, (digest, _req, res) => {
      if (digest !== p.layerDigest) return false
      const body = Buffer.from(p.layer)
      if (lie) body[body.length - 1] ^= 0xff
      res.writeHead(200)
      res.end(body)
      return true
    }),
  )
  try {
    const root = makeDataRoot()
    const r = await tscAsync(root, ['pull', `${fake.host}/x/env:1`, '--json'])
    t.is(r.code, 125)
    // Unpacked as it arrives: the gzip check or the digest check catches it, whichever first.
    t.true(['blob_mismatch', 'layer_rejected'].includes(json(r).error.code), r.stdout)
    t.true(json(r).error.message.includes(p.layerDigest), r.stdout)
    t.deepEqual(json(tsc(root, ['images', '--json'])), [])
    t.deepEqual(readdirSync(join(root, 'images/layers')), [])
    lie = false
    const again = await tscAsync(root, ['pull', `${fake.host}/x/env:1`, '--json'])
    t.is(again.code, 0, again.stderr)
    t.is(json(tsc(root, ['images', '--json'])).length, 1)
  } finally {
    fake.stop()
  }
})

test('an interrupted download resumes where it stopped', async (t) => {
  const p = imageParts()
  let cut = true
  const ranges: string[] = []
  const fake = await startFake(
    registry(p, (digest, req, res) => {
      if (digest !== p.layerDigest) return false
      if (req.headers.range) ranges.push(req.headers.range)
      if (cut) {
        cut = false
        res.writeHead(200, { 'content-length': String(p.layer.length) })
        res.write(p.layer.subarray(0, 300_000), () => res.destroy())
        return true
      }
      const from = Number(/bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1] ?? 0)
      res.writeHead(from > 0 ? 206 : 200)
      res.end(p.layer.subarray(from))
      return true
    }),
  )
  try {
    const root = makeDataRoot()
    const first = await tscAsync(root, ['pull', `${fake.host}/x/env:1`, '--json'])
    t.is(first.code, 125)
    t.is(json(first).error.code, 'registry_interrupted')
    t.deepEqual(json(tsc(root, ['images', '--json'])), [])
    const second = await tscAsync(root, ['pull', `${fake.host}/x/env:1`, '--json'])
    t.is(second.code, 0, second.stderr)
    t.is(ranges.length, 1)
    t.true(Number(/bytes=(\d+)-/.exec(ranges[0])?.[1]) > 0)
  } finally {
    fake.stop()
  }
})

test('401 without a way to authenticate is a clear error', async (t) => {
  const fake = await startFake((_req, res) => {
    res.writeHead(401)
    res.end()
  })
  try {
    const r = await tscAsync(makeDataRoot(), ['pull', `${fake.host}/x/y:1`, '--json'])
    t.is(r.code, 125)
    t.is(json(r).error.code, 'registry_auth')
  } finally {
    fake.stop()
  }
})

test('a bearer challenge is answered with a token from the realm, with stored credentials', async (t) => {
  const p = imageParts()
  const seen: string[] = []
  const serveImage = registry(p)
  const fake = await startFake((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`)
    if (url.pathname === '/token') {
      seen.push(`token ${url.searchParams.get('service')} ${url.searchParams.get('scope')} ${req.headers.authorization ?? 'anonymous'}`)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ token: 'T0KEN' }))
      return
    }
    if (req.headers.authorization !== 'Bearer T0KEN') {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${req.headers.host}/token",service="fake-registry",scope="repository:x/env:pull"` })
      res.end()
      return
    }
    serveImage(req, res)
  })
  try {
    const root = makeDataRoot()
    const login = await tscAsync(root, ['login', fake.host, '-u', 'bob', '-p', 'pw'])
    t.is(login.code, 0, login.stderr)
    const r = await tscAsync(root, ['pull', `${fake.host}/x/env:1`, '--json'])
    t.is(r.code, 0, r.stderr)
    const basic = `Basic ${Buffer.from('bob:pw').toString('base64')}`
    t.true(seen.includes(`token fake-registry repository:x/env:pull ${basic}`), seen.join('\n'))
  } finally {
    fake.stop()
  }
})

test('a registry sending more than a blob announces is refused, and the store stays exact', async (t) => {
  const p = imageParts()
  const fake = await startFake(
    registry(p, (digest, _req, res) => {
      if (digest !== p.layerDigest) return false
      res.writeHead(200)
      res.end(Buffer.concat([p.layer, Buffer.alloc(4096, 7)]))
      return true
    }),
  )
  try {
    const root = makeDataRoot()
    const r = await tscAsync(root, ['pull', `${fake.host}/x/env:1`, '--json'])
    t.is(r.code, 125)
    t.is(json(r).error.code, 'blob_mismatch')
    t.deepEqual(json(tsc(root, ['images', '--json'])), [])
    const dir = join(root, 'images/blobs/sha256')
    for (const f of readdirSync(dir))
      t.is(
        createHash('sha256')
          .update(readFileSync(join(dir, f)))
          .digest('hex'),
        f,
      )
  } finally {
    fake.stop()
  }
})
