/**
 * Resolves `-u user[:group]` against the rootfs's /etc/passwd and /etc/group texts, with the
 * semantics docker and runc share (crates/containers/src/user.rs, which `exec` uses too):
 * names must exist, numeric ids need not; with no explicit group the user's supplementary
 * groups are the groups listing the user by name. Failures are CliError `unknown_user`.
 */
import {storeStatic} from '../container/store'

export interface ResolvedUser {
  uid: number
  gid: number
  additionalGids: number[]
  home: string
}

/** `spec` is the -u value; empty means the image default, root. */
export function resolveUser(spec: string, passwd: string, group: string): ResolvedUser {
  const u = storeStatic((s) => s.userFrom(spec, passwd, group))
  return {uid: u.uid, gid: u.gid, additionalGids: u.additionalGids, home: u.home}
}

/**
 * `-u SPEC` as the rootfs's own /etc/passwd and /etc/group define it, read inside the root
 * (openat2 RESOLVE_IN_ROOT, no magic links): missing files allow numeric ids only, a FIFO,
 * device or directory is rootfs_bad_file. `exec -u` asks the same function.
 */
export function resolveUserInRootfs(rootfs: string, spec: string): ResolvedUser {
  const u = storeStatic((s) => s.userInRootfs(rootfs, spec))
  return {uid: u.uid, gid: u.gid, additionalGids: u.additionalGids, home: u.home}
}
