// A registry on this machine is asked over plain HTTP first (what local registries mostly speak:
// no TLS modules to load, no failed handshake); one that speaks only HTTPS is still reached,
// over HTTPS, when what answered plain HTTP was not the registry API.
import test from 'ava'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { collect, makeDataRoot, tscSpawn } from './helpers/cli'
import { serialIf } from './helpers/conditional'
import { hasOpenssl, startTlsRegistry } from './helpers/tls-registry'

const withOpenssl = serialIf(hasOpenssl, 'needs openssl')

withOpenssl('a registry on 127.0.0.1 that speaks only HTTPS is reached over HTTPS', async (t) => {
  const reg = await startTlsRegistry()
  try {
    // A child process: this one serves the registry meanwhile.
    const r = await collect(tscSpawn(makeDataRoot(), ['pull', '--json', '--tls-verify=false', `${reg.host}/x:1`]))
    // The registry's own answer (its 404), reached over TLS: the plain HTTP question before it
    // never reached the server as a request.
    t.is(r.code, 125, r.stderr)
    t.is(JSON.parse(r.stdout).error.code, 'registry_not_found', r.stdout)
    t.regex(r.stderr, /answered 404 \(MANIFEST_UNKNOWN no such manifest\)/)
    t.deepEqual(reg.seen, ['GET /v2/', 'GET /v2/x/manifests/1'])
  } finally {
    reg.close()
  }
})

test('a registry on 127.0.0.1 speaking plain HTTP is asked over plain HTTP only (no TLS handshake sent to it)', async (t) => {
  const seen: string[] = []
  let garbage = 0
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`)
    res.writeHead(req.url === '/v2/' ? 200 : 404, { 'content-type': 'application/json' })
    res.end(req.url === '/v2/' ? '{}' : '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"no such manifest"}]}')
  })
  // A TLS ClientHello sent to a plain HTTP server is no HTTP request: Node reports it here.
  server.on('clientError', (_e, socket) => {
    garbage++
    socket.destroy()
  })
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res))
  try {
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`
    const r = await collect(tscSpawn(makeDataRoot(), ['pull', '--json', `${host}/x:1`]))
    t.is(JSON.parse(r.stdout).error.code, 'registry_not_found', r.stdout)
    t.deepEqual(seen, ['GET /v2/', 'GET /v2/x/manifests/1'])
    t.is(garbage, 0)
  } finally {
    server.close()
  }
})
