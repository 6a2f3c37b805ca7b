/**
 * `logs` as an async iterator: the store's reader (crates/containers/src/logs.rs, through the
 * binding, as `tsc-box logs --json`) read again while the container runs. The binding's own
 * follow blocks its thread and writes to this process's stdout, which a library cannot have.
 */
import {containers} from '../container/store'
import {isActive, viewById} from '../lifecycle/state'
import type {Paths} from '../paths'
import {sdkError} from './errors'
import type {LogEntry} from './json'

const POLL_MS = 50

function read(paths: Paths, ref: string, o: {tail: string; since?: string}): LogEntry[] {
  return JSON.parse(containers(paths, (s) => s.logs(ref, {follow: false, tail: o.tail, since: o.since, timestamps: false}, true))) as LogEntry[]
}

/**
 * The entries after the ones already seen. Entries are in time order and a time repeats only
 * within a burst, so "after" is: a later time, or more entries with the last time seen than
 * were seen (a count kept across reads survives the log's rotation, which drops old entries).
 */
function after(entries: LogEntry[], last: {time: string; seen: number} | undefined): LogEntry[] {
  if (last === undefined) return entries
  let same = 0
  return entries.filter((e) => {
    if (e.time > last.time) return true
    if (e.time === last.time) return ++same > last.seen
    return false
  })
}

export async function* followLogs(
  paths: () => Paths,
  ref: string,
  o: {follow?: boolean; tail?: string; since?: string; timestamps?: boolean},
): AsyncIterableIterator<LogEntry> {
  try {
    const p = paths()
    const first = read(p, ref, {tail: o.tail ?? 'all', since: o.since})
    yield* first
    if (!o.follow) return
    const id = containers(p, (s) => s.resolve(ref)).id
    let last = first.length > 0 ? mark(first, undefined) : undefined
    for (;;) {
      const v = viewById(p.dataRoot, id, p.runDir)
      const running = v !== undefined && isActive(v)
      // Read after the look: whatever the container wrote before it ended is in this read.
      const fresh = after(read(p, id, {tail: 'all', since: o.since}), last)
      if (fresh.length > 0) last = mark(fresh, last)
      yield* fresh
      if (!running) return
      await new Promise((r) => setTimeout(r, POLL_MS))
    }
  } catch (e) {
    throw sdkError(e)
  }
}

/** The last time among `fresh` and how many entries with it have been seen in all. */
function mark(fresh: LogEntry[], before: {time: string; seen: number} | undefined): {time: string; seen: number} {
  const time = (fresh[fresh.length - 1] as LogEntry).time
  const inFresh = fresh.filter((e) => e.time === time).length
  return {time, seen: inFresh + (before !== undefined && before.time === time ? before.seen : 0)}
}
