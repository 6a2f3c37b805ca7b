/**
 * /etc/subuid and /etc/subgid: the id ranges a user may map into a user namespace
 * (newuidmap/newgidmap check the same files). Read by the store (crates/containers/src/subid.rs).
 */
import {storeStatic} from '../container/store'

export interface IdRange {
  start: number
  count: number
}

/** The ranges of the user named `name` (or with uid `uid`, when not negative), in file order. */
export function readSubid(file: '/etc/subuid' | '/etc/subgid', name: string | undefined, uid: number): IdRange[] {
  return storeStatic((s) => s.subidRanges(file, name, uid >= 0 ? uid : undefined))
}

/** The calling user, its login name and its ranges, as newuidmap/newgidmap see them. */
export function hostUser(): {uid: number; gid: number; name?: string; subuid: IdRange[]; subgid: IdRange[]} {
  const u = storeStatic((s) => s.hostUser())
  return {uid: u.uid, gid: u.gid, name: u.name ?? undefined, subuid: u.subuid, subgid: u.subgid}
}
