/**
 * The volume store lives in Rust (crates/containers/src/volumes, `VolumeStore` in the
 * binding): this is its door for the TypeScript commands and `run`.
 */
import type {Native} from '../native'
import {store} from '../container/store'
import {requireRuntime} from '../runtime/locate'

export type VolumeStore = InstanceType<Native['VolumeStore']>
export type MountPoint = ReturnType<VolumeStore['containerMounts']>[number]
export type VolumeInfo = ReturnType<VolumeStore['get']>

/** A call on the volumes of `paths` (a data root and its run directory), failures as CliErrors. */
export function volumes<T>(paths: {dataRoot: string; runDir: string}, f: (s: VolumeStore) => T): T {
  return store((n) => f(new n.VolumeStore(paths.dataRoot, paths.runDir)))
}

/** The runtime binary, which a rootless caller needs to remove files of its subordinate ids. */
export function rootlessRuntime(): string | undefined {
  if ((process.getuid?.() ?? 0) === 0) return undefined
  return requireRuntime()
}
