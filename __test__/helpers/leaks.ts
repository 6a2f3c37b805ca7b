// What a container may leave on the host: mounts, cgroup directories, runtime state, records.
// Tests take these before and after, and compare.
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** Host mount points under `dir` (the data root or a rootfs). */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => !!p && (p === dir || p.startsWith(`${dir}/`)))
}

/** Every cgroup directory on the host whose path mentions `needle` (a container id or name). */
export function cgroupsNamed(needle: string): string[] {
  const found: string[] = []
  const walk = (dir: string, depth: number) => {
    if (depth > 6) return
    let entries: string[]
    try {
      entries = readdirSync(dir)
    } catch {
      return
    }
    for (const e of entries) {
      const p = join(dir, e)
      let isDir = false
      try {
        isDir = statSync(p).isDirectory()
      } catch {
        continue
      }
      if (!isDir) continue
      if (e.includes(needle)) found.push(p)
      walk(p, depth + 1)
    }
  }
  if (existsSync('/sys/fs/cgroup')) walk('/sys/fs/cgroup', 0)
  return found
}

/** All files below dir, relative, sorted: a state snapshot to compare before/after. */
export function filesUnder(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string, rel: string) => {
    let entries: string[]
    try {
      entries = readdirSync(d)
    } catch {
      return
    }
    for (const e of entries) {
      const p = join(d, e)
      const r = rel ? `${rel}/${e}` : e
      out.push(r)
      try {
        if (statSync(p).isDirectory()) walk(p, r)
      } catch {
        /* vanished while walking */
      }
    }
  }
  walk(dir, '')
  return out.sort()
}
