/**
 * Reads the runtime's JSON log (--log-format json) to tell a failure of the runtime (and which
 * kind) from the container's own exit status.
 */
import {EXIT_ENGINE, runtimeCode, type RuntimeKind} from '../errors'
import {EXIT_STATUS, RUNTIME_KINDS} from '../generated/error-codes'

export interface RuntimeErrorLine {
  kind: RuntimeKind
  msg: string
}

export interface RuntimeExitLine {
  status: number
  oomKilled: boolean
}

export interface RuntimeLog {
  /** The first error line: the root cause; later ones are usually consequences. */
  error?: RuntimeErrorLine
  exit?: RuntimeExitLine
}

export function parseRuntimeLog(text: string): RuntimeLog {
  const out: RuntimeLog = {}
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    let v: unknown
    try {
      v = JSON.parse(line)
    } catch {
      continue // a text line (e.g. a panic message) carries no kind
    }
    if (typeof v !== 'object' || v === null) continue
    const o = v as Record<string, unknown>
    if (o.level === 'error' && !out.error) out.error = {kind: runtimeKind(o.kind), msg: typeof o.msg === 'string' ? o.msg : 'runtime failed'}
    else if (o.kind === 'exit' && typeof o.status === 'number') out.exit = {status: o.status, oomKilled: o.oomKilled === true}
  }
  return out
}

/** A kind this CLI does not know (another runtime's, or none) is an internal failure. */
function runtimeKind(v: unknown): RuntimeKind {
  return RUNTIME_KINDS.find((k) => k === v) ?? 'internal'
}

/** docker's statuses for a failure to start the command, by the runtime's error kind (the Rust table, generated). */
export function exitCodeForKind(kind: RuntimeKind): number {
  return EXIT_STATUS[runtimeCode(kind)]
}

export interface ProcessStatus {
  exitCode: number | null
  signal: number | null
}

export type RunOutcome =
  | {kind: 'exited'; exitCode: number; oomKilled: boolean}
  | {kind: 'failed'; exitCode: number; errorKind: RuntimeKind; message: string; fromLog: boolean}

/**
 * Decides what `tsc-box run` reports from the runtime's log and its process status. An error
 * line means the container never ran its command (or the runtime broke): that is the
 * runtime's failure, not the app's status.
 */
export function runOutcome(log: RuntimeLog, status: ProcessStatus): RunOutcome {
  if (log.error) {
    return {kind: 'failed', exitCode: exitCodeForKind(log.error.kind), errorKind: log.error.kind, message: log.error.msg, fromLog: true}
  }
  if (log.exit) return {kind: 'exited', exitCode: log.exit.status, oomKilled: log.exit.oomKilled}
  if (status.signal !== null) {
    return {kind: 'failed', exitCode: EXIT_ENGINE, errorKind: 'internal', message: `the runtime was killed by signal ${status.signal}`, fromLog: false}
  }
  // No log line at all: trust the runtime's status, which is the container's (128+N on signal).
  return {kind: 'exited', exitCode: status.exitCode ?? EXIT_ENGINE, oomKilled: false}
}
