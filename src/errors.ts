/**
 * The CLI's one error type. Every failure that reaches the user carries a stable `code` (for
 * `--json` consumers and tests) and the exit status docker would use.
 */

/** docker's exit statuses for failures of the engine itself rather than of the app. */
export const EXIT_ENGINE = 125
export const EXIT_CANNOT_INVOKE = 126
export const EXIT_NOT_FOUND = 127

export class CliError extends Error {
  readonly code: string
  readonly exitCode: number
  /** The message already reached stderr (e.g. the runtime printed it): do not repeat it. */
  readonly shown: boolean

  constructor(code: string, message: string, exitCode: number = EXIT_ENGINE, opts: {shown?: boolean} = {}) {
    super(message)
    this.name = 'CliError'
    this.code = code
    this.exitCode = exitCode
    this.shown = opts.shown ?? false
  }
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
