// A hostile registry (a Node http server on loopback addresses) against `tsc-box pull`:
// decompression bombs refused by default (a file over the file limit, many files past the
// inflation ratio), a total per image, a download stopped as soon as
// its unpacking fails, an overall deadline per blob against a server that drips bytes, Basic
// credentials kept from a plain-HTTP token service on another host, and manifests of the
// wrong shape refused as invalid_image (security issue #10, points 6 and 7).
import test, { type ExecutionContext } from 'ava'
import { spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import * as https from 'node:https'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mayReceiveCredentials } from '../src/image/registry/auth'
import { blobDeadlineMs } from '../src/image/registry/http'
import { collect, makeDataRoot, tscSpawn, type Result } from './helpers/cli'
import { RootlessUser } from './helpers/rootless-user'
import { serialIf } from './helpers/conditional'
import { OCI_MANIFEST, pumpEndless, registry, startFake } from './image-registry-fixtures'

const MiB = 1 << 20
const GiB = 1 << 30
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'

const tscAsync = (root: string, args: string[], env: Record<string, string> = {}): Promise<Result> =>
  collect(tscSpawn(root, args, { env: { ...process.env, TSC_BOX_ROOT: root, ...env } }))
const json = (r: Result) => JSON.parse(r.stdout)
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`

// --- layers built here, never held whole in memory -------------------------------------

/** A ustar header for a regular file of `size` bytes (octal fits sizes below 8 GiB). */
function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512)
  h.write(name, 0, 100, 'utf8')
  h.write('0000644\0', 100)
  h.write('0000000\0', 108)
  h.write('0000000\0', 116)
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124)
  h.write('00000000000\0', 136)
  h.write('        ', 148)
  h.write('0', 156)
  h.write('ustar\0', 257)
  h.write('00', 263)
  let sum = 0
  for (const b of h) sum += b
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148)
  return h
}

/** A layer of one file `name` of `size` zero bytes: its parts (bytes, or runs of zeros). */
type Part = Buffer | { zeros: number }
function zeroFileTar(name: string, size: number): Part[] {
  const pad = (512 - (size % 512)) % 512
  return [tarHeader(name, size), { zeros: size + pad + 1024 }]
}

/** The sha256 of the plain stream (the diff_id), fed in pieces. */
function plainDigest(parts: Part[]): string {
  const h = createHash('sha256')
  const zeros = Buffer.alloc(MiB)
  for (const p of parts) {
    if (Buffer.isBuffer(p)) h.update(p)
    else for (let left = p.zeros; left > 0; left -= MiB) h.update(left >= MiB ? zeros : zeros.subarray(0, left))
  }
  return `sha256:${h.digest('hex')}`
}

/**
 * A zstd frame of `parts`: bytes as raw blocks, runs of zeros as RLE blocks (4 bytes per
 * 128 KiB), which is how a few hundred KiB inflate to gigabytes.
 */
function zstdFrame(parts: Part[]): Buffer {
  const BLOCK = 128 << 10
  // Magic, a frame header without content size or checksum, a 128 KiB window.
  const out: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38])]
  const blocks: Array<{ type: 0 | 1; size: number; body: Buffer }> = []
  for (const p of parts) {
    if (Buffer.isBuffer(p))
      for (let i = 0; i < p.length; i += BLOCK) blocks.push({ type: 0, size: Math.min(BLOCK, p.length - i), body: p.subarray(i, i + BLOCK) })
    else for (let left = p.zeros; left > 0; left -= BLOCK) blocks.push({ type: 1, size: Math.min(BLOCK, left), body: Buffer.from([0]) })
  }
  blocks.forEach((b, i) => {
    const header = (b.size << 3) | (b.type << 1) | (i === blocks.length - 1 ? 1 : 0)
    out.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff]), b.body)
  })
  return Buffer.concat(out)
}

interface Image {
  manifest: Buffer
  blobs: Map<string, Buffer>
  layerDigests: string[]
}

/** An OCI image of the given layer blobs (with their diff_ids). */
function image(layers: Array<{ blob: Buffer; diffId: string }>): Image {
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } }),
  )
  const blobs = new Map<string, Buffer>([[sha(config), config]])
  for (const l of layers) blobs.set(sha(l.blob), l.blob)
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest: sha(l.blob), size: l.blob.length })),
    }),
  )
  return { manifest, blobs, layerDigests: layers.map((l) => sha(l.blob)) }
}

// --- the rules, as functions -------------------------------------------------------------

test("the credential rule: HTTPS realms anywhere, plain-HTTP realms only on a plain registry's own host", (t) => {
  const u = (s: string) => new URL(s)
  const cases: Array<[string, string, boolean, boolean]> = [
    ['https://auth.docker.io/token', 'https://registry-1.docker.io', false, true],
    ['https://auth.example/token', 'http://127.0.0.1:5000', false, true],
    ['http://127.0.0.1:5001/token', 'http://127.0.0.1:5000', false, true],
    ['http://127.0.0.2:5001/token', 'http://127.0.0.1:5000', false, false],
    ['http://registry.example/token', 'https://registry.example', false, false],
    ['http://registry.example/token', 'https://registry.example', true, true],
    ['http://other.example/token', 'https://registry.example', true, false],
    ['ftp://registry.example/token', 'http://registry.example', false, false],
  ]
  for (const [realm, registry, insecure, expected] of cases)
    t.is(mayReceiveCredentials(u(realm), u(registry), insecure), expected, `${realm} for ${registry}${insecure ? ' (--tls-verify=false)' : ''}`)
})

test("a blob's deadline grows with its size, from the environment's allowance", (t) => {
  const saved = { base: process.env.TSC_BOX_REGISTRY_DEADLINE_BASE_MS, rate: process.env.TSC_BOX_REGISTRY_MIN_RATE }
  try {
    delete process.env.TSC_BOX_REGISTRY_DEADLINE_BASE_MS
    delete process.env.TSC_BOX_REGISTRY_MIN_RATE
    t.is(blobDeadlineMs(0), 300_000)
    t.is(blobDeadlineMs(GiB), 300_000 + (GiB / (32 << 10)) * 1000)
    process.env.TSC_BOX_REGISTRY_DEADLINE_BASE_MS = '2000'
    process.env.TSC_BOX_REGISTRY_MIN_RATE = '1000'
    t.is(blobDeadlineMs(5000), 7000)
    process.env.TSC_BOX_REGISTRY_MIN_RATE = 'fast'
    t.is(blobDeadlineMs(32 << 10), 3000, 'a value that is not a positive number keeps the default')
  } finally {
    for (const [k, v] of [
      ['TSC_BOX_REGISTRY_DEADLINE_BASE_MS', saved.base],
      ['TSC_BOX_REGISTRY_MIN_RATE', saved.rate],
    ] as const) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
})

// --- the hostile registry ---------------------------------------------------------------

const dirList = (d: string) => (existsSync(d) ? readdirSync(d) : [])

/** What a refused pull leaves: no image, no unpacked layer, no temporary file, and none of
 * `refused` among the blobs or the partial downloads. */
async function assertNothingOf(t: ExecutionContext, root: string, refused: string[]) {
  t.deepEqual(json(await tscAsync(root, ['images', '--json'])), [])
  t.deepEqual(dirList(join(root, 'images/layers')), [], 'no unpacked layer')
  t.deepEqual(dirList(join(root, 'images/tmp')), [], 'no temporary file')
  const kept = [...dirList(join(root, 'images/blobs/sha256')), ...dirList(join(root, 'images/partial'))]
  for (const d of refused) t.false(kept.includes(d.slice(7)), `blob or partial download of ${d} left behind`)
}

// --- 6. disk fill -----------------------------------------------------------------------

test.serial('a zstd bomb (a 5 GiB file in 160 KiB) is refused by default, and nothing of it stays', async (t) => {
  const parts = zeroFileTar('bomb', 5 * GiB)
  const blob = zstdFrame(parts)
  t.true(blob.length < 200 << 10, `${blob.length} bytes`)
  // The diff_id is never reached: the file's header is refused before any of its data.
  const img = image([{ blob, diffId: sha(Buffer.from('never reached')) }])
  const reg = await startFake(registry(img))
  try {
    const root = makeDataRoot()
    const started = Date.now()
    const r = await tscAsync(root, ['pull', `${reg.host}/hostile/bomb:1`, '--json'])
    t.is(r.code, 125, r.stderr)
    t.is(json(r).error.code, 'layer_rejected')
    t.regex(json(r).error.message, /bomb is 5368709120 bytes, more than the 4294967296 allowed for one file \(raise TSC_BOX_LAYER_MAX_FILE_BYTES/)
    t.true(Date.now() - started < 30_000)
    await assertNothingOf(t, root, img.layerDigests)
  } finally {
    reg.stop()
  }
})

test.serial('a zstd bomb of many files (3 GiB in 100 KiB) is refused by default by its inflation ratio, early', async (t) => {
  // Three files of 1 GiB of zeros, each under the file and layer limits: only the ratio of
  // plain to compressed bytes (some 30000) tells it from a genuine layer.
  const parts = [0, 1, 2].flatMap((i) => [tarHeader(`z${i}`, GiB), { zeros: GiB }])
  parts.push({ zeros: 1024 })
  const blob = zstdFrame(parts)
  t.true(blob.length < 110 << 10, `${blob.length} bytes`)
  const img = image([{ blob, diffId: sha(Buffer.from('never reached')) }])
  const reg = await startFake(registry(img))
  try {
    const root = makeDataRoot()
    const r = await tscAsync(root, ['pull', `${reg.host}/hostile/zeros:1`, '--json'])
    t.is(r.code, 125, r.stderr)
    t.is(json(r).error.code, 'layer_rejected')
    t.regex(
      json(r).error.message,
      /the layer inflates to more than 100 times its compressed size \(\d+ bytes from the first \d+\); refused as a decompression bomb \(raise TSC_BOX_LAYER_MAX_RATIO/,
    )
    const written = Number(/\((\d+) bytes from/.exec(json(r).error.message)?.[1])
    t.log(`refused after ${written} plain bytes of ${3 * GiB}`)
    t.true(written < 300 * MiB, `${written}`)
    await assertNothingOf(t, root, img.layerDigests)
  } finally {
    reg.stop()
  }
})

test.serial('the layers of one image are capped in all by TSC_BOX_IMAGE_MAX_BYTES, across layers unpacking at once', async (t) => {
  // Three layers of 24 MiB, each well within the layer limits; 72 MiB in all.
  const layers = [0, 1, 2].map((i) => {
    const parts = zeroFileTar(`part${i}`, 24 * MiB)
    return { blob: zstdFrame(parts), diffId: plainDigest(parts) }
  })
  const img = image(layers)
  const reg = await startFake(registry(img))
  try {
    const root = makeDataRoot()
    const r = await tscAsync(root, ['pull', `${reg.host}/hostile/split:1`, '--json'], { TSC_BOX_IMAGE_MAX_BYTES: '50M' })
    t.is(r.code, 125, r.stderr)
    t.is(json(r).error.code, 'layer_rejected')
    t.regex(
      json(r).error.message,
      /the image's layers unpack to more than 52428800 bytes in all; refused as a decompression bomb \(raise TSC_BOX_IMAGE_MAX_BYTES/,
    )
    t.deepEqual(json(await tscAsync(root, ['images', '--json'])), [])
    // What the refused pull leaves unpacked stays within the limit (prune removes it).
    let unpacked = 0
    for (const l of dirList(join(root, 'images/layers')))
      for (const f of dirList(join(root, 'images/layers', l))) unpacked += statSync(join(root, 'images/layers', l, f)).size
    t.true(unpacked <= 50 * MiB, `${unpacked} bytes unpacked`)
    t.deepEqual(dirList(join(root, 'images/tmp')), [])
    // The other layers' unpacking was stopped and waited for: no half-written layer.
    t.deepEqual(
      dirList(join(root, 'images/layers')).filter((n) => n.startsWith('.')),
      [],
    )
    // The same image, allowed: the limit, not the image, was the problem.
    const ok = await tscAsync(root, ['pull', `${reg.host}/hostile/split:1`, '--json'], { TSC_BOX_IMAGE_MAX_BYTES: '80M' })
    t.is(ok.code, 0, ok.stderr)

    // A load counts the same total across the archive's layers.
    const archive = join(makeDataRoot(), 'split.tar')
    const saved = await tscAsync(root, ['save', '-o', archive, `${reg.host}/hostile/split:1`])
    t.is(saved.code, 0, saved.stderr)
    const fresh = makeDataRoot()
    const load = await tscAsync(fresh, ['load', '-i', archive, '--json'], { TSC_BOX_IMAGE_MAX_BYTES: '50M' })
    t.is(load.code, 125, load.stderr)
    t.regex(json(load).error.message, /more than 52428800 bytes in all; refused as a decompression bomb \(raise TSC_BOX_IMAGE_MAX_BYTES/)
    t.deepEqual(json(await tscAsync(fresh, ['images', '--json'])), [])
    t.deepEqual(dirList(join(fresh, 'images/blobs/sha256')), [], 'a refused load keeps no blob')
    t.deepEqual(
      dirList(join(fresh, 'images/layers')).filter((n) => n.startsWith('.')),
      [],
    )
  } finally {
    reg.stop()
  }
})

test.serial('a new limit that is not a number is named, and nothing is pulled', async (t) => {
  const parts = zeroFileTar('f', 1024)
  const img = image([{ blob: zstdFrame(parts), diffId: plainDigest(parts) }])
  const reg = await startFake(registry(img))
  try {
    for (const v of ['TSC_BOX_IMAGE_MAX_BYTES', 'TSC_BOX_LAYER_MAX_RATIO']) {
      const root = makeDataRoot()
      const r = await tscAsync(root, ['pull', `${reg.host}/x/small:1`, '--json'], { [v]: 'lots' })
      t.is(r.code, 125, r.stderr)
      t.regex(json(r).error.message, new RegExp(`${v}="lots" is not a number`))
      t.deepEqual(json(await tscAsync(root, ['images', '--json'])), [])
    }
  } finally {
    reg.stop()
  }
})

test.serial('rootless, where a helper process unpacks each layer, the image total holds too', async (t) => {
  // An archive of three 24 MiB layers, made by root from the hostile registry's image.
  const layers = [0, 1, 2].map((i) => {
    const parts = zeroFileTar(`rl${i}`, 24 * MiB)
    return { blob: zstdFrame(parts), diffId: plainDigest(parts) }
  })
  const reg = await startFake(registry(image(layers)))
  const tag = randomBytes(3).toString('hex')
  let user: RootlessUser | undefined
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-rl-total-'))
  try {
    const root = makeDataRoot()
    t.is((await tscAsync(root, ['pull', '-q', `${reg.host}/hostile/rl:1`])).code, 0)
    const archive = join(dir, 'rl.tar')
    t.is((await tscAsync(root, ['save', '-o', archive, `${reg.host}/hostile/rl:1`])).code, 0)
    chmodSync(dir, 0o755)
    chmodSync(archive, 0o644)
    // Ranges of its own, far from the other rootless tests' ones.
    user = RootlessUser.create(`tsbhr${tag}`, 40_000_000 + (parseInt(tag, 16) % 200) * 131072, 65536)
    const r = user.run(['load', '-i', archive, '--json'], { env: { TSC_BOX_IMAGE_MAX_BYTES: '50M' } })
    t.is(r.code, 125, r.stdout + r.stderr)
    t.regex(json(r).error.message, /more than 52428800 bytes in all; refused as a decompression bomb \(raise TSC_BOX_IMAGE_MAX_BYTES/)
    t.deepEqual(json(user.run(['images', '--json'])), [])
    const layersDir = join(user.home, '.local/share/tsc-box/images/layers')
    t.deepEqual(
      dirList(layersDir).filter((n) => n.startsWith('.')),
      [],
      'no half-unpacked layer',
    )
    const ok = user.run(['load', '-i', archive, '--json'], { env: { TSC_BOX_IMAGE_MAX_BYTES: '80M' } })
    t.is(ok.code, 0, ok.stdout + ok.stderr)
  } finally {
    reg.stop()
    user?.remove()
    rmSync(dir, { recursive: true, force: true })
  }
})

test.serial('a 2^53-byte layer whose unpacking fails stops its download at once, and no partial blob stays', async (t) => {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha(Buffer.from('x'))] } }))
  const layerDigest = sha(Buffer.from('the layer that never ends'))
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      // 2^53 - 1: the largest size JSON numbers carry exactly.
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: Number.MAX_SAFE_INTEGER }],
    }),
  )
  let served = 0
  let stoppedAfterMs = -1
  const CAP = 512 * MiB
  const reg = await startFake(
    registry({ manifest, blobs: new Map([[sha(config), config]]) }, (digest, req, res) => {
      if (digest !== layerDigest) return false
      // Not a tar archive from its first byte on, and as long as the client reads: at most CAP
      // bytes or 60 s, then the server stops by itself.
      const started = Date.now()
      res.on('close', () => {
        stoppedAfterMs = Date.now() - started
      })
      req.socket.on('close', () => {
        stoppedAfterMs = Date.now() - started
      })
      pumpEndless(res, { cap: CAP, sent: (n) => (served += n) })
      return true
    }),
  )
  try {
    const root = makeDataRoot()
    const r = await tscAsync(root, ['pull', `${reg.host}/hostile/endless:1`, '--json'])
    t.is(r.code, 125, r.stderr)
    t.is(json(r).error.code, 'layer_rejected')
    t.regex(json(r).error.message, /not a valid tar archive/)
    t.log(`served ${served} bytes; the client hung up after ${stoppedAfterMs} ms`)
    t.true(served < 64 * MiB, `${served} bytes served`)
    t.true(stoppedAfterMs >= 0 && stoppedAfterMs < 10_000, `${stoppedAfterMs} ms`)
    await assertNothingOf(t, root, [layerDigest])
  } finally {
    reg.stop()
  }
})

test.serial('an endless blob named with the diff_id of a layer already here is unpacked as it comes, and stopped', async (t) => {
  // A genuine small image first: its layer's diff_id is then in the store.
  const parts = zeroFileTar('known', 4096)
  const known = { blob: zstdFrame(parts), diffId: plainDigest(parts) }
  const good = await startFake(registry(image([known])))
  // Then an image naming the same diff_id for another, endless blob.
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [known.diffId] } }))
  const endless = sha(Buffer.from('another blob of the same diff_id'))
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest: endless, size: Number.MAX_SAFE_INTEGER }],
    }),
  )
  let served = 0
  const CAP = 512 * MiB
  const bad = await startFake(
    registry({ manifest, blobs: new Map([[sha(config), config]]) }, (digest, _req, res) => {
      if (digest !== endless) return false
      pumpEndless(res, { cap: CAP, sent: (n) => (served += n) })
      return true
    }),
  )
  try {
    const root = makeDataRoot()
    t.is((await tscAsync(root, ['pull', '-q', `${good.host}/x/known:1`])).code, 0)
    const r = await tscAsync(root, ['pull', `${bad.host}/x/endless:1`, '--json'])
    t.is(r.code, 125, r.stderr)
    t.is(json(r).error.code, 'layer_rejected', r.stdout)
    t.log(`served ${served} bytes`)
    t.true(served < 64 * MiB, `${served} bytes served`)
    t.false(dirList(join(root, 'images/partial')).includes(endless.slice(7)))
    t.is(json(await tscAsync(root, ['images', '--json'])).length, 1, 'the first image is still there')
  } finally {
    good.stop()
    bad.stop()
  }
})

test.serial('a genuine blob of a diff_id already here (the same layer compressed otherwise) still pulls', async (t) => {
  const parts = zeroFileTar('same', 4096)
  const plain = Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.alloc(p.zeros))))
  const diffId = plainDigest(parts)
  const zstd = await startFake(registry(image([{ blob: zstdFrame(parts), diffId }])))
  const gzip = await startFake(registry(image([{ blob: gzipSync(plain), diffId }])))
  try {
    const root = makeDataRoot()
    t.is((await tscAsync(root, ['pull', '-q', `${zstd.host}/x/same:1`])).code, 0)
    const r = await tscAsync(root, ['pull', '-q', `${gzip.host}/x/same:1`])
    t.is(r.code, 0, r.stderr)
    t.is(json(await tscAsync(root, ['images', '--json'])).length, 2)
    t.deepEqual(dirList(join(root, 'images/layers')), [diffId.slice(7)])
  } finally {
    zstd.stop()
    gzip.stop()
  }
})

test.serial('a config whose diff_ids do not name every layer is refused before any layer is fetched', async (t) => {
  const parts = zeroFileTar('f', 1024)
  const layer = zstdFrame(parts)
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] } }))
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest: sha(layer), size: layer.length }],
    }),
  )
  let layerFetched = false
  const reg = await startFake(
    registry(
      {
        manifest,
        blobs: new Map([
          [sha(config), config],
          [sha(layer), layer],
        ]),
      },
      (digest) => {
        if (digest === sha(layer)) layerFetched = true
        return false
      },
    ),
  )
  try {
    const r = await tscAsync(makeDataRoot(), ['pull', `${reg.host}/x/count:1`, '--json'])
    t.is(r.code, 125, r.stderr)
    t.is(json(r).error.code, 'invalid_image')
    t.regex(json(r).error.message, /image config is invalid: rootfs\.diff_ids names 0 layers but the manifest has 1/)
    t.false(layerFetched)
  } finally {
    reg.stop()
  }
})

// --- 7. registries ----------------------------------------------------------------------

test.serial('a registry dripping a blob just under the idle timeout fails by the blob deadline', async (t) => {
  const parts = zeroFileTar('f', 4096)
  const layer = { blob: zstdFrame(parts), diffId: plainDigest(parts) }
  const img = image([layer])
  let drips = 0
  let heldMs = -1
  const reg = await startFake(
    registry(img, (digest, _req, res) => {
      if (digest !== img.layerDigests[0]) return false
      const started = Date.now()
      res.on('close', () => {
        heldMs = Date.now() - started
      })
      res.writeHead(200, { 'content-length': String(layer.blob.length) })
      // One byte every 200 ms (the idle timeout is 30 s), at most 150 of them.
      const timer = setInterval(() => {
        if (res.destroyed || drips >= 150) {
          clearInterval(timer)
          res.destroy()
          return
        }
        res.write(layer.blob.subarray(drips, drips + 1))
        drips++
      }, 200)
      res.on('close', () => clearInterval(timer))
      return true
    }),
  )
  try {
    const root = makeDataRoot()
    const r = await tscAsync(root, ['pull', `${reg.host}/hostile/drip:1`, '--json'], {
      TSC_BOX_REGISTRY_DEADLINE_BASE_MS: '2000',
      TSC_BOX_REGISTRY_MIN_RATE: '1000000',
    })
    t.log(`the client hung up ${heldMs} ms into the blob, after ${drips} bytes`)
    t.is(r.code, 125, r.stderr)
    t.is(json(r).error.code, 'registry_timeout')
    // The deadline (2 s + 4 KiB at 1 MB/s) or the minimum rate checked at each byte after
    // the first 2 s, whichever sees it first.
    t.regex(
      json(r).error.message,
      /blob sha256:[0-9a-f]{64} (\(\d+ bytes\) did not finish within 2 s|arrives too slowly: \d+ bytes in \d+ s).*TSC_BOX_REGISTRY_MIN_RATE/,
    )
    t.true(heldMs >= 1900 && heldMs < 5000, `${heldMs} ms`)
    t.deepEqual(json(await tscAsync(root, ['images', '--json'])), [])
  } finally {
    reg.stop()
  }
})

/** A registry on 127.0.0.1 that wants a bearer token from `realm()`; the pull works once. */
async function tokenRegistry(realm: () => string) {
  const parts = zeroFileTar('f', 1024)
  const img = image([{ blob: zstdFrame(parts), diffId: plainDigest(parts) }])
  const serveImage = registry(img)
  return startFake((req, res) => {
    if (req.url?.startsWith('/token')) {
      res.writeHead(req.headers.authorization ? 200 : 401, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ token: 'T0KEN' }))
      return
    }
    if (req.headers.authorization !== 'Bearer T0KEN') {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm()}",service="hostile",scope="repository:x/y:pull"` })
      res.end()
      return
    }
    serveImage(req, res)
  })
}

