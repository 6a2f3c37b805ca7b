/**
 * `inspect`, `image inspect` and `network inspect` from Node: the Rust store finds and renders
 * (crates/containers/src/inspect/), as the native front door does, so both print the same bytes.
 */
import {containers} from '../container/store'
import {CliError} from '../errors'
import type {ErrorCode} from '../generated/error-codes'
import type {Paths} from '../paths'

export type InspectKind = 'container' | 'image' | 'network' | 'volume'

/**
 * Prints what inspect prints for `refs` (docker's JSON array, `[]` when nothing was found, or
 * the template per object). Each name that found nothing is reported on stderr afterwards
 * ("Error: No such object: X") and the first is thrown as already shown: docker's status 1,
 * and under --json only the error object.
 */
export function inspectCommand(refs: string[], o: {format?: string; kind?: InspectKind; json: boolean}, paths: Paths): void {
  const r = containers(paths, (s) => s.inspect(refs, o.format, o.kind, o.json))
  if (r.output !== null && r.output !== undefined) process.stdout.write(`${r.output}\n`)
  if (r.failures.length === 0) return
  for (const f of r.failures) process.stderr.write(`Error: ${f.message}\n`)
  const first = r.failures[0]!
  throw new CliError(first.code as ErrorCode, first.message, undefined, {shown: true})
}
