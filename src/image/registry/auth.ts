/**
 * Registry credentials and challenges: `tsc-box login` stores user:password per registry in
 * <data root>/auth.json (0600); a 401 with `WWW-Authenticate: Bearer realm=...` is answered
 * with a token from the realm (with those credentials if any), `Basic` with the credentials.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CliError} from '../../errors'
import {blobDeadlineMs, readBody, request} from './http'

export interface Credentials {
  username: string
  password: string
}

interface AuthFile {
  auths: Record<string, {auth: string}>
}

export function authFile(dataRoot: string): string {
  return path.join(dataRoot, 'auth.json')
}

function readAuth(dataRoot: string): AuthFile {
  try {
    const doc = JSON.parse(fs.readFileSync(authFile(dataRoot), 'utf8')) as AuthFile
    return doc && typeof doc.auths === 'object' ? doc : {auths: {}}
  } catch {
    return {auths: {}}
  }
}

export function credentialsFor(dataRoot: string, registry: string): Credentials | undefined {
  const entry = readAuth(dataRoot).auths[registry]
  if (!entry) return undefined
  const decoded = Buffer.from(entry.auth, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon === -1) return undefined
  return {username: decoded.slice(0, colon), password: decoded.slice(colon + 1)}
}

export function storeCredentials(dataRoot: string, registry: string, c: Credentials | undefined): void {
  const doc = readAuth(dataRoot)
  if (c) doc.auths[registry] = {auth: Buffer.from(`${c.username}:${c.password}`).toString('base64')}
  else delete doc.auths[registry]
  fs.mkdirSync(dataRoot, {recursive: true, mode: 0o700})
  const tmp = `${authFile(dataRoot)}.tmp`
  fs.writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`, {mode: 0o600})
  fs.chmodSync(tmp, 0o600)
  fs.renameSync(tmp, authFile(dataRoot))
}

export interface Challenge {
  scheme: string
  params: Record<string, string>
}

/** Parses `Bearer realm="...",service="...",scope="..."` (quoted values may hold commas). */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header)
  if (!m) return undefined
  const params: Record<string, string> = {}
  const re = /(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?\s*/g
  for (const p of m[2].matchAll(re)) params[p[1].toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1')
  return {scheme: m[1].toLowerCase(), params}
}

export function basicHeader(c: Credentials): string {
  const token = Buffer.from(`${c.username}:${c.password}`).toString('base64')
  return `Basic ${token}`
}

/**
 * Whether the registry's stored credentials may go to the token service at `realm`. The
 * realm is named by whoever answers the registry's address, and over plain HTTP that can be
 * anyone on the path. containerd's authorizer hands the registry's credentials to any realm
 * (its only host rule, since CVE-2020-15157, is that credentials are looked up for the host a
 * request goes to); docker's distribution client does the same. We are stricter: they go to
 * an HTTPS realm (any host: Docker Hub's is auth.docker.io), and to a plain-HTTP realm only
 * on the very host of a registry that is itself spoken to without TLS (plain HTTP or
 * --tls-verify=false), which already receives them in the clear. Elsewhere the token is asked
 * for anonymously.
 */
export function mayReceiveCredentials(realm: URL, registry: URL, insecure: boolean): boolean {
  if (realm.protocol === 'https:') return true
  if (realm.protocol !== 'http:') return false
  const plainRegistry = registry.protocol === 'http:' || insecure
  return plainRegistry && realm.hostname === registry.hostname
}

/** Fetches a bearer token for `scope` from the challenge's realm. */
export async function fetchToken(ch: Challenge, scope: string | undefined, creds: Credentials | undefined, insecure: boolean, registry: URL): Promise<string> {
  const realm = ch.params.realm
  if (!realm) throw new CliError('registry_auth', 'the registry asked for a token without naming where to get it (no realm)')
  let url: URL
  try {
    url = new URL(realm)
  } catch {
    throw new CliError('registry_auth', `the registry named a token service that is not a URL (realm ${JSON.stringify(realm)})`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new CliError('registry_auth', `the registry named a token service that is not HTTP(S) (realm ${realm})`)
  if (ch.params.service) url.searchParams.set('service', ch.params.service)
  const s = scope ?? ch.params.scope
  if (s) url.searchParams.set('scope', s)
  const headers: Record<string, string> = {}
  const withheld = creds !== undefined && !mayReceiveCredentials(url, registry, insecure)
  if (creds && !withheld) headers.authorization = basicHeader(creds)
  const deadlineMs = blobDeadlineMs(1 << 20)
  const res = await request({
    url: url.toString(),
    headers,
    insecure,
    deadline: {at: Date.now() + deadlineMs, ms: deadlineMs, what: `the token request to ${url.host}`},
  })
  const body = await readBody(res, 1 << 20)
  if (res.status === 401 || res.status === 403) {
    if (withheld)
      throw new CliError(
        'registry_auth',
        `the token service refused anonymous access (${res.status}); the credentials of ${creds.username} were not sent to it because it is plain HTTP on ${url.hostname}, another host than the registry ${registry.host}`,
      )
    throw new CliError('registry_auth', `the token service refused ${creds ? `the credentials of ${creds.username}` : 'anonymous access'} (${res.status})`)
  }
  if (res.status !== 200) throw new CliError('registry_auth', `the token service answered ${res.status}`)
  let doc: {token?: string; access_token?: string}
  try {
    doc = JSON.parse(body.toString('utf8'))
  } catch {
    throw new CliError('registry_auth', 'the token service sent something that is not JSON')
  }
  const token = doc.token ?? doc.access_token
  if (typeof token !== 'string' || token === '') throw new CliError('registry_auth', 'the token service sent no token')
  return token
}
