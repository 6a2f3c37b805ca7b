/**
 * `logs` from Node: the Rust store reads, filters, follows and writes the container's log
 * (crates/containers/src/logs.rs), as the native front door does.
 */
import {containers} from '../container/store'
import type {Paths} from '../paths'

export interface LogEntry {
  time: string
  stream: 'stdout' | 'stderr'
  log: string
}

export interface LogsFlags {
  follow?: boolean
  tail?: string
  since?: string
  timestamps?: boolean
}

/** Writes the log of `ref` (unless `json`) and returns the entries read before following. */
export function logsCommand(ref: string, flags: LogsFlags, paths: Paths, json: boolean): LogEntry[] {
  const options = {follow: flags.follow === true, tail: flags.tail ?? 'all', since: flags.since, timestamps: flags.timestamps === true}
  return JSON.parse(containers(paths, (s) => s.logs(ref, options, json))) as LogEntry[]
}
