/** `wait` from Node: the store's wait (crates/containers/src/wait.rs), as the native front door does. */
import {containers} from '../container/store'
import type {Paths} from '../paths'

/** The exit status of container `id` once it has run and ended (blocks meanwhile). */
export function waitContainer(paths: Paths, id: string): number {
  return containers(paths, (s) => s.wait(id))
}
