/**
 * The build cache: for each step's key (its parent's key, the instruction after substitution,
 * the build args it uses and, for COPY/ADD, the content of what it reads), the image its
 * layers are in and the config it left. Entries live in `<data root>/builder/cache/<key>.json`;
 * the images they name are ordinary untagged images of the store (docker's intermediate
 * images), so a removed image is a miss, never a broken build. `tsc-box builder prune` drops
 * the entries and the images only they kept.
 */
import {createHash, randomBytes} from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'

export interface CacheEntry {
  /** Manifest digest of the image holding the step's layers (none: no layer yet, scratch). */
  image?: string
  // biome-ignore lint/suspicious/noExplicitAny: the image config document
  doc: Record<string, any>
}

export function stepKey(parts: string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex')
}

export function cacheDir(dataRoot: string): string {
  return path.join(dataRoot, 'builder', 'cache')
}

export class BuildCache {
  private readonly dir: string

  constructor(dataRoot: string) {
    this.dir = cacheDir(dataRoot)
  }

  get(key: string): CacheEntry | undefined {
    if (!/^[0-9a-f]{64}$/.test(key)) return undefined
    try {
      const e = JSON.parse(fs.readFileSync(path.join(this.dir, `${key}.json`), 'utf8')) as CacheEntry
      if (typeof e !== 'object' || e === null || typeof e.doc !== 'object') return undefined
      return e
    } catch {
      return undefined
    }
  }

  put(key: string, entry: CacheEntry): void {
    fs.mkdirSync(this.dir, {recursive: true, mode: 0o700})
    // Written whole or not at all: a reader never sees half an entry.
    const tmp = path.join(this.dir, `.${key}.${randomBytes(6).toString('hex')}`)
    fs.writeFileSync(tmp, JSON.stringify(entry), {mode: 0o600})
    fs.renameSync(tmp, path.join(this.dir, `${key}.json`))
  }

  /** Every entry's file and the image it names. */
  entries(): {file: string; image?: string}[] {
    let names: string[] = []
    try {
      names = fs.readdirSync(this.dir)
    } catch {
      return []
    }
    const out: {file: string; image?: string}[] = []
    for (const n of names) {
      const file = path.join(this.dir, n)
      if (!n.endsWith('.json')) {
        out.push({file})
        continue
      }
      try {
        const e = JSON.parse(fs.readFileSync(file, 'utf8')) as CacheEntry
        out.push({file, image: e.image})
      } catch {
        out.push({file})
      }
    }
    return out
  }
}
