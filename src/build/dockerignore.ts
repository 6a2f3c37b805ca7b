/**
 * .dockerignore as docker reads it: one pattern a line (blank lines and `#` comments skipped,
 * blanks around trimmed), each cleaned like a path with any leading `/` dropped; Go's
 * filepath.Match syntax (`*`, `?`, `[...]`, `\` escapes) plus `**` for any number of
 * directories; a pattern that matches a directory matches all it holds; `!` makes an
 * exception; the last pattern that matches a path decides.
 */
import {posix} from 'node:path'

interface Pattern {
  source: string
  exception: boolean
  re: RegExp
  /** Components of the pattern: a parent of a path is matched with as many. */
  depth: number
}

function compile(p: string): RegExp {
  let re = '^'
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!
    if (c === '*') {
      if (p[i + 1] === '*') {
        i++
        if (p[i + 1] === '/') {
          i++
          // `**/` is any number of directories, none included.
          re += '(?:.*/)?'
        } else {
          re += '.*'
        }
      } else {
        re += '[^/]*'
      }
    } else if (c === '?') {
      re += '[^/]'
    } else if (c === '\\' && i + 1 < p.length) {
      re += p[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
    } else if (c === '[') {
      const end = p.indexOf(']', i + 2)
      if (end < 0) {
        re += '\\['
        continue
      }
      let cls = p.slice(i + 1, end)
      if (cls.startsWith('^')) cls = `^${cls.slice(1)}`
      re += `[${cls.replace(/\\/g, '\\\\')}]`
      i = end
    } else {
      re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
    }
  }
  return new RegExp(`${re}$`, 's')
}

export class DockerIgnore {
  readonly patterns: Pattern[]

  constructor(text: string) {
    this.patterns = []
    for (const raw of text.split(/\r?\n/)) {
      let line = raw.trim()
      if (line === '' || line.startsWith('#')) continue
      let exception = false
      if (line.startsWith('!')) {
        exception = true
        line = line.slice(1).trim()
      }
      let cleaned = posix.normalize(line)
      cleaned = cleaned.replace(/^(\.\/)+/, '').replace(/^\/+/, '')
      if (cleaned.endsWith('/') && cleaned.length > 1) cleaned = cleaned.slice(0, -1)
      if (cleaned === '' || cleaned === '.') continue
      this.patterns.push({source: cleaned, exception, re: compile(cleaned), depth: cleaned.split('/').length})
    }
  }

  get hasExceptions(): boolean {
    return this.patterns.some((p) => p.exception)
  }

  private static matches(p: Pattern, path: string): boolean {
    if (p.re.test(path)) return true
    // A pattern naming a directory excludes all it holds: match the path's parents too.
    const parts = path.split('/')
    for (let n = parts.length - 1; n >= 1; n--) {
      if (p.re.test(parts.slice(0, n).join('/'))) return true
    }
    return false
  }

  /** Whether `path` (relative to the context, `/`-separated) is left out of the context. */
  excludes(path: string): boolean {
    let out = false
    for (const p of this.patterns) if (DockerIgnore.matches(p, path)) out = !p.exception
    return out
  }

  /** Whether an excluded directory must still be walked: an exception may let something in it through. */
  mayHoldExceptions(dir: string): boolean {
    for (const p of this.patterns) {
      if (!p.exception) continue
      // A pattern with a wildcard in its leading part could match anywhere; a literal one only below its own path.
      if (/[*?[\\]/.test(p.source)) return true
      if (p.source.startsWith(`${dir}/`) || p.source === dir) return true
    }
    return false
  }
}
