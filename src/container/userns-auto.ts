/**
 * `--userns=auto`: each container gets its own block of host ids, taken from the ranges
 * /etc/subuid and /etc/subgid give to the user "tsc-box" (root) or to the calling user
 * (rootless). The claims are the store's (crates/containers/src/userns.rs): one file per
 * block, created atomically, released with the container.
 */
import type {IdRange} from '../oci/subid'
import {containers} from './store'

/** podman's default block size for auto (the store's AUTO_BLOCK). */
export const AUTO_BLOCK = 65536

export interface AutoBlock {
  uid: IdRange
  gid: IdRange
}

/** Claims the first free block for container `id`; CliError when the ranges are exhausted or absent. */
export function claimAutoBlock(dataRoot: string, id: string, uids: IdRange[], gids: IdRange[], owner: string): AutoBlock {
  return containers({dataRoot, runDir: ''}, (s) => s.claimAutoBlock(id, uids, gids, owner))
}

/** Releases container `id`'s block, if it has one (the store's, crates/containers). */
export {releaseAutoBlock} from './remove'
