/**
 * Files from http(s) URLs: the one fetcher of `ADD URL DEST` (with `--checksum=sha256:...`) and
 * of `import URL`. The server is hostile like any input: redirects are followed (at most 5), a
 * stall is an error, the download stops at a size limit (the caller's: what could be stored
 * anyway), and a failed download leaves no file. ADD then copies the file as any source, mode
 * 0600 unless --chmod says otherwise and its time the server's Last-Modified, as docker does.
 */
import {createHash} from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CliError, isCliError} from '../errors'
import {call} from '../image/native'
import type * as Http from '../image/registry/http'
import type {Source} from './copy'

/**
 * The HTTP client, loaded on first use: node:http and node:https (with TLS) cost 5 to 30 ms to
 * load, which every build would pay at its start, most of them fetching nothing.
 */
function http(): typeof Http {
  return require('../image/registry/http') as typeof Http
}

export function isUrl(word: string): boolean {
  return /^https?:\/\//i.test(word)
}

/** The name docker gives the file: the last segment of the URL's path. */
export function urlFileName(url: string): string {
  const name = path.posix.basename(new URL(url).pathname)
  return name === '' || name === '/' || name === '.' || name === '..' ? '__unnamed__' : name
}

/** `--checksum=sha256:<hex>`: the only algorithm docker takes for a URL. */
export function parseChecksum(value: string, line: number): string {
  if (!/^sha256:[0-9a-f]{64}$/.test(value))
    throw new CliError('build_dockerfile', `line ${line}: invalid checksum ${JSON.stringify(value)}: expected sha256:<64 hex digits>`)
  return value
}

export interface Downloaded {
  /** sha256:hex of the bytes. */
  digest: string
  size: number
  /** The server's Last-Modified, in ms since the epoch. */
  modified?: number
}

export interface DownloadOptions {
  /** The most bytes accepted, and what to say when a server sends more. */
  limit: {bytes: number; why: string}
  /** The error for a failure, from its reason ("the server answered 404 Not Found"). */
  fail: (why: string) => Error
  /** Called as bytes arrive; `total` is the server's Content-Length when it gave one. */
  progress?: (got: number, total: number | undefined) => void
  /** Stops the download (Ctrl-C): it fails through `fail` and leaves no file. */
  signal?: AbortSignal
}

/** Why a request failed, in words about this server (the HTTP client speaks of registries). */
function reason(e: unknown, host: string): string {
  if (isCliError(e) && e.code === 'registry_timeout') return `${host} stopped answering for ${Math.round(http().idleTimeout() / 1000)} s`
  if (isCliError(e) && e.code === 'registry_unreachable') return e.message
  return `the connection to ${host} failed: ${(e as Error).message}`
}

/** Downloads `url` into `file`, which must not exist; on any failure `file` is removed. */
export async function downloadUrl(url: string, file: string, opts: DownloadOptions): Promise<Downloaded> {
  const host = new URL(url).host
  const aborted = new Promise<never>((_, reject) => {
    if (opts.signal?.aborted) reject(new Error('aborted'))
    opts.signal?.addEventListener('abort', () => reject(new Error('aborted')), {once: true})
  })
  aborted.catch(() => undefined)
  let res: Http.Response
  try {
    res = await Promise.race([http().request({url}), aborted])
  } catch (e) {
    throw opts.fail(reason(e, host))
  }
  opts.signal?.addEventListener('abort', () => res.body.destroy(new Error('aborted')), {once: true})
  if (res.status < 200 || res.status > 299) {
    res.body.resume()
    throw opts.fail(`the server answered ${res.status} ${(require('node:http') as typeof import('node:http')).STATUS_CODES[res.status] ?? ''}`.trimEnd())
  }
  const length = Number(res.headers['content-length'])
  const total = Number.isFinite(length) && length >= 0 ? length : undefined
  if (total !== undefined && total > opts.limit.bytes) {
    res.body.destroy()
    throw opts.fail(`it is ${total} bytes, more than ${opts.limit.bytes}, ${opts.limit.why}`)
  }
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600)
  const hash = createHash('sha256')
  let size = 0
  try {
    try {
      for await (const chunk of res.body) {
        const b = chunk as Buffer
        size += b.length
        if (size > opts.limit.bytes) {
          res.body.destroy()
          throw opts.fail(`more than ${opts.limit.bytes} bytes, ${opts.limit.why}`)
        }
        hash.update(b)
        fs.writeSync(fd, b)
        opts.progress?.(size, total)
      }
    } catch (e) {
      if (e instanceof CliError && e.code !== 'registry_timeout') throw e
      // The body broke off (a reset, a closed connection, a stall): say how far it came.
      const of = total === undefined ? '' : ` of the ${total} announced`
      throw opts.fail(`${reason(e, host)}, after ${size} bytes${of}`)
    }
    if (total !== undefined && size !== total) throw opts.fail(`the server sent ${size} of the ${total} bytes it announced`)
  } catch (e) {
    fs.closeSync(fd)
    fs.rmSync(file, {force: true})
    throw e
  }
  fs.closeSync(fd)
  const modified = Date.parse(String(res.headers['last-modified'] ?? ''))
  return {digest: `sha256:${hash.digest('hex')}`, size, modified: Number.isFinite(modified) ? modified : undefined}
}

/**
 * ADD's download: `url` into `dir/<name>`, returned as a source. `checksum` (sha256:hex) must
 * match; the returned `digest` keys the build cache.
 */
export async function downloadSource(url: string, dir: string, checksum: string | undefined, line: number): Promise<Source & {digest: string}> {
  const fail = (why: string) => new CliError('build_context', `line ${line}: ADD ${url}: ${why}`)
  fs.mkdirSync(dir, {recursive: true, mode: 0o700})
  const file = path.join(dir, urlFileName(url))
  const limit = call((n) => n.layerMaxFileBytes())
  const got = await downloadUrl(url, file, {
    limit: {bytes: limit, why: 'the most one file of a layer may hold (TSC_BOX_LAYER_MAX_FILE_BYTES raises it)'},
    fail,
  })
  if (checksum !== undefined && checksum !== got.digest) throw fail(`the content's digest ${got.digest} is not the expected ${checksum}`)
  if (got.modified !== undefined) fs.utimesSync(file, got.modified / 1000, got.modified / 1000)
  return {host: file, rel: path.basename(file), stat: fs.lstatSync(file), digest: got.digest}
}
