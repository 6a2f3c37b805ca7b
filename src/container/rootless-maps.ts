/**
 * The id maps a rootless user's helpers run with (`tsc-box-runtime remove-tree` and
 * `unpack-layer`): the same as a container gets by default, root inside = the user, 1.. =
 * the user's subordinate ranges, as runtime flags.
 */
import {currentUsernsHost, rootlessMap} from '../oci/security-userns'

export function rootlessMapArgs(): string[] {
  const host = currentUsernsHost()
  const maps = (flag: string, m: ReturnType<typeof rootlessMap>) => m.flatMap((x) => [flag, `${x.containerID}:${x.hostID}:${x.size}`])
  return [...maps('--uidmap', rootlessMap(host.uid, host.subuid)), ...maps('--gidmap', rootlessMap(host.gid, host.subgid))]
}

/** Whether the user has subordinate ranges at all (without them no id but its own exists). */
export function hasSubordinateRanges(): boolean {
  const host = currentUsernsHost()
  return host.subuid.length > 0 && host.subgid.length > 0
}
