import { serialIf } from './helpers/conditional'
import { hasOpenssl, startTlsRegistry } from './helpers/tls-registry'
import { collect, makeDataRoot, tsc, tscSpawn } from './helpers/cli'
import { makeRootfs } from './helpers/rootfs'

const withOpenssl = serialIf(hasOpenssl, 'needs openssl')
const WARNING = /Ignoring extra certs from/

/** `pull --json HOST/x:1` in a child (this process serves the registry meanwhile). */
function pullFrom(host: string, env: NodeJS.ProcessEnv) {
  const root = makeDataRoot()
  return collect(tscSpawn(root, ['pull', '--json', `${host}/x:1`], { env: { ...process.env, TSC_BOX_ROOT: root, ...env } }))
}

withOpenssl('a registry signed by the CA of NODE_EXTRA_CA_CERTS is trusted, and refused without it', async (t) => {
  const reg = await startTlsRegistry()
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
  const reg = await startTlsRegistry()
  try {
    const r = await pullFrom(reg.host, env)
    t.regex(r.stderr, WARNING)
    t.is(r.code, 125)
  } finally {
    reg.close()
  }
})
