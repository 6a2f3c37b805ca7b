/** `images` from Node: the Rust store lists and renders (crates/image/src/select.rs, list.rs), as the native front door does. */
import type {Paths} from '../paths'
import {call} from './native'
import {imagesRoot} from './store'

export interface ImagesFlags {
  quiet?: boolean
  'no-trunc'?: boolean
  digests?: boolean
  filter?: string[]
  format?: string
}

/** The text images prints (no final newline; null: nothing); `json`: the --json array. */
export function imagesCommand(flags: ImagesFlags, paths: Paths, json: boolean): string | null {
  const options = {
    quiet: flags.quiet === true,
    noTrunc: flags['no-trunc'] === true,
    digests: flags.digests === true,
    filters: flags.filter ?? [],
    format: flags.format,
  }
  return call((n) => n.imagesOutput(imagesRoot(paths.dataRoot), options, json)) ?? null
}
