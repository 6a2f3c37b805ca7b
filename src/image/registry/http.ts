/**
 * The HTTP client under the registry protocol: node:http/https (so that TLS verification can
 * be turned off when asked, which fetch cannot), manual redirects that never carry our
 * Authorization to another host, and an idle timeout so a stalled registry is an error.
 */
import * as http from 'node:http'
import * as https from 'node:https'
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

function once(req: Request): Promise<Response> {
  const url = new URL(req.url)
  const mod = url.protocol === 'https:' ? https : http
  return new Promise((resolve, reject) => {
    const r = mod.request(
      url,
      {method: req.method ?? 'GET', headers: req.headers, rejectUnauthorized: !req.insecure, timeout: req.idleMs ?? idleTimeout()},
      (res) => {
        res.setTimeout(req.idleMs ?? idleTimeout(), () => res.destroy(new CliError('registry_timeout', `the registry stopped sending data (${url.host})`)))
        resolve({status: res.statusCode ?? 0, headers: res.headers, url: req.url, body: res})
      },
    )
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
