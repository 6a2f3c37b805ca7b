/**
 * The archive `import FILE|URL|- [REF]` reads: a file as it is, standard input or an http(s)
 * URL copied into the import's own temporary directory (removed by the import, whatever
 * happens). A URL is fetched by the one fetcher (fetch-url.ts, ADD's too) with a size limit
 * (what one layer may unpack to: TSC_BOX_LAYER_MAX_BYTES), redirects, docker's error for a
 * failed GET, and on a terminal the download's progress on stderr as docker shows it.
 * Ctrl-C during the download stops it and leaves nothing.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {pipeline} from 'node:stream/promises'
import {CliError} from '../errors'
import {humanSize} from '../image/format'
import {call} from '../image/native'
import {downloadUrl} from './fetch-url'

/** What an import records as its source's name is the argument itself (docker's history). */
export async function importArchive(source: string, tmp: string, opts: {json: boolean}): Promise<string> {
  if (source === '-') {
    const file = path.join(tmp, 'stdin.tar')
    await pipeline(process.stdin, fs.createWriteStream(file, {mode: 0o600}))
    return file
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(source)?.[1]
  if (scheme === undefined) {
    if (!fs.statSync(source, {throwIfNoEntry: false})?.isFile()) throw new CliError('invalid_usage', `${source}: no such file`)
    return source
  }
  if (!/^https?$/i.test(scheme)) throw new CliError('invalid_usage', `${source}: only http and https URLs can be imported`)
  return fetchArchive(source, path.join(tmp, 'download'), !opts.json && Boolean(process.stderr.isTTY))
}

async function fetchArchive(url: string, file: string, terminal: boolean): Promise<string> {
  let interrupted = false
  const abort = new AbortController()
  const onSignal = () => {
    interrupted = true
    abort.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const bar = terminal ? progressBar(url) : undefined
  try {
    await downloadUrl(url, file, {
      limit: {bytes: call((n) => n.archiveMaxDownloadBytes()), why: 'the most one layer may unpack to (TSC_BOX_LAYER_MAX_BYTES raises it)'},
      fail: (why) => new CliError('download_failed', `failed to GET ${url}: ${interrupted ? 'interrupted' : why}`, interrupted ? 130 : undefined),
      progress: bar?.update,
      signal: abort.signal,
    })
  } finally {
    bar?.end()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  return file
}

/** docker's download line on a terminal: `[=====>     ]  1.2MB/4.2MB`, redrawn in place. */
function progressBar(url: string): {update: (got: number, total: number | undefined) => void; end: () => void} {
  const width = 50
  let last = 0
  let shown = ''
  const line = (got: number, total: number | undefined) => {
    if (total === undefined || total === 0) return `  ${humanSize(got)}`
    const filled = Math.min(width, Math.floor((got / total) * width))
    const bar = filled >= width ? '='.repeat(width) : `${'='.repeat(filled)}>${' '.repeat(width - filled - 1)}`
    return `[${bar}]  ${humanSize(got)}/${humanSize(total)}`
  }
  process.stderr.write(`Downloading from ${url}\n`)
  return {
    update(got, total) {
      const now = Date.now()
      if (now - last < 100 && got !== total) return
      last = now
      shown = line(got, total)
      process.stderr.write(`\r\x1b[2K${shown}`)
    },
    end() {
      if (shown !== '') process.stderr.write('\n')
    },
  }
}
