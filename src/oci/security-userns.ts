/**
 * User namespaces. `--uidmap`/`--gidmap CONTAINER:HOST:SIZE` (podman's flags, host ids) make
 * the container's root an unprivileged id range on the host. `--userns`:
 * - host: the host's ids (root only: without root there is nothing to run as but a user
 *   namespace);
 * - auto: a block of ids of its own per container (src/container/userns-auto.ts);
 * - keep-id (rootless): the user's own uid and gid are the same inside, the rest of the
 *   container's ids come from the user's /etc/subuid and /etc/subgid ranges, and the process
 *   runs as the user unless --user says otherwise.
 * Rootless without --userns: podman's default, container root is the user, ids 1.. are the
 * user's subordinate ranges. The runtime writes the maps (newuidmap/newgidmap when rootless).
 */
import {CliError} from '../errors'
import type {IdMapping, Spec} from './spec'
import {hostUser, type IdRange} from './subid'

const MAX_ID = 0xffffffff

export type UsernsMode = 'host' | 'auto' | 'keep-id'

function invalid(message: string): CliError {
  return new CliError('invalid_userns', message)
}

export function parseIdMap(value: string, flag: string): IdMapping {
  const m = /^(\d+):(\d+):(\d+)$/.exec(value)
  if (!m) throw invalid(`invalid --${flag} ${JSON.stringify(value)}: expected CONTAINER_ID:HOST_ID:SIZE`)
  const [containerID, hostID, size] = [m[1], m[2], m[3]].map(Number)
  if (size === 0) throw invalid(`invalid --${flag} ${JSON.stringify(value)}: the size must be at least 1`)
  if (containerID + size - 1 > MAX_ID || hostID + size - 1 > MAX_ID)
    throw invalid(`invalid --${flag} ${JSON.stringify(value)}: the range goes past id ${MAX_ID}`)
  return {containerID, hostID, size}
}

/** --userns's value (run's flag table names this parser usernsMode). */
export async function parseUsernsMode(s: string): Promise<UsernsMode> {
  if (s === 'host' || s === 'auto' || s === 'keep-id') return s
  throw invalid(`--userns=${s} is not supported (supported: host, auto, keep-id; or give --uidmap/--gidmap)`)
}

/** Who runs tsc-box and the ranges it may map (read by the caller: this module stays pure). */
export interface UsernsHost {
  uid: number
  gid: number
  name?: string
  subuid: IdRange[]
  subgid: IdRange[]
  /** --userns=auto: the block claimed for this container. */
  auto?: {uid: IdRange; gid: IdRange}
  /** Whether --user was given (keep-id then leaves the process user alone). */
  userGiven?: boolean
}

/** The calling user and its ranges, as newuidmap/newgidmap will see them. */
export function currentUsernsHost(): UsernsHost {
  return hostUser()
}

export interface UsernsFlags {
  userns?: UsernsMode
  uidmap: IdMapping[]
  gidmap: IdMapping[]
}

/** `self` as id `self` inside, and the subordinate ranges filling the other ids from 0 up. */
export function keepIdMap(self: number, sub: IdRange[]): IdMapping[] {
  const out: IdMapping[] = [{containerID: self, hostID: self, size: 1}]
  let next = 0
  for (const r of sub) {
    let hostID = r.start
    let left = r.count
    while (left > 0) {
      if (next === self) next++
      const room = next < self ? self - next : MAX_ID + 1 - next
      if (room <= 0) break
      const n = Math.min(left, room)
      out.push({containerID: next, hostID, size: n})
      next += n
      hostID += n
      left -= n
    }
  }
  return out.sort((a, b) => a.containerID - b.containerID)
}

/** Rootless default: root inside is the user, 1.. are the subordinate ranges in order. */
export function rootlessMap(self: number, sub: IdRange[]): IdMapping[] {
  const out: IdMapping[] = [{containerID: 0, hostID: self, size: 1}]
  let next = 1
  for (const r of sub) {
    out.push({containerID: next, hostID: r.start, size: r.count})
    next += r.count
  }
  return out
}

function needRanges(host: UsernsHost, what: string): void {
  const who = host.name ?? String(host.uid)
  if (host.subuid.length === 0 || host.subgid.length === 0)
    throw invalid(`${what} needs id ranges for ${who} in /etc/subuid and /etc/subgid (e.g. "${who}:100000:65536" in both, added by root)`)
}

export function applyUserns(spec: Spec, f: UsernsFlags, host: UsernsHost = currentUsernsHost()): void {
  const rootless = host.uid !== 0
  const explicit = f.uidmap.length > 0 || f.gidmap.length > 0
  let uid: IdMapping[]
  let gid: IdMapping[]
  if (explicit) {
    if (f.userns !== undefined) throw invalid(`--uidmap/--gidmap give the maps themselves: they cannot be combined with --userns=${f.userns}`)
    // podman: one of the two alone applies to both.
    uid = f.uidmap.length > 0 ? f.uidmap : f.gidmap
    gid = f.gidmap.length > 0 ? f.gidmap : f.uidmap
  } else if (f.userns === 'host') {
    if (rootless) throw invalid('--userns=host needs root: without root a container runs in a user namespace (use the default, auto or keep-id)')
    return
  } else if (f.userns === 'auto') {
    if (!host.auto) throw invalid('--userns=auto: no id block was claimed')
    uid = [{containerID: 0, hostID: host.auto.uid.start, size: host.auto.uid.count}]
    gid = [{containerID: 0, hostID: host.auto.gid.start, size: host.auto.gid.count}]
  } else if (f.userns === 'keep-id') {
    if (!rootless) throw invalid('--userns=keep-id is for rootless use: as root, give --uidmap/--gidmap or --userns=auto')
    needRanges(host, '--userns=keep-id')
    uid = keepIdMap(host.uid, host.subuid)
    gid = keepIdMap(host.gid, host.subgid)
    if (!host.userGiven && spec.process) spec.process.user = {...spec.process.user, uid: host.uid, gid: host.gid, additionalGids: []}
  } else if (rootless) {
    needRanges(host, 'running without root')
    uid = rootlessMap(host.uid, host.subuid)
    gid = rootlessMap(host.gid, host.subgid)
  } else {
    return
  }
  spec.linux ??= {}
  const linux = spec.linux
  linux.namespaces ??= []
  const namespaces = linux.namespaces
  if (!namespaces.some((n) => n.type === 'user')) namespaces.push({type: 'user'})
  linux.uidMappings = uid.map((m) => ({...m}))
  linux.gidMappings = gid.map((m) => ({...m}))
}
