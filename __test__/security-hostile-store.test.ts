// Hostile trees and a full disk (issue #10, points 5, 9 and 11), through the CLI:
// - a layer holding a 60,000-level directory is refused by TSC_BOX_LAYER_MAX_DEPTH at once;
//   with the limit raised it loads in linear time, its size is measured, and rmi / image
//   prune remove it and report the bytes really freed;
// - a container that made a 30,000-level tree is removed by `rm -f` and by `container prune`;
// - archive member names are printed escaped (no raw terminal escapes);
// - on a full data root (a 20 MB tmpfs): a load from stdin leaves no temporary tar, a load
//   failing on its second layer leaves no first layer, `image prune -a` works, and
//   images/partial is collected.
import test, { type ExecutionContext } from 'ava'
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN, makeDataRoot, type Result } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'
import { archiveOfTars, makeArchive } from './image-fixtures'
import { serialIf } from './helpers/conditional'

const isRoot = process.getuid?.() === 0

/** `tsc-box ARGS`; `stdinFile` becomes its standard input (a file: a command that stops
 * reading early makes no EPIPE). */
function tscEnv(root: string, args: string[], env: Record<string, string> = {}, stdinFile?: string): Result {
  const stdin = stdinFile === undefined ? 'pipe' : openSync(stdinFile, 'r')
  const r = spawnSync(process.execPath, ['--', BIN, ...args], {
    env: { ...process.env, TSC_BOX_ROOT: root, ...env },
    stdio: [stdin, 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 240_000,
    maxBuffer: 1 << 26,
  })
  if (typeof stdin === 'number') closeSync(stdin)
  if (r.error) throw r.error
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr }
}

// ---- tar writing: names of any length go in PAX headers -------------------------------------

function header(name: string, type: string, size: number, mode: number): Buffer {
  const h = Buffer.alloc(512)
  h.write(name.slice(0, 99), 0, 'latin1')
  const octal = (off: number, len: number, v: number) => h.write(`${v.toString(8).padStart(len - 1, '0')}\0`, off, 'latin1')
  octal(100, 8, mode)
  octal(108, 8, 0)
  octal(116, 8, 0)
  octal(124, 12, size)
  octal(136, 12, 1_700_000_000)
  h.write(type, 156, 'latin1')
  h.write('ustar\0', 257, 'latin1')
  h.write('00', 263, 'latin1')
  h.fill(' ', 148, 156)
  let sum = 0
  for (const b of h) sum += b
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1')
  return h
}

function pad(b: Buffer): Buffer[] {
  const rest = b.length % 512
  return rest === 0 ? [b] : [b, Buffer.alloc(512 - rest)]
}

/** One member (a directory when `data` is undefined), its name in a PAX record when long. */
function member(name: string, data?: Buffer): Buffer[] {
  const out: Buffer[] = []
  if (Buffer.byteLength(name) > 99) {
    const body = ` path=${name}\n`
    let len = Buffer.byteLength(body) + 1
    while (String(len).length + Buffer.byteLength(body) !== len) len++
    const record = Buffer.from(`${len}${body}`)
    out.push(header('PaxHeader', 'x', record.length, 0o644), ...pad(record))
  }
  if (data === undefined) out.push(header(name, '5', 0, 0o755))
  else out.push(header(name, '0', data.length, 0o644), ...pad(data))
  return out
}

const endOfTar = () => Buffer.alloc(1024)

/** An OCI archive of plain layer tars (gzip-compressed), as `docker save`/`skopeo` write. */
const ociArchive = (layerTars: Buffer[], name: string) => archiveOfTars(layerTars, { name })

const MiB = 1 << 20
const DEEP = 60_000

/** A layer whose one directory entry is 60,000 levels deep (its parents are implied), with a
 * 1 MiB file at the bottom: 120 KB of name, well within the tar metadata cap. */
function deepLayer(): Buffer {
  const dir = 'd/'.repeat(DEEP)
  return Buffer.concat([...member(dir), ...member(`${dir}bottom`, Buffer.alloc(MiB, 7)), endOfTar()])
}

/** A layer listing every level of a `levels`-deep chain as its own entry, as `tar` writes a
 * deep directory: walking each entry's path from the root again is quadratic. */
function everyLevelLayer(levels: number): Buffer {
  const parts: Buffer[] = []
  let dir = ''
  for (let i = 0; i < levels; i++) {
    dir += 'd/'
    parts.push(...member(dir))
  }
  parts.push(...member(`${dir}f`, Buffer.from('bottom')), endOfTar())
  return Buffer.concat(parts)
}

