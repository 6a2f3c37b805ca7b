/**
 * The id maps a rootless user's helpers run with (`tsc-box-runtime remove-tree` and
 * `unpack-layer`): the same as a container gets by default, root inside = the user, 1.. =
 * the user's subordinate ranges, as runtime flags (the store's, crates/containers/src/subid.rs).
 */
import {storeStatic} from './store'

export function rootlessMapArgs(): string[] {
  return storeStatic((s) => s.helperMapArgs())
}

/** Whether the user has subordinate ranges at all (without them no id but its own exists). */
export function hasSubordinateRanges(): boolean {
  const host = storeStatic((s) => s.hostUser())
  return host.subuid.length > 0 && host.subgid.length > 0
}
