/**
 * The Dockerfile as its reference defines it, parsed into instructions without substituting
 * anything (substitution happens while building, with the stage's ENV and the build args in
 * scope at that step): parser directives (`escape`; `syntax` and `check` are noted and
 * otherwise ignored), comments, line continuations with the escape character, heredocs for
 * RUN, COPY and ADD, instruction flags, and the exec (JSON) or shell form of each command.
 */
import {DockerfileError} from './errors'
import {splitWordsRaw} from './words'

export interface Heredoc {
  /** The delimiter word (COPY's and ADD's heredocs are files of this name). */
  name: string
  content: string
  /** An unquoted delimiter: the content is substituted (by docker for COPY/ADD, by the shell for RUN). */
  expand: boolean
}

export interface Flag {
  name: string
  /** undefined for a bare `--flag` (a boolean). */
  value: string | undefined
}

export interface Instruction {
  /** Upper-case: FROM, RUN... */
  keyword: string
  /** The line the instruction starts on (1-based). */
  line: number
  /** As written: continuations joined, heredoc bodies left out. */
  original: string
  flags: Flag[]
  /** What follows the keyword and flags, not substituted. */
  args: string
  /** The exec form's words, when args are a JSON array of strings. */
  json?: string[]
  heredocs: Heredoc[]
  /** ONBUILD's instruction. */
  trigger?: Instruction
}

export interface Dockerfile {
  escape: string
  /** The `syntax` directive, if any (tsc-box builds with its own frontend and says so). */
  syntax?: string
  instructions: Instruction[]
  /** What the user should know (an ignored directive, an empty continuation line). */
  warnings: string[]
}

const KNOWN = new Set([
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
])

/** The flags each instruction accepts; docker refuses any other. `closure` is tsc-box's own. */
const FLAGS: Record<string, Set<string>> = {
  FROM: new Set(['platform']),
  RUN: new Set(['mount', 'network', 'security']),
  COPY: new Set(['from', 'chown', 'chmod', 'link', 'parents', 'exclude', 'closure']),
  ADD: new Set(['chown', 'chmod', 'link', 'checksum', 'keep-git-dir', 'exclude']),
  HEALTHCHECK: new Set(['interval', 'timeout', 'start-period', 'start-interval', 'retries']),
}

/** Instructions whose arguments may be JSON (the exec form). */
const JSON_FORM = new Set(['RUN', 'CMD', 'ENTRYPOINT', 'SHELL', 'COPY', 'ADD', 'VOLUME'])

const DIRECTIVE = /^#[ \t]*([A-Za-z][A-Za-z0-9]*)[ \t]*=[ \t]*(\S(?:.*\S)?)[ \t]*$/

function readDirectives(lines: string[], warnings: string[]): {esc: string; syntax?: string; next: number} {
  const seen = new Map<string, string>()
  let i = 0
  for (; i < lines.length; i++) {
    const m = DIRECTIVE.exec(lines[i]!)
    if (!m) break
    const name = m[1]!.toLowerCase()
    if (name !== 'escape' && name !== 'syntax' && name !== 'check') break
    if (seen.has(name)) throw new DockerfileError(i + 1, `only one ${name} parser directive can be used`)
    seen.set(name, m[2]!)
  }
  const esc = seen.get('escape') ?? '\\'
  if (esc !== '\\' && esc !== '`') throw new DockerfileError(0, `invalid escape token '${esc}' does not match \` or \\`)
  const syntax = seen.get('syntax')
  if (syntax !== undefined) warnings.push(`the syntax directive (${syntax}) is ignored: tsc-box parses the Dockerfile itself`)
  if (seen.has('check')) warnings.push('the check directive is ignored')
  return {esc, syntax, next: i}
}

function continues(line: string, esc: string): string | null {
  const trimmed = line.replace(/[ \t]+$/, '')
  return trimmed.endsWith(esc) ? trimmed.slice(0, -1) : null
}

