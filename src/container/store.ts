/**
 * The CLI's container store lives in Rust (crates/containers), shared with the runtime's
 * native `exec` front door: this is its door for the TypeScript commands. The binding's
 * failures carry their code as a property and become CliErrors with that code's exit status.
 */
import {fromNative} from '../errors'
import {native, type Native} from '../native'

export function store<T>(f: (n: Native) => T): T {
  try {
    return f(native())
  } catch (e) {
    throw fromNative(e)
  }
}

export type ContainerStore = InstanceType<Native['ContainerStore']>
export type StoreClass = Native['ContainerStore']

/** A call on the store of `paths` (a data root and its run directory), failures as CliErrors. */
export function containers<T>(paths: {dataRoot: string; runDir: string}, f: (s: ContainerStore) => T): T {
  return store((n) => f(new n.ContainerStore(paths.dataRoot, paths.runDir)))
}

/** A call on the store's operations that need no data root (users, id ranges, records by directory). */
export function storeStatic<T>(f: (s: StoreClass) => T): T {
  return store((n) => f(n.ContainerStore))
}