function dirEntries(p: string): string[] {
  return existsSync(p) ? readdirSync(p) : []
}

function assertStoreEmpty(t: ExecutionContext, root: string) {
  t.deepEqual(dirEntries(join(root, 'images/layers')), [], 'no layer left')
  t.deepEqual(dirEntries(join(root, 'images/blobs/sha256')), [], 'no blob left')
  t.deepEqual(dirEntries(join(root, 'images/tmp')), [], 'no temp file left')
}

/** A data root on a tmpfs of its own (making or removing tens of thousands of directories on
 * a shared disk takes minutes of I/O, and a full disk must not be the host's); unmounted when the test ends. */
function tmpfsRoot(t: ExecutionContext, size: string): string {
  const root = mkdtempSync(join(tmpdir(), 'tsc-box-tmpfs-'))
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', root])
  t.teardown(() => {
    spawnSync('umount', ['-l', root])
    rmSync(root, { recursive: true, force: true })
  })
  return root
}

// Mounting a tmpfs, and containers, need root.
const rootOnly = serialIf(isRoot, 'needs root to mount a tmpfs and run containers')

// ---- point 5: deep layers -------------------------------------------------------------------

const deepArchive = ociArchive([deepLayer()], 'localhost/deep/dir:1')

test('a layer with a 60,000-level directory is refused at once by the depth limit, leaving nothing', (t) => {
  const root = makeDataRoot()
  const start = Date.now()
  const r = tscEnv(root, ['load', '-i', deepArchive])
  const ms = Date.now() - start
  t.is(r.code, 125, r.stderr)
  t.regex(
    r.stderr,
    /layer entry \/d\/d\/d\/d\/\.\.\.\(\d+ more levels\)\.\.\.\/d\/d\/d\/d is 60000 levels deep, more than the 2048 allowed; refused \(raise TSC_BOX_LAYER_MAX_DEPTH/,
  )
  // The message names the entry by its ends, not by 120 KB of path.
  t.true(r.stderr.length < 2000, `${r.stderr.length} bytes of error`)
  t.true(ms < 30_000, `took ${ms} ms`)
  t.log(`refused in ${ms} ms`)
  assertStoreEmpty(t, root)
  t.deepEqual(JSON.parse(tscEnv(root, ['images', '--json']).stdout), [])
})

rootOnly('with the depth limit raised a 60,000-level layer loads in linear time, is measured, and rmi / image prune free its real bytes', (t) => {
  const root = tmpfsRoot(t, '1G')
  const env = { TSC_BOX_LAYER_MAX_DEPTH: String(DEEP + 10) }
  const start = Date.now()
  const r = tscEnv(root, ['load', '-i', deepArchive], env)
  const ms = Date.now() - start
  t.is(r.code, 0, r.stderr)
  t.log(`loaded in ${ms} ms`)
  // About a second of CPU; making an error value that names the whole path at each of the
  // 60,000 missing levels was quadratic (66 s of CPU here, 273 s where it was reported).
  t.true(ms < 30_000, `took ${ms} ms`)
  const [image] = JSON.parse(tscEnv(root, ['images', '--json']).stdout)
  // Measured at any depth (a path-based walk fails past PATH_MAX and counted nothing).
  t.true(image.unpackedSize >= MiB, `unpackedSize ${image.unpackedSize}`)

  const prune = tscEnv(root, ['image', 'prune', '-a', '--json'])
  t.is(prune.code, 0, prune.stderr)
  const report = JSON.parse(prune.stdout)
  t.is(report.deleted.length, 1)
  t.true(report.spaceReclaimed >= MiB, `spaceReclaimed ${report.spaceReclaimed}`)
  assertStoreEmpty(t, root)

  t.is(tscEnv(root, ['load', '-i', deepArchive], env).code, 0)
  const rmi = tscEnv(root, ['rmi', 'localhost/deep/dir:1'])
  t.is(rmi.code, 0, rmi.stderr)
  assertStoreEmpty(t, root)
})

rootOnly('a layer listing every level of a deep chain loads in time linear in its size', (t) => {
  // 10,000 entries whose paths add up to 100 MB: walking each path from the root again
  // (50 million directory opens, twice) takes minutes; following the archive's order, seconds.
  const levels = 10_000
  const archive = ociArchive([everyLevelLayer(levels)], 'localhost/deep/chain:1')
  const root = tmpfsRoot(t, '1G')
  const start = Date.now()
  const r = tscEnv(root, ['load', '-i', archive], { TSC_BOX_LAYER_MAX_DEPTH: String(levels + 1) })
  const ms = Date.now() - start
  t.is(r.code, 0, r.stderr)
  t.log(`loaded ${levels} levels in ${ms} ms`)
  t.true(ms < 60_000, `took ${ms} ms`)
  const prune = tscEnv(root, ['image', 'prune', '-a'])
  t.is(prune.code, 0, prune.stderr)
  assertStoreEmpty(t, root)
})

// ---- point 9: escaped names -----------------------------------------------------------------

test('archive member names are printed with their control characters escaped', (t) => {
  const root = makeDataRoot()
  const evil = 'x/\x1b]0;pwned\x07/\x1b[2J../../etc/passwd'
  const layer = Buffer.concat([...member(evil, Buffer.from('x')), endOfTar()])
  const r = tscEnv(root, ['load', '-i', ociArchive([layer], 'localhost/evil/names:1')])
  t.is(r.code, 125)
  t.false(r.stderr.includes('\x1b') || r.stderr.includes('\x07'), JSON.stringify(r.stderr))
  t.true(r.stderr.includes('\\x1b]0;pwned\\x07/\\x1b[2J'), JSON.stringify(r.stderr))
  assertStoreEmpty(t, root)

  // A name the archive's manifest gives is also printed escaped when it is refused.
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-store-'))
  writeFileSync(join(dir, 'f'), 'x')
  const named = makeArchive({ dir, format: 'docker', name: 'bad\x1b[31mname:1' })
  const w = tscEnv(root, ['load', '-i', named])
  t.is(w.code, 0, w.stderr)
  t.false(w.stderr.includes('\x1b'), JSON.stringify(w.stderr))
  t.regex(w.stderr, /ignored the archive's name "bad\\x1b\[31mname:1"/)
})

// ---- point 5: containers that made a deep tree ---------------------------------------------

/** A 30,000-level tree made without any path longer than PATH_MAX: 30 chains of 1,000 levels
 * (made with short relative names), each moved into the bottom of the next. */
const DEEP_TREE_SCRIPT = [
  'cd /root',
  'p=d; i=1; while [ $i -lt 1000 ]; do p=$p/d; i=$((i+1)); done',
  'mkdir -p x/$p',
  'n=1; while [ $n -lt 30 ]; do mkdir -p y/$p && mv x y/$p/ && mv y x || exit 1; n=$((n+1)); done',
  'echo built',
].join('\n')

const busyboxImage = isRoot ? makeArchive({ dir: makeRootfs(), name: 'localhost/busybox/deep:1' }) : ''

rootOnly('rm -f removes a running container that made a 30,000-level tree', (t) => {
  const root = tmpfsRoot(t, '1G')
  t.is(tscEnv(root, ['load', '-q', '-i', busyboxImage]).code, 0)
  const run = tscEnv(root, ['run', '-d', 'localhost/busybox/deep:1', 'sh', '-c', `${DEEP_TREE_SCRIPT}\nsleep 1000`])
  t.is(run.code, 0, run.stderr)
  const id = run.stdout.trim()
  const until = Date.now() + 120_000
  while (!tscEnv(root, ['logs', id]).stdout.includes('built') && Date.now() < until) execFileSync('sleep', ['0.5'])
  t.true(tscEnv(root, ['logs', id]).stdout.includes('built'), 'the container built its tree')
  const rm = tscEnv(root, ['rm', '-f', id])
  t.is(rm.code, 0, rm.stderr)
  t.deepEqual(JSON.parse(tscEnv(root, ['ps', '-a', '--json']).stdout), [])
  t.deepEqual(dirEntries(join(root, 'overlay')), [], 'its writable layer is gone')
})

rootOnly('container prune removes a stopped container that made a 30,000-level tree', (t) => {
  const root = tmpfsRoot(t, '1G')
  t.is(tscEnv(root, ['load', '-q', '-i', busyboxImage]).code, 0)
  const run = tscEnv(root, ['run', '--name', 'deep', 'localhost/busybox/deep:1', 'sh', '-c', DEEP_TREE_SCRIPT])
  t.is(run.code, 0, run.stderr)
  t.regex(run.stdout, /built/)
  const prune = tscEnv(root, ['container', 'prune', '-f', '--json'])
  t.is(prune.code, 0, prune.stderr)
  t.is(JSON.parse(prune.stdout).removed.length, 1)
  t.deepEqual(JSON.parse(tscEnv(root, ['ps', '-a', '--json']).stdout), [])
  t.deepEqual(dirEntries(join(root, 'overlay')), [], 'its writable layer is gone')
})

// ---- point 11: a full data root -------------------------------------------------------------

/** Fills the filesystem of `dir` until it refuses more (a file `filler`), leaving `keep` bytes. */
function fill(dir: string, keep = 0): string {
  const file = join(dir, 'filler')
  const fd = openSync(file, 'w')
  const chunk = Buffer.alloc(64 << 10, 1)
  try {
    const stat = spawnSync('df', ['-B1', '--output=avail', dir], { encoding: 'utf8' }).stdout.trim().split('\n')[1]
    let left = Number(stat) - keep
    while (left > 0) {
      const n = writeSync(fd, chunk, 0, Math.min(chunk.length, left))
      left -= n
    }
    if (keep === 0) for (;;) writeSync(fd, chunk)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e
  } finally {
    closeSync(fd)
  }
  return file
}

rootOnly('a load from stdin that fills the disk leaves no temporary tar behind', (t) => {
  const root = tmpfsRoot(t, '20M')
  mkdirSync(join(root, 'images/tmp'), { recursive: true })
  fill(root, 2 * MiB)
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-store-'))
  writeFileSync(join(dir, 'noise'), randomBytes(6 * MiB))
  const archive = makeArchive({ dir, name: 'localhost/full/stdin:1', compression: 'none' })
  const r = tscEnv(root, ['load'], {}, archive)
  t.is(r.code, 125, r.stderr)
  t.regex(r.stderr, /no space left/i)
  t.deepEqual(dirEntries(join(root, 'images/tmp')), [], 'no temporary tar')
  t.deepEqual(JSON.parse(tscEnv(root, ['images', '--json']).stdout), [])
})

rootOnly('a load that fails on its second layer for want of space keeps no first layer', (t) => {
  const root = tmpfsRoot(t, '20M')
  // First layer: a small file. Second: 12 MiB of zeros, a few KiB compressed, more than the
  // disk has left once unpacked.
  const first = Buffer.concat([...member('etc/first', Buffer.from('one')), endOfTar()])
  const second = Buffer.concat([...member('big', Buffer.alloc(12 * MiB)), endOfTar()])
  const archive = ociArchive([first, second], 'localhost/full/second:1')
  fill(root, 6 * MiB)
  const r = tscEnv(root, ['load', '-i', archive])
  t.is(r.code, 125, r.stderr)
  t.regex(r.stderr, /No space left on device|ENOSPC|os error 28/i)
  assertStoreEmpty(t, root)
  t.deepEqual(JSON.parse(tscEnv(root, ['images', '--json']).stdout), [])
  // The same from stdin, where the load's caller guards the archive's copy while it is made.
  const s = tscEnv(root, ['load'], {}, archive)
  t.is(s.code, 125, s.stderr)
  t.regex(s.stderr, /No space left on device|ENOSPC|os error 28/i)
  assertStoreEmpty(t, root)
})

rootOnly('image prune -a frees a full disk, and collects images/partial', (t) => {
  const root = tmpfsRoot(t, '20M')
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-store-'))
  writeFileSync(join(dir, 'noise'), randomBytes(4 * MiB))
  t.is(tscEnv(root, ['load', '-q', '-i', makeArchive({ dir, name: 'localhost/full/prune:1' })]).code, 0)
  // What an interrupted pull leaves, then a disk filled to the last byte.
  mkdirSync(join(root, 'images/partial'), { recursive: true })
  writeFileSync(join(root, 'images/partial', 'a'.repeat(64)), randomBytes(3 * MiB))
  const filler = fill(join(root, 'images'))
  const prune = tscEnv(root, ['image', 'prune', '-a', '--json'])
  t.is(prune.code, 0, prune.stderr)
  const report = JSON.parse(prune.stdout)
  t.is(report.deleted.length, 1)
  // The layer (4 MiB unpacked), its blob (4 MiB) and the partial download (3 MiB).
  t.true(report.spaceReclaimed >= 11 * MiB, `spaceReclaimed ${report.spaceReclaimed}`)
  t.deepEqual(dirEntries(join(root, 'images/partial')), [])
  assertStoreEmpty(t, root)
  t.deepEqual(dirEntries(join(root, 'images/removing')), [], 'the removal is final')
  t.false(readFileSync(join(root, 'images/index.json'), 'utf8').includes('full/prune'))
  t.deepEqual(JSON.parse(tscEnv(root, ['images', '--json']).stdout), [])
  rmSync(filler)
})
