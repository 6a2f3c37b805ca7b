/**
 * One repository on one registry, spoken to with the OCI distribution API: manifests, blob
 * existence, resumable blob downloads and monolithic uploads, with token or basic auth.
 * HTTPS is used, except that a registry on this machine is asked over plain HTTP first (and
 * over HTTPS when that is not the registry API answering), and that `--tls-verify=false` lets
 * plain HTTP be used when HTTPS is not answered.
 */
import * as fs from 'node:fs'
import type {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {CliError} from '../../errors'
import {basicHeader, credentialsFor, fetchToken, parseChallenge, type Credentials} from './auth'
import {blobDeadlineMs, blobPace, readBody, request, type Deadline, type Response} from './http'

export const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]

export interface ClientOptions {
  dataRoot: string
  /** undefined: verify, except that a registry on localhost may use plain HTTP. */
  tlsVerify?: boolean
  /** Credentials to use instead of the stored ones (login). */
  credentials?: Credentials
}

function isLocal(domain: string): boolean {
  const host = domain.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')
  return host === 'localhost' || host === '127.0.0.1' || host === '::1' || host.endsWith('.localhost')
}

/** docker.io is a name; its API lives elsewhere. */
function apiHost(domain: string): string {
  return domain === 'docker.io' ? 'registry-1.docker.io' : domain
}

interface Send {
  method?: string
  path: string
  headers?: Record<string, string>
  body?: () => Buffer | Readable
  push?: boolean
  /** A full URL (upload locations) instead of base + path. */
  url?: string
  deadline?: Deadline
}

export class RegistryClient {
  private base?: string
  private auth?: string
  private readonly insecure: boolean
  private readonly httpAllowed: boolean
  private readonly creds?: Credentials

  constructor(
    readonly domain: string,
    readonly repo: string,
    opts: ClientOptions,
  ) {
    this.insecure = opts.tlsVerify === false
    this.httpAllowed = opts.tlsVerify === false || isLocal(domain)
    this.creds = opts.credentials ?? credentialsFor(opts.dataRoot, domain)
  }

  /**
   * Picks https or (where allowed) http by asking /v2/ once. A registry on this machine is
   * asked over plain HTTP first (what local registries mostly speak, and what HTTPS would fall
   * back to anyway): only an answer of the registry API (200, or 401 asking for credentials)
   * keeps it; anything else (an HTTPS server's 400, a refused or reset connection) tries HTTPS.
   */
  async baseUrl(): Promise<string> {
    if (this.base) return this.base
    const host = apiHost(this.domain)
    const plain = isLocal(this.domain) ? await this.plainHttpAnswer(host) : undefined
    if (plain === 'registry') {
      this.base = `http://${host}`
      return this.base
    }
    try {
      const res = await request({url: `https://${host}/v2/`, insecure: this.insecure, idleMs: 10_000})
      res.body.resume()
      this.base = `https://${host}`
    } catch (e) {
      // A local server that did not speak plain HTTP at all: what HTTPS said (an untrusted
      // certificate, say) is the error worth showing.
      if (!this.httpAllowed || plain === 'none') throw e
      const res = await request({url: `http://${host}/v2/`})
      res.body.resume()
      this.base = `http://${host}`
    }
    return this.base
  }

  /** What plain HTTP to /v2/ gets: the registry API (200, 401), another HTTP answer, or none. */
  private async plainHttpAnswer(host: string): Promise<'registry' | 'http' | 'none'> {
    try {
      const res = await request({url: `http://${host}/v2/`, idleMs: 3_000})
      res.body.resume()
      return res.status === 200 || res.status === 401 ? 'registry' : 'http'
    } catch {
      return 'none'
    }
  }

  private scope(push: boolean): string {
    return `repository:${this.repo}:${push ? 'pull,push' : 'pull'}`
  }

  private async authorize(res: Response, push: boolean): Promise<boolean> {
    const ch = parseChallenge(res.headers['www-authenticate'] as string | undefined)
    if (!ch) return false
    if (ch.scheme === 'bearer') {
      const token = await fetchToken(ch, this.scope(push), this.creds, this.insecure, new URL(await this.baseUrl()))
      this.auth = `Bearer ${token}`
      return true
    }
    if (ch.scheme === 'basic' && this.creds) {
      const header = basicHeader(this.creds)
      if (this.auth === header) return false
      this.auth = header
      return true
    }
    return false
  }

