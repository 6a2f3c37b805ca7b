/**
 * The HTTP client under the registry protocol: node:http/https (so that TLS verification can
 * be turned off when asked, which fetch cannot), manual redirects that never carry our
 * Authorization to another host, and an idle timeout so a stalled registry is an error.
 */
import * as http from 'node:http'
import type {Readable} from 'node:stream'
import {CliError} from '../../errors'

export interface Request {
  method?: string
  url: string
  headers?: Record<string, string>
  body?: Buffer | Readable
  /** Skip TLS certificate verification. */
  insecure?: boolean
  /** Milliseconds without any byte before the request fails. */
  idleMs?: number
  /** When the whole exchange, body included, must be over (redirects included). */
  deadline?: Deadline
}

export interface Deadline {
  /** Date.now() value. */
  at: number
  /** What is given that time, for the error: "the download of blob sha256:...". */
  what: string
  /** The allowance, for the error. */
  ms: number
}

export interface Response {
  status: number
  headers: http.IncomingHttpHeaders
  url: string
  body: http.IncomingMessage
}

export function idleTimeout(): number {
  const v = Number(process.env.TSC_BOX_REGISTRY_TIMEOUT_MS)
  return Number.isFinite(v) && v > 0 ? v : 30_000
}

function envNumber(name: string, fallback: number): number {
  const v = Number(process.env[name])
  return process.env[name] !== undefined && process.env[name] !== '' && Number.isFinite(v) && v > 0 ? v : fallback
}

/**
 * How long a blob of `bytes` may take in all: a base for the round trips and the registry's
 * own latency, plus the time the bytes take at a slow minimum rate. The defaults (5 minutes,
 * 32 KiB/s: 1 GiB gets some 9 hours) stay far from any working connection; a download that
 * still misses them is kept and resumed by the next pull.
 */
export function blobDeadlineMs(bytes: number): number {
  const {baseMs, rate} = blobPace()
  return Math.ceil(baseMs + (Math.max(0, bytes) / rate) * 1000)
}

/** The allowance behind blobDeadlineMs: a grace period, then a minimum average rate. */
export function blobPace(): {baseMs: number; rate: number} {
  return {baseMs: envNumber('TSC_BOX_REGISTRY_DEADLINE_BASE_MS', 300_000), rate: envNumber('TSC_BOX_REGISTRY_MIN_RATE', 32 << 10)}
}

/**
 * A timer for `at`, unref'd (a request that ended keeps no process alive). setTimeout takes
 * at most 2^31-1 ms (a longer delay fires at once): a deadline further away (a blob of
 * some 70 GB at the minimum rate) gets no timer, the rate checked as its bytes come is enough.
 */
function timerAt(at: number, fire: () => void): NodeJS.Timeout | undefined {
  const ms = Math.max(0, at - Date.now())
  if (ms > 2 ** 31 - 1) return undefined
  const t = setTimeout(fire, ms)
  t.unref()
  return t
}

let extraCa: {file: string; context: import('node:tls').SecureContext | undefined} | undefined

/**
 * The trust of TLS connections when bin/run.js moved NODE_EXTRA_CA_CERTS aside (to
 * TSC_BOX_EXTRA_CA_CERTS) so that Node would not load it at every start: Node's own roots and
 * that file's certificates, made once, on the first connection. Undefined means Node's
 * default (no extra file, or Node loaded it itself: the SDK in a user's process).
 */
function secureContext(): import('node:tls').SecureContext | undefined {
  const file = process.env.TSC_BOX_EXTRA_CA_CERTS
  if (!file || process.env.NODE_EXTRA_CA_CERTS) return undefined
  if (extraCa?.file === file) return extraCa.context
  const tls = require('node:tls') as typeof import('node:tls')
  let context: import('node:tls').SecureContext | undefined
  try {
    context = tls.createSecureContext({ca: [...tls.rootCertificates, require('node:fs').readFileSync(file, 'utf8') as string]})
  } catch (e) {
    // What Node says and does when it cannot load the file: a warning, and its own roots.
    process.stderr.write(`Warning: Ignoring extra certs from \`${file}\`, load failed: ${(e as Error).message}\n`)
  }
  extraCa = {file, context}
  return context
}

function once(req: Request): Promise<Response> {
  const url = new URL(req.url)
  // node:https (and node:tls under it) is loaded only for an https URL: a pull from a registry
  // on this machine over plain HTTP does without their ~10 ms of loading.
  const mod = url.protocol === 'https:' ? (require('node:https') as typeof import('node:https')) : http
  const tlsContext = url.protocol === 'https:' ? secureContext() : undefined
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined
    const late = () =>
      new CliError(
        'registry_timeout',
        `${req.deadline?.what} did not finish within ${Math.round((req.deadline?.ms ?? 0) / 1000)} s (${url.host} sends too slowly; TSC_BOX_REGISTRY_MIN_RATE and TSC_BOX_REGISTRY_DEADLINE_BASE_MS set the allowance); run the pull again to resume it`,
      )
    const r = mod.request(
      url,
      {
        method: req.method ?? 'GET',
        headers: req.headers,
        rejectUnauthorized: !req.insecure,
        timeout: req.idleMs ?? idleTimeout(),
        ...(tlsContext ? {secureContext: tlsContext} : {}),
      },
      (res) => {
        res.setTimeout(req.idleMs ?? idleTimeout(), () => res.destroy(new CliError('registry_timeout', `the registry stopped sending data (${url.host})`)))
        if (req.deadline) {
          // From now on the deadline ends the body; the timer goes with it.
          clearTimeout(timer)
          const t = timerAt(req.deadline.at, () => res.destroy(late()))
          res.on('close', () => clearTimeout(t))
        }
        resolve({status: res.statusCode ?? 0, headers: res.headers, url: req.url, body: res})
      },
    )
    if (req.deadline) {
      // Until the response starts.
      timer = timerAt(req.deadline.at, () => r.destroy(late()))
      r.on('error', () => clearTimeout(timer))
    }
    r.on('timeout', () => r.destroy(new CliError('registry_timeout', `the registry did not answer in time (${url.host})`)))
    r.on('error', (e) => reject(e instanceof CliError ? e : new CliError('registry_unreachable', `cannot reach ${url.host}: ${(e as Error).message}`)))
    if (req.body === undefined) r.end()
    else if (Buffer.isBuffer(req.body)) r.end(req.body)
    else {
      req.body.on('error', (e) => r.destroy(e))
      req.body.pipe(r)
    }
  })
}

/** Performs the request, following up to 5 redirects (GET/HEAD only). */
export async function request(req: Request): Promise<Response> {
  let current = req
  for (let hop = 0; ; hop++) {
    const res = await once(current)
    if (![301, 302, 303, 307, 308].includes(res.status) || !res.headers.location || hop >= 5) return res
    const method = current.method ?? 'GET'
    if (method !== 'GET' && method !== 'HEAD') return res
    res.body.resume()
    const next = new URL(res.headers.location, current.url)
    const headers = {...current.headers}
    // Blob redirects go to storage hosts: our credentials are for the registry only.
    if (next.host !== new URL(current.url).host) delete headers.authorization
    current = {...current, url: next.toString(), headers}
  }
}

export async function readBody(res: Response, limit = 8 << 20): Promise<Buffer> {
  const chunks: Buffer[] = []
  let n = 0
  for await (const c of res.body) {
    n += (c as Buffer).length
    if (n > limit) {
      res.body.destroy()
      throw new CliError('registry_protocol', `the registry sent more than ${limit} bytes for ${res.url}`)
    }
    chunks.push(c as Buffer)
  }
  return Buffer.concat(chunks)
}
