// The crash guarantee of docs/images.md ("Durability"), checked on the system calls `load` (the
// native front door and Node's path) and `pull` make, traced with strace: every blob is fsynced
// before its rename into blobs/sha256/, every file and directory of an unpacked layer before the
// layer's rename into layers/ (or one syncfs covers them), both directories are fsynced after
// the last such rename and before index.json is replaced, and the index itself is fsynced before
// its rename and its directory after. A crash at any point then shows no image, or an image
// whose every byte is on disk.
import test from 'ava'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN, makeDataRoot, tsc } from './helpers/cli'
import { serialIf } from './helpers/conditional'
import { makeArchive } from './image-fixtures'
import { startRegistry, type Registry } from './image-registry-fixtures'

const STRACE = ['/usr/bin/strace', '/bin/strace'].find((p) => spawnSync(p, ['-V']).status === 0)
const serial = serialIf(STRACE !== undefined && process.getuid?.() === 0, 'needs root and strace')
const serialPull = serialIf(
  STRACE !== undefined && process.getuid?.() === 0 && spawnSync('docker-registry', ['--version']).status === 0,
  'needs root, strace and docker-registry',
)

interface Call {
  name: string
  /** The path of an fsync's descriptor (strace -y), or a rename's source and target. */
  paths: string[]
}

/** `tsc-box ARGS` (bin/run.js as a shell runs it, or `node -- bin/run.js`), its calls in order. */
function trace(dataRoot: string, args: string[], viaNode = false): Call[] {
  const out = join(mkdtempSync(join(tmpdir(), 'tsc-box-durable-')), 'trace')
  const cmd = viaNode ? [process.execPath, '--', BIN, ...args] : [BIN, ...args]
  const r = spawnSync(STRACE as string, ['-f', '-qq', '-y', '-s', '4096', '-o', out, '-e', 'trace=fsync,fdatasync,syncfs,rename,renameat,renameat2', ...cmd], {
    env: { ...process.env, TSC_BOX_ROOT: dataRoot },
    encoding: 'utf8',
    timeout: 120_000,
  })
  if (r.status !== 0) throw new Error(`traced ${args.join(' ')} failed (${r.status}): ${r.stderr}`)
  const calls: Call[] = []
  // strace splits a call that another thread interrupts into "<unfinished ...>" and
  // "<... resumed>": the start line has the arguments, and an fsync's effect is complete when
  // it returns, which is after its start; the checks below only order starts before renames
  // that the same thread, or a joined one, made after the fsync returned.
  for (const line of readFileSync(out, 'utf8').split('\n')) {
    const m = /^\d+\s+(fsync|fdatasync|syncfs|rename|renameat2?)\((.*)$/.exec(line)
    if (!m) continue
    const paths = [...m[2]!.matchAll(/<([^>]*)>|"([^"]*)"/g)].map((x) => x[1] ?? x[2] ?? '')
    calls.push({ name: m[1]!.startsWith('rename') ? 'rename' : m[1]!, paths })
  }
  rmSync(out, { force: true })
  return calls
}

/** Every regular file and directory under `dir`, relative ('' for `dir`). */
function tree(dir: string, rel = ''): { files: string[]; dirs: string[] } {
  const out = { files: [] as string[], dirs: [rel] }
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const p = rel === '' ? e.name : `${rel}/${e.name}`
    if (e.isDirectory()) {
      const sub = tree(dir, p)
      out.files.push(...sub.files)
      out.dirs.push(...sub.dirs)
    } else if (e.isFile()) out.files.push(p)
  }
  return out
}

function checkDurability(t: import('ava').ExecutionContext, dataRoot: string, calls: Call[]): void {
  const images = join(dataRoot, 'images')
  const synced = (i: number, path: string) => calls.slice(0, i).some((c) => (c.name === 'fsync' || c.name === 'fdatasync') && c.paths[0] === path)
  const syncfs = (i: number) => calls.slice(0, i).some((c) => c.name === 'syncfs')
  // The last rename onto index.json (ES2022 has no findLastIndex).
  const indexAt = calls.map((c) => c.name === 'rename' && c.paths[1] === join(images, 'index.json')).lastIndexOf(true)
  t.true(indexAt >= 0, 'the index is written by a rename')
  const blobs = join(images, 'blobs/sha256')
  const layers = join(images, 'layers')
  let lastMove = -1
  let blobCount = 0
  let layerCount = 0
  calls.forEach((c, i) => {
    if (c.name !== 'rename') return
    const [from, to] = c.paths as [string, string]
    if (to.startsWith(`${blobs}/`)) {
      blobCount++
      lastMove = Math.max(lastMove, i)
      t.true(synced(i, from), `blob ${to} fsynced before its rename`)
    } else if (to.startsWith(`${layers}/`)) {
      layerCount++
      lastMove = Math.max(lastMove, i)
      const { files, dirs } = tree(to)
      for (const p of [...files, ...dirs])
        t.true(syncfs(i) || synced(i, p === '' ? from : `${from}/${p}`), `layer entry ${p || '.'} flushed before the layer's rename`)
    }
  })
  t.true(blobCount >= 3, 'blobs were moved in')
  t.true(layerCount >= 1, 'a layer was moved in')
  for (const dir of [blobs, layers]) {
    const at = calls.findIndex((c, i) => i > lastMove && c.name === 'fsync' && c.paths[0] === dir)
    t.true(at > lastMove && at < indexAt, `${dir} fsynced after the last rename into it and before the index`)
  }
  const indexTmp = calls[indexAt]!.paths[0]!
  t.true(synced(indexAt, indexTmp), 'the index fsynced before its rename')
  t.true(
    calls.slice(indexAt + 1).some((c) => c.name === 'fsync' && c.paths[0] === images),
    'images/ fsynced after the index rename',
  )
}

let archive: string
let reg: Registry | undefined

test.before(() => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-durable-content-'))
  writeFileSync(join(dir, 'a'), 'first file\n')
  writeFileSync(join(dir, 'b'), Buffer.alloc(300 << 10, 7))
  archive = makeArchive({ dir, name: 'localhost/durable:1', compression: 'gzip' })
})

test.after.always(() => reg?.stop())

serial('load -i (the native front door): every name in the store is durable before the index names it', (t) => {
  const dataRoot = makeDataRoot()
  checkDurability(t, dataRoot, trace(dataRoot, ['load', '-q', '-i', archive]))
})

serial("load -i through Node's path: the same order", (t) => {
  const dataRoot = makeDataRoot()
  checkDurability(t, dataRoot, trace(dataRoot, ['load', '-q', '-i', archive], true))
})

serialPull('pull: the same order', async (t) => {
  reg = await startRegistry()
  const ref = `${reg.host}/durable/x:1`
  const source = makeDataRoot()
  const l = tsc(source, ['load', '-q', '-i', archive])
  t.is(l.code, 0, l.stderr)
  const p = tsc(source, ['push', 'localhost/durable:1', ref])
  t.is(p.code, 0, p.stderr)
  const dataRoot = makeDataRoot()
  checkDurability(t, dataRoot, trace(dataRoot, ['pull', '-q', ref]))
})
