// A registry on 127.0.0.1 that speaks only HTTPS, with a certificate made for the test (its
// own CA, for 127.0.0.1 and localhost), that knows no image: /v2/ answers 200 and anything
// else docker's 404 MANIFEST_UNKNOWN. For the tests of how the registry client reaches it.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import * as https from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const hasOpenssl = spawnSync('openssl', ['version']).status === 0

export interface TlsRegistry {
  /** 127.0.0.1:PORT */
  host: string
  /** The certificate's file, which is its own CA. */
  ca: string
  /** Every request, as `METHOD PATH`. */
  seen: string[]
  close: () => void
}

export async function startTlsRegistry(): Promise<TlsRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-tls-'))
  const made = spawnSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    join(dir, 'k.pem'),
    '-out',
    join(dir, 'ca.pem'),
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
  ])
  if (made.status !== 0) throw new Error(made.stderr.toString())
  const seen: string[] = []
  const server = https.createServer({ key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'ca.pem')) }, (req, res) => {
    seen.push(`${req.method} ${req.url}`)
    res.writeHead(req.url === '/v2/' ? 200 : 404, { 'content-type': 'application/json' })
    res.end(req.url === '/v2/' ? '{}' : '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"no such manifest"}]}')
  })
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res))
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, ca: join(dir, 'ca.pem'), seen, close: () => server.close() }
}
