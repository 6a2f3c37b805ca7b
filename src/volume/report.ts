/** How the volume commands that take several names report what failed, as docker does. */
import {CliError, type ErrorCode} from '../errors'

export interface Failure {
  code: string
  message: string
}

/**
 * Every failure on stderr when there are several; the first one decides the status (docker
 * goes on past a failed name). Throws nothing when there are none.
 */
export function failWith(failures: Failure[]): void {
  if (failures.length === 0) return
  const first = failures[0]
  if (failures.length === 1) throw new CliError(first.code as ErrorCode, first.message)
  for (const f of failures) process.stderr.write(`tsc-box: ${f.message}\n`)
  throw new CliError(first.code as ErrorCode, first.message, undefined, {shown: true})
}