/** A token service recording the Authorization it gets; `anonymous` says whether it gives
 * tokens without credentials. */
async function tokenService(address: string, anonymous: boolean) {
  const seen: string[] = []
  const s = await startFake((req, res) => {
    const auth = req.headers.authorization ?? 'none'
    seen.push(auth)
    if (auth === 'none' && !anonymous) {
      res.writeHead(401)
      res.end()
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ token: 'T0KEN' }))
  }, address)
  return { ...s, seen }
}

// 127.0.0.2 is another host to the client but on this machine only where the loopback
// interface holds all of 127.0.0.0/8 (Linux's default); elsewhere the test is skipped as such.
const loopbackNet = /\binet 127\.0\.0\.1\/8\b/.test(spawnSync('ip', ['-4', 'addr', 'show', 'lo'], { encoding: 'utf8' }).stdout ?? '')
const otherHostTest = serialIf(loopbackNet, 'lo does not hold 127.0.0.0/8')

otherHostTest('stored Basic credentials are not sent to a plain-HTTP token service on another host (127.0.0.2)', async (t) => {
  let realm = ''
  const reg = await tokenRegistry(() => realm)
  let other: Awaited<ReturnType<typeof tokenService>> | undefined
  try {
    other = await tokenService('127.0.0.2', false)
  } catch (e) {
    reg.stop()
    t.log(`127.0.0.2 cannot be bound here (${(e as Error).message})`)
    t.fail('the test needs a second loopback address, 127.0.0.2')
    return
  }
  try {
    // Logged in while the registry named a token service on its own host; then it (or
    // whoever answers its plain-HTTP address) names one elsewhere.
    realm = `http://${reg.host}/token`
    const root = makeDataRoot()
    const login = await tscAsync(root, ['login', reg.host, '-u', 'bob', '-p', 'secret'])
    t.is(login.code, 0, login.stderr)
    realm = `http://${other.host}/token`
    const r = await tscAsync(root, ['pull', `${reg.host}/x/y:1`, '--json'])
    t.is(r.code, 125, r.stdout)
    t.is(json(r).error.code, 'registry_auth')
    t.regex(
      json(r).error.message,
      /credentials of bob were not sent to it because it is plain HTTP on 127\.0\.0\.2, another host than the registry 127\.0\.0\.1:\d+/,
    )
    t.true(other.seen.length > 0)
    t.deepEqual(
      other.seen.filter((a) => a !== 'none'),
      [],
      'the other host got credentials',
    )
  } finally {
    reg.stop()
    other.stop()
  }
})

