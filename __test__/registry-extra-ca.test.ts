// NODE_EXTRA_CA_CERTS keeps its meaning (a registry whose certificate that file's CA signed is
// trusted; without it, the same registry is refused), but Node no longer reads the file at
// every start: bin/run.js moves it aside and the registry client loads it on its first TLS
// connection. A file Node could not load shows it: Node's warning comes only from a command
// that connects over TLS, not from every command.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import * as https from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serialIf } from './helpers/conditional'
import { collect, makeDataRoot, tsc, tscSpawn } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'

const hasOpenssl = spawnSync('openssl', ['version']).status === 0
const withOpenssl = serialIf(hasOpenssl, 'needs openssl')
const WARNING = /Ignoring extra certs from/

/** A certificate for 127.0.0.1 that is its own CA, and an HTTPS registry that knows no image. */
async function tlsRegistry(): Promise<{ host: string; ca: string; close: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'tsc-box-ca-'))
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
    '/CN=tsc-box test registry',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
  ])
  if (made.status !== 0) throw new Error(made.stderr.toString())
  const server = https.createServer({ key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'ca.pem')) }, (req, res) => {
    res.writeHead(req.url === '/v2/' ? 200 : 404, { 'content-type': 'application/json' })
    res.end(req.url === '/v2/' ? '{}' : '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"no such manifest"}]}')
  })
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res))
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, ca: join(dir, 'ca.pem'), close: () => server.close() }
}

/** `pull --json HOST/x:1` in a child (this process serves the registry meanwhile). */
function pullFrom(host: string, env: NodeJS.ProcessEnv) {
  const root = makeDataRoot()
  return collect(tscSpawn(root, ['pull', '--json', `${host}/x:1`], { env: { ...process.env, TSC_BOX_ROOT: root, ...env } }))
}

withOpenssl('a registry signed by the CA of NODE_EXTRA_CA_CERTS is trusted, and refused without it', async (t) => {
  const reg = await tlsRegistry()
  try {
    const pull = (env: NodeJS.ProcessEnv) => pullFrom(reg.host, { NODE_EXTRA_CA_CERTS: '', ...env })
    const untrusted = await pull({})
    t.is(untrusted.code, 125)
    t.regex(untrusted.stderr, /certificate/i, 'refused for its certificate')
    // Trusted: the registry's own answer (its 404 for the image) came back over TLS.
    const trusted = await pull({ NODE_EXTRA_CA_CERTS: reg.ca })
    t.is(JSON.parse(trusted.stdout).error.code, 'registry_not_found', trusted.stderr)
    t.notRegex(trusted.stderr, WARNING)
  } finally {
    reg.close()
  }
})

withOpenssl('Node reads NODE_EXTRA_CA_CERTS only for a TLS connection: a file it cannot load warns a pull, not a run', async (t) => {
  const env = { NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' }
  const run = tsc(makeDataRoot(), ['run', '--rm', '--network', 'none', '--rootfs', makeRootfs(), 'true'], '', env)
  t.is(run.code, 0, run.stderr)
  t.notRegex(run.stderr, WARNING)
  const reg = await tlsRegistry()
  try {
    const r = await pullFrom(reg.host, env)
    t.regex(r.stderr, WARNING)
    t.is(r.code, 125)
  } finally {
    reg.close()
  }
})
