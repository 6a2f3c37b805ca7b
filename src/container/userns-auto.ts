/**
 * `--userns=auto`: each container gets its own block of host ids, taken from the ranges
 * /etc/subuid and /etc/subgid give to the user "tsc-box" (root) or to the calling user
 * (rootless). Blocks are claimed with one file per block, userns/<index>, created with O_EXCL
 * (atomic, so two parallel runs never get the same block) and holding the container id; the
 * claim lives as long as the container (removeContainer releases it). A claim whose container
 * directory is gone (a crash between claim and cleanup) is taken back after a grace period.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {CliError} from '../errors'
import type {IdRange} from '../oci/subid'
import {containerDir} from './record'

/** podman's default size for auto: enough for any distribution's system and user ids. */
export const AUTO_BLOCK = 65536
/** A claim younger than this may belong to a container whose directory is being created. */
const STALE_AFTER_MS = 60_000

export interface AutoBlock {
  uid: IdRange
  gid: IdRange
}

function claimsDir(dataRoot: string): string {
  return path.join(dataRoot, 'userns')
}

/** Every block the ranges hold, in order, each AUTO_BLOCK ids (or the whole range if smaller). */
export function blocksOf(ranges: IdRange[]): IdRange[] {
  const out: IdRange[] = []
  for (const r of ranges) {
    if (r.count < AUTO_BLOCK) {
      out.push({...r})
      continue
    }
    for (let s = r.start; s + AUTO_BLOCK <= r.start + r.count; s += AUTO_BLOCK) out.push({start: s, count: AUTO_BLOCK})
  }
  return out
}

function isStale(dataRoot: string, file: string, nowMs: number): string | undefined {
  try {
    const owner = fs.readFileSync(file, 'utf8')
    if (fs.existsSync(containerDir(dataRoot, owner))) return undefined
    if (nowMs - fs.statSync(file).mtimeMs < STALE_AFTER_MS) return undefined
    return owner
  } catch {
    return undefined
  }
}

/** Claims the first free block for container `id`; CliError when the ranges are exhausted or absent. */
export function claimAutoBlock(dataRoot: string, id: string, uids: IdRange[], gids: IdRange[], owner: string): AutoBlock {
  const ub = blocksOf(uids)
  const gb = blocksOf(gids)
  const n = Math.min(ub.length, gb.length)
  if (n === 0)
    throw new CliError('invalid_userns', `--userns=auto needs id ranges for ${owner} in /etc/subuid and /etc/subgid (e.g. "${owner}:2147483648:2147483648")`)
  const dir = claimsDir(dataRoot)
  fs.mkdirSync(dir, {recursive: true, mode: 0o700})
  for (let i = 0; i < n; i++) {
    const file = path.join(dir, String(i))
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, id, {flag: 'wx', mode: 0o600})
        return {uid: ub[i], gid: gb[i]}
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      }
      const stale = isStale(dataRoot, file, Date.now())
      if (stale === undefined) break
      // Move the stale claim aside under a name of our own, then make sure what we moved is
      // the stale claim and not one made meanwhile by another run (which we put back).
      const aside = `${file}.${id}.stale`
      try {
        fs.renameSync(file, aside)
      } catch {
        break
      }
      if (fs.readFileSync(aside, 'utf8') !== stale) {
        try {
          fs.linkSync(aside, file)
        } catch {
          // someone claimed it again already; the block stays theirs either way
        }
        fs.unlinkSync(aside)
        break
      }
      fs.unlinkSync(aside)
    }
  }
  throw new CliError('userns_exhausted', `--userns=auto: all ${n} id blocks of ${owner}'s ranges are in use`)
}

/** Releases container `id`'s block, if it has one (the store's, crates/containers). */
export {releaseAutoBlock} from './remove'
