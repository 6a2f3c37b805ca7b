// `import URL [REF]`: the archive is fetched over http(s) by the fetcher ADD uses (redirects
// followed, a size limit, the server's errors said clearly), then imported as a file is; a
// failed download (an HTTP error, an unreachable host, a body past the limit or cut short)
// leaves no image and no temporary file. On a terminal the download's progress is shown on
// stderr, as docker shows it; elsewhere stdout holds only the ID. The server is this test's own
// (node:http), so the commands run asynchronously to let it answer.
import test from 'ava'
import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN, collect, makeDataRoot, type Result, tscSpawn } from './helpers/cli'
import { serialIf } from './helpers/conditional'

const isRoot = process.getuid?.() === 0
const hasScript = isRoot && execFileSync('sh', ['-c', 'command -v script || true'], { encoding: 'utf8' }).trim() !== ''
const serial = serialIf(isRoot, 'needs root: the archive is unpacked with its owners and exported back')
const root = makeDataRoot()
let server: Server
let base = ''
let tarBytes: Buffer

test.before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-import-url-'))
  mkdirSync(join(dir, 'rootfs', 'etc'), { recursive: true })
  writeFileSync(join(dir, 'rootfs', 'etc', 'fetched'), 'from the server\n')
  // Large enough that the progress is drawn more than once.
  writeFileSync(join(dir, 'rootfs', 'padding'), Buffer.alloc(3 << 20, 7))
  execFileSync('tar', ['-C', join(dir, 'rootfs'), '-cf', join(dir, 'rootfs.tar'), '.'])
  tarBytes = readFileSync(join(dir, 'rootfs.tar'))
  server = createServer((q, s) => {
    if (q.url === '/rootfs.tar') {
      s.writeHead(200, { 'content-length': tarBytes.length })
      // In pieces, so that a terminal sees it arrive.
      let at = 0
      const next = () => {
        if (at >= tarBytes.length) return s.end()
        s.write(tarBytes.subarray(at, at + (256 << 10)))
        at += 256 << 10
        setTimeout(next, 20)
      }
      next()
    } else if (q.url === '/moved') {
      s.writeHead(302, { location: '/rootfs.tar' })
      s.end()
    } else if (q.url === '/cut-short') {
      s.writeHead(200, { 'content-length': tarBytes.length })
      s.end(tarBytes.subarray(0, 4096))
      q.socket.destroy()
    } else if (q.url === '/endless') {
      // No length: the limit stops it.
      s.writeHead(200)
      const chunk = Buffer.alloc(64 << 10, 1)
      const pump = () => {
        while (s.write(chunk)) {}
        s.once('drain', pump)
      }
      pump()
      q.socket.on('close', () => s.removeAllListeners('drain'))
    } else {
      s.writeHead(404)
      s.end('no such thing\n')
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

test.after.always(() => server?.close())

function tsc(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return collect(tscSpawn(root, args, { env: { ...process.env, TSC_BOX_ROOT: root, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }))
}

async function images(): Promise<string[]> {
  return (await tsc(['images', '-a', '-q', '--no-trunc'])).stdout.split('\n').filter(Boolean).sort()
}

function leftovers(): string[] {
  try {
    return readdirSync(join(root, 'builder', 'tmp'))
  } catch {
    return []
  }
}

/** The file `path` of the image `ref`: a container made of it, exported. */
async function fileOf(ref: string, path: string): Promise<string> {
  const name = `f-${Date.now()}`
  const made = await tsc(['create', '--name', name, ref, '/none'])
  if (made.code !== 0) throw new Error(made.stderr)
  const out = join(mkdtempSync(join(tmpdir(), 'tsc-box-import-url-out-')), 'fs.tar')
  const exported = await tsc(['export', '-o', out, name])
  if (exported.code !== 0) throw new Error(exported.stderr)
  await tsc(['rm', name])
  return execFileSync('tar', ['-xOf', out, path], { encoding: 'utf8' })
}

serial('import URL fetches the archive (a redirect followed) and makes the image; stdout holds only the ID', async (t) => {
  const r = await tsc(['import', '-c', 'ENV FROM_URL=1', '-m', 'over http', `${base}/moved`, 'localhost/fetched:1'])
  t.is(r.code, 0, r.stderr)
  t.regex(r.stdout, /^sha256:[0-9a-f]{64}\n$/)
  t.is(r.stderr, '', 'no progress without a terminal')
  t.is(await fileOf('localhost/fetched:1', 'etc/fetched'), 'from the server\n')
  const inspected = JSON.parse((await tsc(['image', 'inspect', 'localhost/fetched:1'])).stdout)[0]
  t.true(inspected.Config.Env.includes('FROM_URL=1'))
  t.is(inspected.RootFS.Layers.length, 1)
  const history = JSON.parse((await tsc(['history', '--json', 'localhost/fetched:1'])).stdout)
  t.is(history[0].comment, 'over http')
  t.deepEqual(leftovers(), [])
})

serial('a failed download says why and leaves no image and no temporary file: HTTP status, unreachable host, too large, cut short', async (t) => {
  const before = await images()
  const missing = await tsc(['import', '--json', `${base}/nope.tar`, 'localhost/never:1'])
  t.is(missing.code, 125)
  t.deepEqual(JSON.parse(missing.stdout).error, { code: 'download_failed', message: `failed to GET ${base}/nope.tar: the server answered 404 Not Found` })
  // Port 1 on the loopback: nothing listens.
  const unreachable = await tsc(['import', 'http://127.0.0.1:1/rootfs.tar', 'localhost/never:1'])
  t.is(unreachable.code, 125)
  t.regex(unreachable.stderr, /failed to GET http:\/\/127\.0\.0\.1:1\/rootfs\.tar: cannot reach 127\.0\.0\.1:1: .*ECONNREFUSED/)
  const endless = await tsc(['import', `${base}/endless`, 'localhost/never:1'], { TSC_BOX_LAYER_MAX_BYTES: '1M' })
  t.is(endless.code, 125)
  t.regex(endless.stderr, /failed to GET .*\/endless: more than 1048576 bytes, the most one layer may unpack to \(TSC_BOX_LAYER_MAX_BYTES raises it\)/)
  const announced = await tsc(['import', `${base}/rootfs.tar`, 'localhost/never:1'], { TSC_BOX_LAYER_MAX_BYTES: '1M' })
  t.is(announced.code, 125)
  t.regex(announced.stderr, new RegExp(`it is ${tarBytes.length} bytes, more than 1048576`))
  const cut = await tsc(['import', `${base}/cut-short`, 'localhost/never:1'])
  t.is(cut.code, 125)
  t.regex(
    cut.stderr,
    new RegExp(`failed to GET .*/cut-short: the connection to 127\\.0\\.0\\.1:\\d+ failed: .*, after \\d+ bytes of the ${tarBytes.length} announced`),
  )
  const scheme = await tsc(['import', 'ftp://127.0.0.1/rootfs.tar'])
  t.is(scheme.code, 125)
  t.regex(scheme.stderr, /only http and https URLs can be imported/)
  t.deepEqual(await images(), before)
  t.is((await tsc(['image', 'inspect', 'localhost/never:1'])).code, 1)
  t.deepEqual(leftovers(), [])
})

const terminal = serialIf(hasScript, isRoot ? 'needs util-linux script for a pseudo-terminal' : 'needs root')
terminal("on a terminal the download's progress is drawn on stderr, then the ID", async (t) => {
  const cmd = `stty cols 120 rows 40; '${BIN}' import '${base}/rootfs.tar' localhost/progress:1`
  const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, TSC_BOX_ROOT: root }, stdio: ['ignore', 'pipe', 'pipe'] })
  const r = await collect(child as ReturnType<typeof tscSpawn>)
  const out = r.stdout.replace(/\r\n/g, '\n')
  t.is(r.code, 0, out)
  t.true(out.startsWith(`Downloading from ${base}/rootfs.tar\n`), out)
  // Redrawn in place as the bytes came, ending full.
  const states = out.split('\r').filter((s) => s.includes('['))
  t.true(states.length > 1, out)
  t.regex(out, /\[={50}\] +3\.\d+MB\/3\.\d+MB\n/)
  t.regex(out, /\nsha256:[0-9a-f]{64}\n$/)
})
