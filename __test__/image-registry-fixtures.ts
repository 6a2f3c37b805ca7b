// Registries for the tests, on 127.0.0.1: Debian's docker-registry (distribution), with or
// without htpasswd auth, and a scriptable fake for the failures a real one will not produce.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import * as http from 'node:http'
import { mkdtempSync, writeFileSync } from 'node:fs'
import type * as net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './network-helpers'

export interface Registry {
  host: string
  stop(): void
}

async function waitFor(url: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  for (;;) {
    const ok = await new Promise<boolean>((res) => {
      http
        .get(url, (r) => {
          r.resume()
          res(true)
        })
        .on('error', () => res(false))
    })
    if (ok) return
    if (Date.now() > end) throw new Error(`registry at ${url} did not start`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Starts docker-registry; with `user`, behind htpasswd (bcrypt) basic auth. */
export async function startRegistry(user?: { username: string; password: string }): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-registry-'))
  const port = await freePort()
  let auth = ''
  if (user) {
    execFileSync('htpasswd', ['-Bbc', join(dir, 'htpasswd'), user.username, user.password], { stdio: 'ignore' })
    auth = `auth:\n  htpasswd:\n    realm: test\n    path: ${join(dir, 'htpasswd')}\n`
  }
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${auth}`,
  )
  // A watchdog shell: the registry goes when the test process goes, even if it is killed.
  const watchdog = `docker-registry serve ${join(dir, 'config.yml')} & r=$!; trap 'kill $r; exit 0' TERM; while kill -0 ${process.pid} 2>/dev/null && kill -0 $r 2>/dev/null; do sleep 1; done; kill $r`
  const child: ChildProcess = spawn('sh', ['-c', watchdog], { stdio: 'ignore' })
  await waitFor(`http://127.0.0.1:${port}/v2/`)
  return { host: `127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') }
}

/** A fake registry whose answers the test writes, on `address` (127.0.0.1 unless a test needs
 * another loopback address, as the credential tests do). */
export async function startFake(handler: http.RequestListener, address = '127.0.0.1'): Promise<Registry & { server: http.Server }> {
  const server = http.createServer(handler)
  await new Promise<void>((res, rej) => server.once('error', rej).listen(0, address, () => res()))
  const port = (server.address() as net.AddressInfo).port
  return {
    host: `${address}:${port}`,
    server,
    stop: () => {
      server.closeAllConnections()
      server.close()
    },
  }
}

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'

/** What a fake registry serves: one manifest for any tag, and blobs by digest. */
export interface FakeImage {
  manifest: Buffer
  blobs: Map<string, Buffer>
  mediaType?: string
}

/** Answers a blob request itself (a lie, a cut, an endless body) and returns true, or returns
 * false to let the registry serve the stored blob. */
export type BlobHook = (digest: string, req: http.IncomingMessage, res: http.ServerResponse) => boolean

/** The handler of a plain registry serving `img`, with `blob` to misbehave on some digests. */
export function registry(img: FakeImage, blob?: BlobHook): http.RequestListener {
  return (req, res) => {
    const url = req.url ?? ''
    if (url === '/v2/') {
      res.writeHead(200)
      res.end('{}')
      return
    }
    if (url.includes('/manifests/')) {
      res.writeHead(200, { 'content-type': img.mediaType ?? OCI_MANIFEST })
      res.end(img.manifest)
      return
    }
    const digest = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url)?.[1]
    if (digest && blob?.(digest, req, res)) return
    const b = digest ? img.blobs.get(digest) : undefined
    if (b) {
      res.writeHead(200, { 'content-length': String(b.length) })
      res.end(b)
      return
    }
    res.writeHead(404)
    res.end()
  }
}

/** Writes `byte` to `res` for as long as the client reads, up to `cap` bytes or `ms`; `sent`
 * is told each chunk's size, so that a test can say how much went out before the client hung up. */
export function pumpEndless(res: http.ServerResponse, opts: { cap: number; ms?: number; byte?: number; sent: (n: number) => void }): void {
  const started = Date.now()
  const chunk = Buffer.alloc(64 << 10, opts.byte ?? 0x41)
  let total = 0
  res.writeHead(200)
  const pump = () => {
    while (total < opts.cap && Date.now() - started < (opts.ms ?? 60_000) && !res.destroyed) {
      total += chunk.length
      opts.sent(chunk.length)
      if (!res.write(chunk)) {
        res.once('drain', pump)
        return
      }
    }
    res.end()
  }
  pump()
}
