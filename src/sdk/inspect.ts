/** One object's docker inspect document, as `tsc-box inspect --type KIND REF` finds and renders it (crates/containers/src/inspect/). */
import {containers} from '../container/store'
import type {ErrorCode} from '../generated/error-codes'
import type {InspectKind} from '../lifecycle/inspect'
import type {Paths} from '../paths'
import {TscBoxError} from './errors'

export function inspectOne<T>(paths: Paths, kind: InspectKind, ref: string): T {
  const r = containers(paths, (s) => s.inspect([ref], undefined, kind, true))
  const failure = r.failures[0]
  if (failure) throw new TscBoxError(failure.code as ErrorCode, failure.message)
  return (JSON.parse(r.output ?? '[]') as T[])[0] as T
}
