/**
 * Human output in docker's style (sizes in powers of 1000, ages in words, plain tables) for the
 * commands that still compose their output in TypeScript: the one implementation is Rust's
 * (crates/format), which ps, images, inspect and logs use at the native front door too.
 */
import {native} from '../native'

export function humanSize(bytes: number): string {
  return native().formatHumanSize(bytes)
}

export function timeAgo(iso: string | null | undefined, now = Date.now()): string {
  return native().formatTimeAgo(iso ?? null, now)
}

export function shortDigest(d: string): string {
  return d.replace(/^sha256:/, '').slice(0, 12)
}

export function table(header: string[], rows: string[][]): string {
  return native().formatTable(header, rows)
}
