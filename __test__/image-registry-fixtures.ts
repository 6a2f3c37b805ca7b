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

/** A fake registry whose answers the test writes. */
export async function startFake(handler: http.RequestListener): Promise<Registry & { server: http.Server }> {
  const server = http.createServer(handler)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as net.AddressInfo).port
  return {
    host: `127.0.0.1:${port}`,
    server,
    stop: () => {
      server.closeAllConnections()
      server.close()
    },
  }
}
