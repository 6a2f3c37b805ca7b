/**
 * /etc/subuid and /etc/subgid: the id ranges a user may map into a user namespace
 * (newuidmap/newgidmap check the same files). Lines are NAME_OR_UID:START:COUNT.
 */
import * as fs from 'node:fs'

export interface IdRange {
  start: number
  count: number
}

/** The ranges of the user named `name` (or with uid `uid`), in file order; bad lines skipped. */
export function parseSubid(text: string, name: string | undefined, uid: number): IdRange[] {
  const out: IdRange[] = []
  for (const line of text.split('\n')) {
    const m = /^([^:#\s]+):(\d+):(\d+)\s*$/.exec(line)
    if (!m) continue
    if (m[1] !== name && m[1] !== String(uid)) continue
    const r = {start: Number(m[2]), count: Number(m[3])}
    if (r.count > 0 && r.start + r.count - 1 <= 0xffffffff) out.push(r)
  }
  return out
}

export function readSubid(file: '/etc/subuid' | '/etc/subgid', name: string | undefined, uid: number): IdRange[] {
  let text = ''
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch {
    return []
  }
  return parseSubid(text, name, uid)
}

/** The login name of `uid` from /etc/passwd (newuidmap matches /etc/subuid by name too). */
export function userName(uid: number): string | undefined {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':')
      if (f.length >= 3 && Number(f[2]) === uid && f[2] !== '') return f[0]
    }
  } catch {
    // no passwd: only numeric entries in /etc/subuid can match
  }
  return undefined
}
