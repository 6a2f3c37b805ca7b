/** `inspect` from Node: the Rust store finds and renders (crates/containers/src/inspect.rs), as the native front door does. */
import {containers} from '../container/store'
import {CliError} from '../errors'
import type {ErrorCode} from '../generated/error-codes'
import type {Paths} from '../paths'

/**
 * The text inspect prints for `refs` (no final newline). A reference that names no container
 * fails the command after the others were looked at: with several, each is reported here and
 * the first is thrown as already shown (docker's way, and the front door's).
 */
export function inspectCommand(refs: string[], format: string | undefined, paths: Paths): string {
  const r = containers(paths, (s) => s.inspect(refs, format))
  if (r.failures.length === 0) return r.output ?? ''
  if (refs.length > 1) for (const f of r.failures) process.stderr.write(`tsc-box: ${f.message}\n`)
  const first = r.failures[0]!
  const err = new CliError(first.code as ErrorCode, first.message)
  if (refs.length > 1) Object.assign(err, {shown: true})
  throw err
}
