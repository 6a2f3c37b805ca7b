/**
 * The SDK's one error type: a CliError (src/errors.ts) under the SDK's name, so that a program
 * catches failures by the stable `code` of the error contract (crates/errors, the ErrorCode
 * union of src/generated/error-codes.ts) and sees the exit status the command line would use.
 */
import {CliError, isCliError} from '../errors'
import {fromNative} from '../errors'
import type {ErrorCode} from '../generated/error-codes'

/**
 * A failure of tsc-box itself (not of the container's program, whose status is `exitCode` of
 * the result).
 *
 * @example
 * ```ts
 * try {
 *   await box.run('example.com/missing:1', [], {pull: 'never'})
 * } catch (e) {
 *   if (e instanceof TscBoxError && e.code === 'image_not_found') console.log('pull it first')
 *   else throw e
 * }
 * ```
 */
export class TscBoxError extends CliError {
  constructor(code: ErrorCode, message: string, exitCode?: number) {
    super(code, message, exitCode)
    this.name = 'TscBoxError'
  }
}

/** Any failure of the engine's code as a TscBoxError; a bug (a TypeError, ...) as it is. */
export function sdkError(e: unknown): unknown {
  const coded = fromNative(e)
  if (coded instanceof TscBoxError || !isCliError(coded)) return coded
  const out = new TscBoxError(coded.code, coded.message, coded.exitCode)
  if (coded.stack) out.stack = coded.stack.replace(/^CliError/, 'TscBoxError')
  return out
}

/** Runs `f`, its failures as TscBoxErrors. */
export async function coded<T>(f: () => T | Promise<T>): Promise<T> {
  try {
    return await f()
  } catch (e) {
    throw sdkError(e)
  }
}
