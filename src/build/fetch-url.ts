/**
 * `ADD URL DEST` (with `--checksum=sha256:...`): the file a URL names, downloaded into the
 * build's temp area and then copied as any source, mode 0600 unless --chmod says otherwise
 * and its time the server's Last-Modified, as docker does. The server is hostile like any
 * input: redirects are followed (at most 5), a stall is an error, and the download stops at
 * the size one file of a layer may have, since the file could never be stored anyway.
 */
import {createHash} from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CliError} from '../errors'
import {call} from '../image/native'
import {request} from '../image/registry/http'
import type {Source} from './copy'

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

/**
 * Downloads `url` into `dir/<name>` and returns it as a source. `checksum` (sha256:hex) must
 * match; the returned `digest` keys the build cache.
 */
export async function downloadSource(url: string, dir: string, checksum: string | undefined, line: number): Promise<Source & {digest: string}> {
  const fail = (why: string) => new CliError('build_context', `line ${line}: ADD ${url}: ${why}`)
  const res = await request({url}).catch((e: Error) => {
    throw fail(e.message)
  })
  if (res.status < 200 || res.status > 299) {
    res.body.resume()
    throw fail(`the server answered ${res.status}`)
  }
  const limit = call((n) => n.layerMaxFileBytes())
  fs.mkdirSync(dir, {recursive: true, mode: 0o700})
  const file = path.join(dir, urlFileName(url))
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600)
  const hash = createHash('sha256')
  let size = 0
  try {
    for await (const chunk of res.body) {
      const b = chunk as Buffer
      size += b.length
      if (size > limit) {
        res.body.destroy()
        throw fail(`more than ${limit} bytes, the most one file of a layer may hold (TSC_BOX_LAYER_MAX_FILE_BYTES raises it)`)
      }
      hash.update(b)
      fs.writeSync(fd, b)
    }
  } finally {
    fs.closeSync(fd)
  }
  const digest = `sha256:${hash.digest('hex')}`
  if (checksum !== undefined && checksum !== digest) throw fail(`the content's digest ${digest} is not the expected ${checksum}`)
  const modified = Date.parse(String(res.headers['last-modified'] ?? ''))
  if (Number.isFinite(modified)) fs.utimesSync(file, modified / 1000, modified / 1000)
  return {host: file, rel: path.basename(file), stat: fs.lstatSync(file), digest}
}
