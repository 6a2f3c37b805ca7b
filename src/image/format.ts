/**
 * Human output in docker's style (sizes in powers of 1000, ages in words, plain tables) for the
 * commands that still compose their output in TypeScript: the one implementation is Rust's
 * (crates/format), which ps, images, inspect and logs use at the native front door too.
 */
import {fromNative} from '../errors'
import {native} from '../native'

/** A binding call whose failure (invalid_format, invalid_filter) keeps its code. */
function coded<T>(f: () => T): T {
  try {
    return f()
  } catch (e) {
    throw fromNative(e)
  }
}

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

/**
 * A `--format` value over the items of a list composed here (history, stats): null for the
 * command's own table, else the text (crates/format: docker's Go templates and `table`).
 * `titles` names each field's column for `table TEMPLATE`.
 */
export function formatItems(format: string | undefined, items: object[], titles: Record<string, string>): string | null {
  if (format === undefined) return null
  return coded(() => native().formatItems(format, JSON.stringify(items), JSON.stringify(titles)) ?? null)
}

/** Which of `candidates` a prune's --filter (until=, label=, label!=) lets go. */
export function pruneFilter(filters: string[] | undefined, candidates: Array<{created?: string | null; labels: Record<string, string>}>): boolean[] {
  if (!filters || filters.length === 0) return candidates.map(() => true)
  return coded(() =>
    native().pruneFilter(
      filters,
      candidates.map((c) => ({created: c.created ?? undefined, labels: c.labels})),
    ),
  )
}
