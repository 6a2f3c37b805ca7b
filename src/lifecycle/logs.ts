/**
 * Reading a container's log (CRI lines written by the monitor): pieces of one line (P) are
 * joined, streams kept apart, filtered by time and count.
 */
import * as fs from 'node:fs'
import {CliError} from '../errors'

export interface LogEntry {
  time: string
  stream: 'stdout' | 'stderr'
  log: string
}

/** Parses complete CRI lines; a trailing P piece waits in `pending` for its continuation. */
export class LogParser {
  private pending: Partial<Record<'stdout' | 'stderr', {time: string; text: string}>> = {}

  push(text: string): LogEntry[] {
    const out: LogEntry[] = []
    for (const line of text.split('\n')) {
      const m = /^(\S+) (stdout|stderr) ([FP]) (.*)$/s.exec(line)
      if (!m) continue
      const [, time, stream, tag, body] = m as unknown as [string, string, 'stdout' | 'stderr', string, string]
      const prev = this.pending[stream]
      const joined = (prev?.text ?? '') + body
      if (tag === 'P') {
        this.pending[stream] = {time: prev?.time ?? time, text: joined}
        continue
      }
      delete this.pending[stream]
      out.push({time: prev?.time ?? time, stream, log: `${joined}\n`})
    }
    return out
  }

  /** Output that never got its newline (the container ended). */
  flush(): LogEntry[] {
    const out: LogEntry[] = []
    for (const stream of ['stdout', 'stderr'] as const) {
      const p = this.pending[stream]
      if (p) out.push({time: p.time, stream, log: p.text})
    }
    this.pending = {}
    return out
  }
}

/** --since: RFC 3339, Unix seconds, or a duration before now (10m, 1h30m, 45s). */
export function parseSince(s: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000
  const dur = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(s)
  if (dur && s !== '') return now - ((Number(dur[1] ?? 0) * 60 + Number(dur[2] ?? 0)) * 60 + Number(dur[3] ?? 0)) * 1000
  const t = Date.parse(s)
  if (Number.isNaN(t)) throw new CliError('invalid_since', `invalid --since "${s}": use a time (2024-01-02T15:04:05Z), Unix seconds or a duration such as 10m`)
  return t
}

export function readFileOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}
