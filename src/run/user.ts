/**
 * Resolves `-u user[:group]` against the rootfs's /etc/passwd and /etc/group, with the
 * semantics docker and runc share: names must exist, numeric ids need not; with no explicit
 * group the user's supplementary groups are the groups listing the user by name.
 */
import {CliError} from '../errors'

export interface PasswdEntry {
  name: string
  uid: number
  gid: number
  home: string
}

export interface GroupEntry {
  name: string
  gid: number
  members: string[]
}

export interface ResolvedUser {
  uid: number
  gid: number
  additionalGids: number[]
  home: string
}

const MAX_ID = 2 ** 31 - 1

function parseId(s: string): number | undefined {
  if (!/^\d+$/.test(s)) return undefined
  const n = Number(s)
  return n <= MAX_ID ? n : undefined
}

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue
    const f = line.split(':')
    const uid = parseId(f[2] ?? '')
    const gid = parseId(f[3] ?? '')
    if (f.length < 4 || uid === undefined || gid === undefined) continue // malformed lines match nobody
    out.push({name: f[0], uid, gid, home: f[5] || '/'})
  }
  return out
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue
    const f = line.split(':')
    const gid = parseId(f[2] ?? '')
    if (f.length < 3 || gid === undefined) continue
    out.push({name: f[0], gid, members: (f[3] ?? '').split(',').map((m) => m.trim()).filter((m) => m !== '')})
  }
  return out
}

/** `spec` is the -u value; empty means the image default, root. */
export function resolveUser(spec: string, passwd: PasswdEntry[], groups: GroupEntry[]): ResolvedUser {
  const colon = spec.indexOf(':')
  const userPart = colon === -1 ? spec : spec.slice(0, colon)
  const groupPart = colon === -1 ? '' : spec.slice(colon + 1)
  if (colon !== -1 && groupPart === '') throw new CliError('unknown_user', `invalid user "${spec}": empty group`)

  const who = userPart === '' ? '0' : userPart
  const numericUid = parseId(who)
  if (numericUid === undefined && /^\d+$/.test(who)) throw new CliError('unknown_user', `invalid user "${spec}": uid out of range`)
  const entry = passwd.find((p) => p.name === who) ?? (numericUid === undefined ? undefined : passwd.find((p) => p.uid === numericUid))
  if (!entry && numericUid === undefined) throw new CliError('unknown_user', `unable to find user ${who}: no matching entries in passwd file`)

  const uid = entry ? entry.uid : (numericUid as number)
  let gid = entry ? entry.gid : 0
  const home = entry ? entry.home : '/'

  if (groupPart !== '') {
    const numericGid = parseId(groupPart)
    const g = groups.find((e) => e.name === groupPart) ?? (numericGid === undefined ? undefined : groups.find((e) => e.gid === numericGid))
    if (!g && numericGid === undefined) {
      if (/^\d+$/.test(groupPart)) throw new CliError('unknown_user', `invalid group "${groupPart}": gid out of range`)
      throw new CliError('unknown_user', `unable to find group ${groupPart}: no matching entries in group file`)
    }
    gid = g ? g.gid : (numericGid as number)
    return {uid, gid, additionalGids: [], home}
  }

  const additionalGids = entry ? groups.filter((g) => g.members.includes(entry.name)).map((g) => g.gid) : []
  return {uid, gid, additionalGids: [...new Set(additionalGids)], home}
}
