/**
 * Transfer progress on stderr: one redrawn line per blob on a terminal, one line per finished
 * blob otherwise; nothing in quiet or --json mode.
 */
import {humanSize, shortDigest} from '../format'

export interface Progress {
  start(digest: string, size: number): (n: number) => void
  done(digest: string, skipped: boolean): void
  finish(): void
}

export function silentProgress(): Progress {
  return {start: () => () => undefined, done: () => undefined, finish: () => undefined}
}

export function stderrProgress(verb: string): Progress {
  const tty = Boolean(process.stderr.isTTY)
  const rows = new Map<string, {size: number; got: number; state: string}>()
  let drawn = 0
  let timer: NodeJS.Timeout | undefined
  const line = (d: string, r: {size: number; got: number; state: string}) => {
    const pct = r.size > 0 ? Math.min(100, Math.floor((r.got / r.size) * 100)) : 100
    const width = 30
    const bar = '='.repeat(Math.floor((pct / 100) * width)).padEnd(width, ' ')
    return `${verb} blob ${shortDigest(d)} [${bar}] ${humanSize(r.got)} / ${humanSize(r.size)} ${r.state}`
  }
  const draw = () => {
    if (!tty) return
    if (drawn > 0) process.stderr.write(`\x1b[${drawn}A`)
    for (const [d, r] of rows) process.stderr.write(`\x1b[2K${line(d, r)}\n`)
    drawn = rows.size
  }
  return {
    start(digest, size) {
      const row = {size, got: 0, state: ''}
      rows.set(digest, row)
      if (tty && !timer) timer = setInterval(draw, 100)
      return (n: number) => {
        row.got += n
      }
    },
    done(digest, skipped) {
      const row = rows.get(digest) ?? {size: 0, got: 0, state: ''}
      row.state = skipped ? 'already present' : 'done'
      if (!skipped) row.got = row.size
      rows.set(digest, row)
      if (!tty) process.stderr.write(`${line(digest, row)}\n`)
    },
    finish() {
      if (timer) clearInterval(timer)
      draw()
    },
  }
}
