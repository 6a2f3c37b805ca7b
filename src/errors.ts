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

  constructor(code: string, message: string, exitCode: number = EXIT_ENGINE) {
    super(message)
    this.name = 'CliError'
    this.code = code
    this.exitCode = exitCode
  }
}

export function isCliError(e: unknown): e is CliError {
  return e instanceof CliError
}
