/**
 * Docker's word processing for the instructions it substitutes in (ADD, COPY, ENV, EXPOSE,
 * FROM, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR, ARG defaults, ONBUILD's, and the flags of
 * those): `$V` and `${V}` with the modifiers `${V:-w}`, `${V-w}`, `${V:+w}`, `${V+w}`,
 * `${V:?msg}`, `${V?msg}`; single quotes keep everything literal, double quotes keep spaces
 * and let variables through; the escape character (`\` or the `escape` directive's) makes the
 * next character literal. RUN, CMD, ENTRYPOINT, SHELL and HEALTHCHECK are never substituted:
 * their shell does it (or nobody, in exec form), as docker does.
 */
import {DockerfileError} from './errors'

/** Variables visible to an instruction (build args in scope, then the stage's ENV). */
export type Lookup = (name: string) => string | undefined

export interface Expanded {
  /** The words (one unless split). */
  words: string[]
  /** Every variable name the text referred to (for the cache: the build args a step uses). */
  used: Set<string>
}

const NAME_START = /[A-Za-z_]/
const NAME_CHAR = /[A-Za-z0-9_]/

class Lexer {
  private i = 0
  readonly used = new Set<string>()

  constructor(
    private readonly s: string,
    private readonly env: Lookup,
    private readonly esc: string,
    private readonly line: number,
  ) {}

  /** Splits on unquoted blanks when `split`; otherwise one word with spaces kept. */
  run(split: boolean): string[] {
    const words: string[] = []
    let cur = ''
    let inWord = false
    const s = this.s
    while (this.i < s.length) {
      const c = s[this.i]!
      if (split && (c === ' ' || c === '\t' || c === '\n' || c === '\r')) {
        if (inWord) words.push(cur)
        cur = ''
        inWord = false
        this.i++
        continue
      }
      inWord = true
      if (c === this.esc) {
        this.i++
        if (this.i < s.length) cur += s[this.i++]
        else cur += c
      } else if (c === "'") {
        cur += this.single()
      } else if (c === '"') {
        cur += this.double()
      } else if (c === '$') {
        cur += this.variable()
      } else {
        cur += c
        this.i++
      }
    }
    if (inWord) words.push(cur)
    return words
  }

  private single(): string {
    const end = this.s.indexOf("'", this.i + 1)
    if (end < 0) throw new DockerfileError(this.line, `unexpected end of statement while looking for matching single-quote`)
    const out = this.s.slice(this.i + 1, end)
    this.i = end + 1
    return out
  }

  private double(): string {
    let out = ''
    this.i++
    const s = this.s
    while (this.i < s.length) {
      const c = s[this.i]!
      if (c === '"') {
        this.i++
        return out
      }
      if (c === this.esc) {
        const n = s[this.i + 1]
        // Inside double quotes only a quote, a dollar or the escape itself is escaped.
        if (n === '"' || n === '$' || n === this.esc) {
          out += n
          this.i += 2
          continue
        }
        out += c
        this.i++
        continue
      }
      if (c === '$') {
        out += this.variable()
        continue
      }
      out += c
      this.i++
    }
    throw new DockerfileError(this.line, `unexpected end of statement while looking for matching double-quote`)
  }

  private name(): string {
    const s = this.s
    let n = ''
    if (this.i < s.length && NAME_START.test(s[this.i]!)) {
      while (this.i < s.length && NAME_CHAR.test(s[this.i]!)) n += s[this.i++]
    }
    return n
  }

  private lookup(name: string): string | undefined {
    this.used.add(name)
    return this.env(name)
  }

  private variable(): string {
    const s = this.s
    this.i++ // the '$'
    if (this.i >= s.length) return '$'
    if (s[this.i] !== '{') {
      const n = this.name()
      // `$` followed by no name is a literal dollar (as in docker: `$1`, `$ `, `$-`).
      if (!n) return '$'
      return this.lookup(n) ?? ''
    }
    this.i++ // the '{'
    const n = this.name()
    if (!n) throw new DockerfileError(this.line, `bad substitution: \${ must be followed by a variable name in "${this.s}"`)
    if (s[this.i] === '}') {
      this.i++
      return this.lookup(n) ?? ''
    }
    if (this.i >= s.length) throw new DockerfileError(this.line, `missing '}' in substitution "${this.s}"`)
    let op = ''
    if (s[this.i] === ':') {
      op = ':'
      this.i++
    }
    const m = s[this.i]
    if (m !== '-' && m !== '+' && m !== '?') throw new DockerfileError(this.line, `unsupported modifier (${op}${m ?? ''}) in substitution "${this.s}"`)
    op += m
    this.i++
    const word = this.modifierWord()
    const v = this.lookup(n)
    // With the colon an empty value counts as unset, without it only an unset one does.
    const set = op.startsWith(':') ? v !== undefined && v !== '' : v !== undefined
    switch (op.replace(':', '')) {
      case '-':
        return set ? v! : word
      case '+':
        return set ? word : ''
      default:
        if (!set) throw new DockerfileError(this.line, `${n}: ${word || 'is not allowed to be unset'}`)
        return v!
    }
  }

  /** The word of a modifier, up to the matching `}`, itself substituted. */
  private modifierWord(): string {
    let out = ''
    const s = this.s
    while (this.i < s.length) {
      const c = s[this.i]!
      if (c === '}') {
        this.i++
        return out
      }
      if (c === this.esc) {
        this.i++
        if (this.i < s.length) out += s[this.i++]
        continue
      }
      if (c === "'") out += this.single()
      else if (c === '"') out += this.double()
      else if (c === '$') out += this.variable()
      else {
        out += c
        this.i++
      }
    }
    throw new DockerfileError(this.line, `missing '}' in substitution "${this.s}"`)
  }
}

/** One word, quotes removed and variables substituted (WORKDIR, USER, ENV values...). */
export function expandWord(s: string, env: Lookup, esc = '\\', line = 0): {word: string; used: Set<string>} {
  const l = new Lexer(s, env, esc, line)
  return {word: l.run(false).join(''), used: l.used}
}

/** Words split on unquoted blanks, each substituted (COPY sources, EXPOSE, VOLUME...). */
export function expandWords(s: string, env: Lookup, esc = '\\', line = 0): Expanded {
  const l = new Lexer(s, env, esc, line)
  return {words: l.run(true), used: l.used}
}

/** Words split on unquoted blanks with quotes kept as written (for key=value parsing). */
export function splitWordsRaw(s: string, esc = '\\'): string[] {
  const words: string[] = []
  let cur = ''
  let quote: string | null = null
  let inWord = false
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (quote === null && /\s/.test(c)) {
      if (inWord) words.push(cur)
      cur = ''
      inWord = false
      continue
    }
    inWord = true
    if (c === esc && i + 1 < s.length && quote !== "'") {
      cur += c + s[++i]
      continue
    }
    if (quote === null && (c === '"' || c === "'")) quote = c
    else if (quote === c) quote = null
    cur += c
  }
  if (inWord) words.push(cur)
  return words
}
