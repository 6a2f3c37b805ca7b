/** `images` from Node: the Rust store lists and renders (crates/image/src/list.rs), as the native front door does. */
import type {Paths} from '../paths'
import {call} from './native'
import {imagesRoot} from './store'

export interface ImagesFlags {
  quiet?: boolean
  'no-trunc'?: boolean
  digests?: boolean
}

/** The text images prints (no final newline); `json`: the --json array. */
export function imagesCommand(flags: ImagesFlags, paths: Paths, json: boolean): string {
  return call((n) => n.imageListOutput(imagesRoot(paths.dataRoot), flags.quiet === true, flags['no-trunc'] === true, flags.digests === true, json))
}