/** The heredoc markers (`<<EOF`, `<<-EOF`, `<<"EOF"`) of a RUN, COPY or ADD, outside quotes. */
function heredocMarkers(args: string, esc: string): {name: string; strip: boolean; expand: boolean}[] {
  const out: {name: string; strip: boolean; expand: boolean}[] = []
  let quote: string | null = null
  for (let i = 0; i < args.length; i++) {
    const c = args[i]!
    if (c === esc && quote !== "'") {
      i++
      continue
    }
    if (quote) {
      if (c === quote) quote = null
      continue
    }
    if (c === '"' || c === "'") {
      quote = c
      continue
    }
    if (c !== '<' || args[i + 1] !== '<') continue
    // `<<<` is a here-string, not a heredoc.
    if (args[i + 2] === '<') {
      while (args[i + 1] === '<') i++
      continue
    }
    const m = /^<<(-?)(["']?)([A-Za-z0-9_.-]+)\2/.exec(args.slice(i))
    if (!m) continue
    out.push({name: m[3]!, strip: m[1] === '-', expand: m[2] === ''})
    i += m[0].length - 1
  }
  return out
}

function parseFlags(keyword: string, rest: string, line: number): {flags: Flag[]; args: string} {
  const flags: Flag[] = []
  let s = rest
  for (;;) {
    const m = /^--([A-Za-z][A-Za-z0-9-]*)(?:=("[^"]*"|'[^']*'|\S*))?(?:\s+|$)/.exec(s)
    if (!m) break
    const name = m[1]!
    if (!FLAGS[keyword]?.has(name)) throw new DockerfileError(line, `unknown flag: ${name}`)
    let value = m[2]
    if (value !== undefined && value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0]!)) value = value.slice(1, -1)
    flags.push({name, value})
    s = s.slice(m[0].length)
  }
  return {flags, args: s}
}

function jsonForm(args: string): string[] | undefined {
  const t = args.trim()
  if (!t.startsWith('[')) return undefined
  try {
    const v: unknown = JSON.parse(t)
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v
  } catch {
    // Not JSON: the shell form, as docker treats it.
  }
  return undefined
}

/** One instruction from its joined text. */
function instruction(text: string, line: number, esc: string, heredocs: Heredoc[], original: string): Instruction {
  const m = /^(\S+)(?:\s+([\s\S]*))?$/.exec(text.trim())
  if (!m) throw new DockerfileError(line, 'empty instruction')
  const keyword = m[1]!.toUpperCase()
  const rest = (m[2] ?? '').trim()
  if (!KNOWN.has(keyword)) throw new DockerfileError(line, `unknown instruction: ${m[1]}`)
  if (keyword === 'ONBUILD') {
    if (!rest) throw new DockerfileError(line, 'ONBUILD requires at least one argument')
    const trigger = instruction(rest, line, esc, heredocs, rest)
    if (trigger.keyword === 'ONBUILD') throw new DockerfileError(line, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
    if (trigger.keyword === 'FROM' || trigger.keyword === 'MAINTAINER')
      throw new DockerfileError(line, `${trigger.keyword} isn't allowed as an ONBUILD trigger`)
    return {keyword, line, original, flags: [], args: rest, heredocs: [], trigger}
  }
  const {flags, args} = parseFlags(keyword, rest, line)
  const ins: Instruction = {keyword, line, original, flags, args, heredocs}
  if (JSON_FORM.has(keyword)) {
    const json = jsonForm(args)
    if (json) ins.json = json
  }
  if (keyword === 'HEALTHCHECK') {
    const hm = /^(CMD|NONE)\b\s*([\s\S]*)$/i.exec(args)
    if (!hm) throw new DockerfileError(line, 'HEALTHCHECK requires CMD or NONE')
    const json = jsonForm(hm[2]!)
    if (json) ins.json = json
  }
  if (keyword === 'SHELL' && !ins.json) throw new DockerfileError(line, 'SHELL requires the arguments to be in JSON form')
  return ins
}

export function parseDockerfile(text: string): Dockerfile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  const warnings: string[] = []
  const {esc, syntax, next} = readDirectives(lines, warnings)
  const instructions: Instruction[] = []
  let i = next
  while (i < lines.length) {
    const start = i
    const first = lines[i]!.replace(/^[ \t]+/, '')
    i++
    if (first === '' || first.startsWith('#')) continue
    let original = first
    let cont = continues(first, esc)
    let text = cont ?? first
    while (cont !== null && i < lines.length) {
      // Continuation lines lose their leading blanks too; the text before the escape keeps its own.
      const next = lines[i]!.replace(/^[ \t]+/, '')
      i++
      // Comment lines inside a continuation are dropped; empty ones too (docker warns).
      if (next.startsWith('#')) continue
      if (next.trim() === '') {
        warnings.push(`line ${i}: empty continuation line`)
        continue
      }
      original += `\n${next}`
      cont = continues(next, esc)
      text += cont ?? next
    }
    const kw = /^\S+/.exec(text)![0].toUpperCase()
    const heredocs: Heredoc[] = []
    if (kw === 'RUN' || kw === 'COPY' || kw === 'ADD' || (kw === 'ONBUILD' && /^ONBUILD\s+(RUN|COPY|ADD)\b/i.test(text))) {
      for (const marker of heredocMarkers(text, esc)) {
        const body: string[] = []
        let closed = false
        while (i < lines.length) {
          let l = lines[i++]!
          if (marker.strip) l = l.replace(/^\t+/, '')
          if (l === marker.name) {
            closed = true
            break
          }
          body.push(l)
        }
        if (!closed) throw new DockerfileError(start + 1, `unterminated heredoc ${marker.name}`)
        heredocs.push({name: marker.name, content: body.length ? `${body.join('\n')}\n` : '', expand: marker.expand})
      }
    }
    instructions.push(instruction(text, start + 1, esc, heredocs, original))
  }
  const firstReal = instructions.find((x) => x.keyword !== 'ARG')
  if (firstReal && firstReal.keyword !== 'FROM') throw new DockerfileError(firstReal.line, 'no build stage in current context')
  if (!instructions.some((x) => x.keyword === 'FROM')) throw new DockerfileError(0, 'the Dockerfile has no FROM instruction')
  return {escape: esc, syntax, instructions, warnings}
}

/** ENV's and LABEL's pairs, values not yet substituted: `K=V ...` or the legacy `K V`. */
export function keyValues(ins: Instruction, esc: string): {key: string; value: string}[] {
  const words = splitWordsRaw(ins.args, esc)
  if (words.length === 0) throw new DockerfileError(ins.line, `${ins.keyword} requires at least one argument`)
  if (!words[0]!.includes('=')) {
    // The legacy form: one pair, the value is the rest of the line.
    const m = /^(\S+)\s+([\s\S]*)$/.exec(ins.args.trim())
    if (!m || m[2]!.trim() === '') throw new DockerfileError(ins.line, `${ins.keyword} must have two arguments`)
    return [{key: m[1]!, value: m[2]!.trim()}]
  }
  return words.map((w) => {
    const eq = w.indexOf('=')
    if (eq < 0) throw new DockerfileError(ins.line, `Syntax error - can't find = in "${w}". Must be of the form: name=value`)
    if (eq === 0) throw new DockerfileError(ins.line, `${ins.keyword} names can not be blank`)
    return {key: w.slice(0, eq), value: w.slice(eq + 1)}
  })
}

/** ARG's declarations: `NAME` or `NAME=default`, several allowed. */
export function argDeclarations(ins: Instruction, esc: string): {name: string; value?: string}[] {
  const words = splitWordsRaw(ins.args, esc)
  if (words.length === 0) throw new DockerfileError(ins.line, 'ARG requires at least one argument')
  return words.map((w) => {
    const eq = w.indexOf('=')
    const name = eq < 0 ? w : w.slice(0, eq)
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new DockerfileError(ins.line, `invalid ARG name ${JSON.stringify(name)}`)
    return eq < 0 ? {name} : {name, value: w.slice(eq + 1)}
  })
}

/** The value of a flag (the last one given), or undefined. */
export function flag(ins: Instruction, name: string): string | undefined {
  let v: string | undefined
  for (const f of ins.flags) if (f.name === name) v = f.value ?? 'true'
  return v
}
