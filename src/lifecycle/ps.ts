/** `ps` from Node: the Rust store lists and renders (crates/containers/src/ps.rs), as the native front door does. */
import {containers} from '../container/store'
import type {Paths} from '../paths'

export interface PsFlags {
  all?: boolean
  quiet?: boolean
  'no-trunc'?: boolean
  filter?: string[]
  format?: string
}

/** The text ps prints (no final newline), or null for nothing; `json`: the --json array. */
export function psCommand(flags: PsFlags, paths: Paths, json: boolean): string | null {
  const options = {all: flags.all === true, quiet: flags.quiet === true, noTrunc: flags['no-trunc'] === true, filters: flags.filter ?? [], format: flags.format}
  return containers(paths, (s) => s.ps(options, json))
}
