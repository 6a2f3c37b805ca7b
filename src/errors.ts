/**
 * The CLI's one error type. Every failure that reaches the user carries a stable `code` (for
 * `--json` consumers and tests) and the exit status docker would use. The codes and their
 * statuses are one Rust enum (crates/errors), generated into ./generated/error-codes.ts: a
 * code that is not in it does not compile.
 */
import {EXIT_STATUS, type ErrorCode, type RuntimeKind} from './generated/error-codes'

export type {ErrorCode, RuntimeKind} from './generated/error-codes'

/** docker's exit statuses for failures of the engine itself rather than of the app. */
export const EXIT_ENGINE = 125
export const EXIT_CANNOT_INVOKE = 126
export const EXIT_NOT_FOUND = 127

export class CliError extends Error {
  readonly code: ErrorCode
  readonly exitCode: number
  /** The message already reached stderr (e.g. the runtime printed it): do not repeat it. */
  readonly shown: boolean

  /** `exitCode` defaults to the code's own status; a caller gives another only to keep a status it always had. */
  // The ?? is for JavaScript callers of the package, whose codes the type does not check.
  constructor(code: ErrorCode, message: string, exitCode: number = EXIT_STATUS[code] ?? EXIT_ENGINE, opts: {shown?: boolean} = {}) {
    super(message)
    this.name = 'CliError'
    this.code = code
    this.exitCode = exitCode
    this.shown = opts.shown ?? false
  }
}

export function isErrorCode(v: unknown): v is ErrorCode {
  return typeof v === 'string' && Object.hasOwn(EXIT_STATUS, v)
}

/** The code of a runtime failure of `kind` (the `kind` of its JSON log's error line). */
export function runtimeCode(kind: RuntimeKind): ErrorCode {
  return `runtime_${kind}`
}

/**
 * Structural, not `instanceof`: the bundled fast path (dist/run-fast.js) and the tsc output
 * each have their own copy of the class.
 */
export function isCliError(e: unknown): e is CliError {
  if (e instanceof CliError) return true
  const o = e as Partial<CliError> | null
  return e instanceof Error && o?.name === 'CliError' && typeof o.code === 'string' && typeof o.exitCode === 'number'
}

/**
 * A failure thrown by the napi binding as a CliError: the binding puts the code on the JS
 * error's `code` property (crates/napi/src/errors.rs), and its status is the code's. Anything
 * else (a bug, a TypeError) is returned as is.
 */
export function fromNative(e: unknown): unknown {
  if (isCliError(e) || !(e instanceof Error)) return e
  const code = (e as Error & {code?: unknown}).code
  return isErrorCode(code) ? new CliError(code, e.message) : e
}