test.serial("stored Basic credentials still go to a plain-HTTP token service on the plain-HTTP registry's own host", async (t) => {
  let realm = ''
  const reg = await tokenRegistry(() => realm)
  const same = await tokenService('127.0.0.1', false)
  try {
    realm = `http://${same.host}/token`
    const root = makeDataRoot()
    t.is((await tscAsync(root, ['login', reg.host, '-u', 'bob', '-p', 'secret'])).code, 0)
    const r = await tscAsync(root, ['pull', `${reg.host}/x/y:1`, '--json'])
    t.is(r.code, 0, r.stderr)
    t.true(same.seen.includes(`Basic ${Buffer.from('bob:secret').toString('base64')}`), same.seen.join(', '))
  } finally {
    reg.stop()
    same.stop()
  }
})

// An HTTPS token service needs a certificate the client trusts: one made here with openssl
// for 127.0.0.2, handed to the client's Node with NODE_EXTRA_CA_CERTS.
const hasOpenssl = spawnSync('openssl', ['version']).status === 0
const httpsRealmTest = serialIf(loopbackNet && hasOpenssl, 'needs openssl and 127.0.0.0/8 on lo')

httpsRealmTest('stored Basic credentials go to an HTTPS token service on another host', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-tls-'))
  const made = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.2',
      '-addext',
      'subjectAltName=IP:127.0.0.2',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { encoding: 'utf8' },
  )
  t.is(made.status, 0, made.stderr)
  const seen: string[] = []
  const realmServer = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    seen.push(req.headers.authorization ?? 'none')
    res.writeHead(req.headers.authorization ? 200 : 401, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ token: 'T0KEN' }))
  })
  await new Promise<void>((res) => realmServer.listen(0, '127.0.0.2', () => res()))
  const realmHost = `127.0.0.2:${(realmServer.address() as AddressInfo).port}`
  let realm = ''
  const reg = await tokenRegistry(() => realm)
  try {
    realm = `http://${reg.host}/token`
    const root = makeDataRoot()
    t.is((await tscAsync(root, ['login', reg.host, '-u', 'bob', '-p', 'secret'])).code, 0)
    realm = `https://${realmHost}/token`
    const r = await tscAsync(root, ['pull', `${reg.host}/x/y:1`, '--json'], { NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') })
    t.is(r.code, 0, r.stdout + r.stderr)
    t.true(seen.includes(`Basic ${Buffer.from('bob:secret').toString('base64')}`), seen.join(', '))
  } finally {
    reg.stop()
    realmServer.closeAllConnections()
    realmServer.close()
  }
})