  async send(s: Send): Promise<Response> {
    const url = s.url ?? (await this.baseUrl()) + s.path
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = {...s.headers}
      if (this.auth) headers.authorization = this.auth
      const res = await request({method: s.method, url, headers, body: s.body?.(), insecure: this.insecure, deadline: s.deadline})
      if ((res.status === 401 || (res.status === 403 && this.auth?.startsWith('Bearer'))) && attempt === 0) {
        res.body.resume()
        if (await this.authorize(res, Boolean(s.push))) continue
        const hint = this.creds ? ` and refused the credentials of ${this.creds.username}` : `: run 'tsc-box login ${this.domain}'`
        throw new CliError('registry_auth', `${this.domain} requires authentication${hint}`)
      }
      if (res.status === 401 || res.status === 403) {
        // An unread response keeps its keep-alive socket, and the process, alive.
        res.body.destroy()
        throw new CliError(
          'registry_auth',
          this.creds
            ? `${this.domain} refused the credentials of ${this.creds.username} (${res.status})`
            : `${this.domain} refused access to ${this.repo} (${res.status})`,
        )
      }
      return res
    }
  }

  async fail(res: Response, what: string): Promise<never> {
    let detail = ''
    try {
      const body = (await readBody(res, 64 << 10)).toString('utf8')
      const doc = JSON.parse(body) as {errors?: Array<{code?: string; message?: string}>}
      detail = doc.errors?.map((e) => `${e.code ?? ''} ${e.message ?? ''}`.trim()).join('; ') ?? ''
    } catch {
      // not a registry error document
    } finally {
      res.body.destroy()
    }
    const code = res.status === 404 ? 'registry_not_found' : res.status >= 500 ? 'registry_error' : 'registry_protocol'
    throw new CliError(code, `${what}: ${this.domain} answered ${res.status}${detail ? ` (${detail})` : ''}`)
  }

  /** Verifies the registry answers (and, with credentials, accepts them). */
  async ping(): Promise<void> {
    const res = await this.send({path: '/v2/'})
    if (res.status !== 200) await this.fail(res, 'checking the registry')
    res.body.resume()
  }

  async getManifest(ref: string): Promise<{bytes: Buffer; mediaType: string}> {
    const deadlineMs = blobDeadlineMs(8 << 20)
    const deadline = {at: Date.now() + deadlineMs, ms: deadlineMs, what: `the manifest ${this.repo}:${ref}`}
    const res = await this.send({path: `/v2/${this.repo}/manifests/${ref}`, headers: {accept: MANIFEST_TYPES.join(', ')}, deadline})
    if (res.status !== 200) await this.fail(res, `fetching the manifest ${this.repo}:${ref}`)
    const bytes = await readBody(res)
    const ct = String(res.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
    return {bytes, mediaType: ct}
  }

  /**
   * A small blob (an image config) read whole into memory, at most its announced `size`
   * (itself at most the 8 MiB a manifest or config may have), within one deadline.
   */
  async getBlob(digest: string, size: number): Promise<Buffer> {
    const deadlineMs = blobDeadlineMs(size)
    const deadline = {at: Date.now() + deadlineMs, ms: deadlineMs, what: `the download of blob ${digest} (${size} bytes)`}
    const res = await this.send({path: `/v2/${this.repo}/blobs/${digest}`, deadline})
    if (res.status !== 200) await this.fail(res, `fetching blob ${digest}`)
    try {
      return await readBody(res, size)
    } catch (e) {
      if (e instanceof CliError && e.code === 'registry_protocol')
        throw new CliError('blob_mismatch', `the registry sent more than the ${size} bytes announced for blob ${digest}`)
      throw e
    }
  }

  async hasBlob(digest: string): Promise<boolean> {
    const res = await this.send({method: 'HEAD', path: `/v2/${this.repo}/blobs/${digest}`})
    res.body.resume()
    if (res.status === 200) return true
    if (res.status === 404) return false
    return this.fail(res, `checking blob ${digest}`)
  }

  /**
   * Downloads a blob to `file`, continuing a previous partial download with a Range request.
   * `onBytes` sees every chunk's length (progress).
   */
  async downloadBlob(digest: string, size: number, file: string, onBytes: (n: number) => void, signal?: AbortSignal): Promise<void> {
    let have = 0
    try {
      have = fs.statSync(file).size
    } catch {
      // fresh download
    }
    if (have > size) {
      fs.rmSync(file)
      have = 0
    }
    if (have === size) {
      onBytes(have)
      return
    }
    if (signal?.aborted) throw new CliError('registry_interrupted', `the download of blob ${digest} was stopped`)
    const headers: Record<string, string> = have > 0 ? {range: `bytes=${have}-`} : {}
    // A registry that drips bytes just fast enough to beat the idle timeout would hold the
    // pull forever: the whole transfer has a deadline that grows with what is left of it
    // (base + bytes / minimum rate). As the announced size is the registry's word too, the
    // same allowance is also checked as the bytes come: past the base, at least the minimum
    // rate on average, so a drip is caught within one idle timeout whatever size it claims.
    const deadlineMs = blobDeadlineMs(size - have)
    const pace = blobPace()
    const started = Date.now()
    const res = await this.send({
      path: `/v2/${this.repo}/blobs/${digest}`,
      headers,
      deadline: {at: Date.now() + deadlineMs, what: `the download of blob ${digest} (${size - have} bytes)`, ms: deadlineMs},
    })
    // A registry that ignores Range sends everything: the bytes we have are skipped, not
    // rewritten (a reader may be following the file).
    let skip = res.status === 200 ? have : 0
    if (res.status !== 200 && res.status !== 206) await this.fail(res, `fetching blob ${digest}`)
    onBytes(have)
    let written = have
    // Never a byte beyond the announced size: once `size` bytes are there, the store may
    // already have verified the file and moved it in.
    const rest = async function* (body: AsyncIterable<Buffer>) {
      for await (const chunk of body) {
        if (skip >= chunk.length) {
          skip -= chunk.length
          continue
        }
        const part = skip > 0 ? chunk.subarray(skip) : chunk
        skip = 0
        if (written + part.length > size) throw new CliError('blob_mismatch', `the registry sent more than the ${size} bytes announced for blob ${digest}`)
        written += part.length
        onBytes(part.length)
        const elapsed = Date.now() - started
        if (elapsed > pace.baseMs && written - have < ((elapsed - pace.baseMs) / 1000) * pace.rate)
          throw new CliError(
            'registry_timeout',
            `blob ${digest} arrives too slowly: ${written - have} bytes in ${Math.round(elapsed / 1000)} s, below the minimum average of ${pace.rate} bytes/s after the first ${Math.round(pace.baseMs / 1000)} s (all ${size - have} bytes were due within ${Math.round(deadlineMs / 1000)} s; TSC_BOX_REGISTRY_MIN_RATE and TSC_BOX_REGISTRY_DEADLINE_BASE_MS set the allowance); run the pull again to resume it`,
          )
        yield part
      }
    }
    try {
      await pipeline(res.body, rest, fs.createWriteStream(file, {flags: 'a', mode: 0o600}), ...(signal ? [{signal}] : []))
    } catch (e) {
      if (e instanceof CliError) throw e
      if (signal?.aborted) throw new CliError('registry_interrupted', `the download of blob ${digest} was stopped`)
      throw new CliError('registry_interrupted', `the download of blob ${digest} was interrupted (${(e as Error).message}); run the pull again to resume it`)
    }
    if (written !== size) throw new CliError('registry_interrupted', `blob ${digest} ended after ${written} of ${size} bytes; run the pull again to resume it`)
  }

  async uploadBlob(digest: string, size: number, file: string): Promise<void> {
    const start = await this.send({
      method: 'POST',
      path: `/v2/${this.repo}/blobs/uploads/`,
      push: true,
      headers: {'content-length': '0'},
      body: () => Buffer.alloc(0),
    })
    if (start.status !== 202) await this.fail(start, `starting the upload of ${digest}`)
    start.body.resume()
    const location = start.headers.location
    if (!location) throw new CliError('registry_protocol', 'the registry started an upload without a Location')
    const url = new URL(location, await this.baseUrl())
    url.searchParams.set('digest', digest)
    const res = await this.send({
      method: 'PUT',
      url: url.toString(),
      path: '',
      push: true,
      headers: {'content-type': 'application/octet-stream', 'content-length': String(size)},
      body: () => fs.createReadStream(file),
    })
    if (res.status !== 201) await this.fail(res, `uploading blob ${digest}`)
    res.body.resume()
  }

  async putManifest(ref: string, bytes: Buffer, mediaType: string): Promise<void> {
    const res = await this.send({
      method: 'PUT',
      path: `/v2/${this.repo}/manifests/${ref}`,
      push: true,
      headers: {'content-type': mediaType, 'content-length': String(bytes.length)},
      body: () => bytes,
    })
    if (res.status !== 201) await this.fail(res, `pushing the manifest ${this.repo}:${ref}`)
    res.body.resume()
  }
}
