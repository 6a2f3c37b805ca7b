/**
 * What a build shows while it runs (`build --progress auto|plain|tty`, `-q`, `--json`): every
 * form takes the builder's events and the build's outcome, so the builder never knows where
 * its progress goes.
 *
 * - `--json`: each event as one JSON object on stdout (the result follows from the command).
 * - `plain`: one line per event on stderr (`#N [stage n/total] INSTRUCTION`, `#N CACHED`,
 *   `#N output`, `#N DONE 0.3s`), then `writing image ... done`.
 * - `tty` (src/build/progress-tty.ts): docker buildx's redrawn display on stderr.
 * - `-q`: nothing but the ID on stdout; the output is shown only when the build fails, as
 *   docker does.
 *
 * `auto` is `tty` when stderr is a terminal, else `plain`. `tty` when stderr is no terminal is
 * refused before the build starts, as buildx refuses it ("failed to get console").
 */
import {CliError} from '../errors'
import type {BuildEvent, BuildResult} from './builder'
import {ttyProgress} from './progress-tty'

export interface BuildProgress {
  event(e: BuildEvent): void
  /** The build made `result`. */
  finish(result: BuildResult): void
  /** The build stopped with `error` (reported afterwards by the error output). */
  fail(error: unknown): void
}

export type ProgressMode = 'auto' | 'plain' | 'tty'

/** The display `mode` means for a build with these options; a refused `tty` throws. */
export function buildProgress(mode: ProgressMode | undefined, opts: {quiet: boolean; json: boolean}): BuildProgress {
  const terminal = Boolean(process.stderr.isTTY)
  if (mode === 'tty' && !terminal && !opts.json && !opts.quiet)
    throw new CliError('invalid_flag', '--progress tty: failed to get console: standard error is not a terminal (use --progress plain)', 1)
  if (opts.json) return jsonProgress()
  if (opts.quiet) return quietProgress()
  if (mode === 'plain' || !terminal) return plainProgress((s) => process.stderr.write(s))
  return ttyProgress(process.stderr)
}

function jsonProgress(): BuildProgress {
  return {
    event: (e) => process.stdout.write(`${JSON.stringify(e)}\n`),
    finish: () => undefined,
    fail: () => undefined,
  }
}

/** The plain lines of one event (warnings go straight to stderr, also under -q). */
function plainLine(e: BuildEvent): string | undefined {
  switch (e.event) {
    case 'step':
      return `#${e.step} [${e.stage}] ${e.instruction.replace(/\n/g, '\n    ')}\n`
    case 'cached':
      return `#${e.step} CACHED\n`
    case 'output':
      return `#${e.step} ${e.line}\n`
    case 'done':
      return `#${e.step} DONE ${e.seconds.toFixed(1)}s\n`
    case 'warning':
      return undefined
  }
}

function warn(e: BuildEvent): void {
  if (e.event === 'warning') process.stderr.write(`WARNING: ${e.message}\n`)
}

function plainProgress(write: (s: string) => void): BuildProgress {
  return {
    event(e) {
      const line = plainLine(e)
      if (line === undefined) warn(e)
      else write(line)
    },
    finish(result) {
      write(`writing image ${result.id} done\n`)
      for (const t of result.tags) write(`naming to ${t} done\n`)
    },
    fail: () => undefined,
  }
}

function quietProgress(): BuildProgress {
  const held: string[] = []
  const plain = plainProgress((s) => held.push(s))
  return {
    event: plain.event,
    finish: (result) => process.stdout.write(`${result.id}\n`),
    // -q shows the steps' output only when the build failed.
    fail: () => process.stderr.write(held.join('')),
  }
}