const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}')
const configDesc = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length }
const misshapen: Array<[string, unknown, string, RegExp]> = [
  ['a null manifest', null, OCI_MANIFEST, /the manifest of .* is not a JSON object \(it is null\)/],
  ['a manifest that is a list', [], OCI_MANIFEST, /is not a JSON object \(it is a list\)/],
  [
    'layers that is not a list',
    { schemaVersion: 2, mediaType: OCI_MANIFEST, config: configDesc, layers: 'abc' },
    OCI_MANIFEST,
    /manifest is invalid: layers is not a list/,
  ],
  [
    'layers holding null',
    { schemaVersion: 2, mediaType: OCI_MANIFEST, config: configDesc, layers: [null] },
    OCI_MANIFEST,
    /manifest is invalid: layers\[0\] is not an object/,
  ],
  [
    'a config larger than an image config may be',
    { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { ...configDesc, size: 1 << 30 }, layers: [] },
    OCI_MANIFEST,
    /manifest is invalid: config\.size is 1073741824 bytes, more than the 8388608/,
  ],
  [
    'a config of the wrong size type',
    { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { ...configDesc, size: '12' }, layers: [] },
    OCI_MANIFEST,
    /manifest is invalid: config\.size is not a size in bytes/,
  ],
  [
    'an index whose manifests is an object',
    { schemaVersion: 2, mediaType: OCI_INDEX, manifests: {} },
    OCI_INDEX,
    /image index is invalid: manifests is not a list/,
  ],
  [
    'an index entry whose platform is a string',
    { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ ...configDesc, platform: 'linux' }] },
    OCI_INDEX,
    /image index is invalid: manifests\[0\]\.platform is not an object/,
  ],
  [
    'an index entry that is null',
    { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [null] },
    OCI_INDEX,
    /image index is invalid: manifests\[0\] is not an object/,
  ],
]

for (const [what, doc, mediaType, message] of misshapen) {
  test.serial(`${what} is an invalid_image error under --json, exit 125`, async (t) => {
    const reg = await startFake(registry({ manifest: Buffer.from(JSON.stringify(doc)), blobs: new Map([[sha(config), config]]), mediaType }))
    try {
      const root = makeDataRoot()
      const r = await tscAsync(root, ['pull', `${reg.host}/x/y:1`, '--json'])
      t.is(r.code, 125, r.stderr)
      t.is(json(r).error.code, 'invalid_image', r.stdout)
      t.regex(json(r).error.message, message)
      t.notRegex(r.stdout + r.stderr, /TypeError|Cannot read prop/)
    } finally {
      reg.stop()
    }
  })
}
