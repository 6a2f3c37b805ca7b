// Decompression-bomb limits of layer unpacking (TSC_BOX_LAYER_MAX_BYTES, _MAX_ENTRIES,
// _MAX_FILE_BYTES): a layer over a limit is refused with an error that names the limit, and
// leaves no image, no unpacked layer and no temporary directory, for a load and for a pull;
// the same archive is accepted once the limit allows it.
import test from 'ava'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN, makeDataRoot, type Result } from './helpers/cli'
import { makeArchive } from './image-fixtures'
import { startRegistry, type Registry } from './image-registry-fixtures'

function tscEnv(root: string, args: string[], env: Record<string, string> = {}): Result {
  const r = spawnSync(process.execPath, ['--', BIN, ...args], { env: { ...process.env, TSC_BOX_ROOT: root, ...env }, encoding: 'utf8', timeout: 120_000 })
  if (r.error) throw r.error
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr }
}

/** A layer of `files` files of `size` zero bytes each (gzip makes 64 MiB of zeros ~64 KiB). */
function zerosArchive(name: string, files: number, size: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-bomb-'))
  mkdirSync(join(dir, 'z'))
  for (let i = 0; i < files; i++) writeFileSync(join(dir, 'z', `f${i}`), Buffer.alloc(size))
  return makeArchive({ dir, name, compression: 'gzip' })
}

/** Nothing of a refused layer is left: no image, no unpacked layer, no temp directory (and
 * after a load, no blob; a pull keeps the manifest and config it verified, for `image prune`). */
function assertNothingLeft(t: import('ava').ExecutionContext, root: string, blobs = true) {
  const dir = join(root, 'images/blobs/sha256')
  if (blobs) t.deepEqual(existsSync(dir) ? readdirSync(dir) : [], [])
  t.deepEqual(JSON.parse(tscEnv(root, ['images', '--json']).stdout), [])
  const layers = join(root, 'images/layers')
  t.deepEqual(existsSync(layers) ? readdirSync(layers) : [], [])
  const tmp = join(root, 'images/tmp')
  t.deepEqual(existsSync(tmp) ? readdirSync(tmp) : [], [])
}

const MiB = 1 << 20
const big = zerosArchive('localhost/bomb/big:1', 1, 64 * MiB)

test('a file over TSC_BOX_LAYER_MAX_FILE_BYTES is refused; the archive loads without the limit', (t) => {
  const root = makeDataRoot()
  const r = tscEnv(root, ['load', '-i', big], { TSC_BOX_LAYER_MAX_FILE_BYTES: '16M' })
  t.is(r.code, 125)
  t.regex(r.stderr, /\/z\/f0 is 67108864 bytes, more than the 16777216 allowed for one file \(raise TSC_BOX_LAYER_MAX_FILE_BYTES/)
  assertNothingLeft(t, root)
  const ok = tscEnv(root, ['load', '-i', big])
  t.is(ok.code, 0, ok.stderr)
  const [image] = JSON.parse(tscEnv(root, ['images', '--json']).stdout)
  t.true(image.unpackedSize >= 64 * MiB)
})

test("the sum of a layer's file sizes is capped by TSC_BOX_LAYER_MAX_BYTES", (t) => {
  const root = makeDataRoot()
  const file = zerosArchive('localhost/bomb/sum:1', 3, 8 * MiB)
  const r = tscEnv(root, ['load', '-i', file], { TSC_BOX_LAYER_MAX_BYTES: '20M' })
  t.is(r.code, 125)
  t.regex(r.stderr, /unpacks to more than 20971520 bytes; refused as a decompression bomb \(raise TSC_BOX_LAYER_MAX_BYTES/)
  assertNothingLeft(t, root)
  t.is(tscEnv(root, ['load', '-i', file], { TSC_BOX_LAYER_MAX_BYTES: '30M' }).code, 0)
})

test('the entries of a layer are capped by TSC_BOX_LAYER_MAX_ENTRIES', (t) => {
  const root = makeDataRoot()
  const file = zerosArchive('localhost/bomb/many:1', 40, 0)
  const r = tscEnv(root, ['load', '-i', file], { TSC_BOX_LAYER_MAX_ENTRIES: '20' })
  t.is(r.code, 125)
  t.regex(r.stderr, /more than 20 entries; refused as a decompression bomb \(raise TSC_BOX_LAYER_MAX_ENTRIES/)
  assertNothingLeft(t, root)
})

test('a limit that is not a number is named', (t) => {
  const root = makeDataRoot()
  const r = tscEnv(root, ['load', '-i', big], { TSC_BOX_LAYER_MAX_ENTRIES: 'lots' })
  t.is(r.code, 125)
  t.regex(r.stderr, /TSC_BOX_LAYER_MAX_ENTRIES="lots" is not a number/)
  assertNothingLeft(t, root)
})

let registry: Registry | undefined
test.after.always(() => registry?.stop())

test('a pull of a layer over a limit is refused, leaves no image or partial blob, and the next pull works', async (t) => {
  registry = await startRegistry()
  const source = makeDataRoot()
  t.is(tscEnv(source, ['load', '-i', big]).code, 0)
  const ref = `${registry.host}/bomb/big:1`
  const push = tscEnv(source, ['push', 'localhost/bomb/big:1', ref])
  t.is(push.code, 0, push.stderr)
  const root = makeDataRoot()
  const r = tscEnv(root, ['pull', '-q', ref], { TSC_BOX_LAYER_MAX_FILE_BYTES: '1M' })
  t.is(r.code, 125)
  t.regex(r.stderr, /more than the 1048576 allowed for one file \(raise TSC_BOX_LAYER_MAX_FILE_BYTES/)
  assertNothingLeft(t, root, false)
  const partial = join(root, 'images/partial')
  const left = existsSync(partial) ? readdirSync(partial).filter((f) => statSync(join(partial, f)).size > 1024) : []
  t.deepEqual(left, [], 'the refused layer blob is not kept for a resume')
  const ok = tscEnv(root, ['pull', '-q', ref])
  t.is(ok.code, 0, ok.stderr)
})
