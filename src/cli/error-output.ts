/**
 * The one place where a failure becomes what the user sees: an exit status, a message on
 * stderr, or under `--json` an object {"error":{"code","message"}} on stdout.
 */
import {EXIT_ENGINE, type ErrorCode, isCliError} from '../errors'

export interface ErrorReport {
  /** 'exit' is no error: oclif asking to exit with a status (reportError writes nothing). */
  code: ErrorCode | 'exit'
  message: string
  exitCode: number
  /** Already on stderr (printed by the runtime): JSON output only. */
  shown?: boolean
}

interface OclifLikeError {
  message: string
  oclif?: {exit?: number}
  code?: string
  parse?: unknown
}

/** Maps anything thrown to its stable code and docker exit status. */
export function toErrorReport(err: unknown): ErrorReport {
  if (isCliError(err)) {
    const r: ErrorReport = {code: err.code, message: err.message, exitCode: err.exitCode}
    if (err.shown) r.shown = true
    return r
  }
  if (err instanceof Error) {
    const e = err as OclifLikeError
    // oclif's own parse errors (unknown flag, bad value, missing arg) are bad input: docker's 125.
    if (e.parse !== undefined) return {code: 'invalid_usage', message: stripOclifHint(e.message), exitCode: EXIT_ENGINE}
    if (e.code === 'EEXIT' && typeof e.oclif?.exit === 'number') return {code: 'exit', message: '', exitCode: e.oclif.exit}
    const notFound = /^command (\S+) not found/i.exec(e.message)
    if (notFound?.[1].startsWith('-')) return {code: 'unknown_flag', message: `unknown flag: ${notFound[1]}`, exitCode: EXIT_ENGINE}
    if (notFound) return {code: 'unknown_command', message: e.message, exitCode: EXIT_ENGINE}
    if (typeof e.oclif?.exit === 'number') return {code: 'invalid_usage', message: e.message, exitCode: EXIT_ENGINE}
    return {code: 'internal', message: err.message, exitCode: EXIT_ENGINE}
  }
  return {code: 'internal', message: String(err), exitCode: EXIT_ENGINE}
}

function stripOclifHint(message: string): string {
  return message.replace(/\nSee more help with --help\s*$/, '')
}

/** The JSON shape of an error under --json. */
export function errorJson(report: ErrorReport): {error: {code: ErrorReport['code']; message: string}} {
  return {error: {code: report.code, message: report.message}}
}

/** Writes the report (stderr; also stdout as JSON under --json) and returns the exit status. */
export function reportError(err: unknown, json: boolean): number {
  const report = toErrorReport(err)
  if (report.code === 'exit') return report.exitCode
  // Humans read stderr in both modes; programs parse stdout under --json.
  if (!report.shown) process.stderr.write(`tsc-box: ${report.message}\n`)
  if (json) process.stdout.write(`${JSON.stringify(errorJson(report))}\n`)
  return report.exitCode
}
