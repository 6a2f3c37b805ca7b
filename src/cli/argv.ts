/**
 * Splits a command line into flags and positionals the way docker does: flags are parsed up
 * to the first positional (or `--`), and everything from there on belongs to the container's
 * command, untouched (`tsc-box run --rootfs R sh -c 'echo -e x'` keeps `-c` and `-e` for sh).
 * oclif's parser, even with strict=false, would try to parse flags after the command.
 */
import {CliError} from '../errors'
import type {AnyFlag, FlagSet, ParsedFlags} from './flags'

export interface ParsedArgv<S extends FlagSet> {
  flags: ParsedFlags<S>
  /** The first positional and everything after it, verbatim. */
  rest: string[]
}

interface Found {
  key: string
  flag: AnyFlag
}

function findLong(flags: FlagSet, name: string): Found | undefined {
  const flag = Object.hasOwn(flags, name) ? flags[name] : undefined
  return flag ? {key: name, flag} : undefined
}

function findShort(flags: FlagSet, char: string): Found | undefined {
  for (const [key, flag] of Object.entries(flags)) if (flag.char === char) return {key, flag}
  return undefined
}

function unknown(token: string, command: string): CliError {
  return new CliError('unknown_flag', `unknown flag: ${token}\nSee 'tsc-box ${command} --help'.`)
}

function needsValue(token: string): CliError {
  return new CliError('flag_needs_value', `flag needs an argument: ${token}`)
}

/**
 * Parses `argv` against `flags`. Unknown flags, missing values and values outside a flag's
 * `options` are CliErrors (exit 125). `command` only names the command in messages.
 */
export async function parseArgv<S extends FlagSet>(argv: readonly string[], flags: S, command: string): Promise<ParsedArgv<S>> {
  const raw = new Map<string, Array<string | boolean>>()
  const add = (key: string, v: string | boolean) => {
    const list = raw.get(key)
    if (list) list.push(v)
    else raw.set(key, [v])
  }

  let i = 0
  for (; i < argv.length; i++) {
    const tok = argv[i]
    if (tok === '--') {
      i++
      break
    }
    if (!tok.startsWith('-') || tok === '-') break

    if (tok.startsWith('--')) {
      const eq = tok.indexOf('=')
      const name = eq === -1 ? tok.slice(2) : tok.slice(2, eq)
      const found = findLong(flags, name)
      if (!found && name.startsWith('no-')) {
        const positive = findLong(flags, name.slice(3))
        if (positive?.flag.type === 'boolean' && positive.flag.allowNo && eq === -1) {
          add(positive.key, false)
          continue
        }
      }
      if (!found) throw unknown(eq === -1 ? tok : tok.slice(0, eq), command)
      if (found.flag.type === 'boolean') {
        if (eq === -1) add(found.key, true)
        else {
          const v = tok.slice(eq + 1)
          if (v !== 'true' && v !== 'false') throw new CliError('invalid_flag', `invalid value "${v}" for ${tok.slice(0, eq)}: expected true or false`)
          add(found.key, v === 'true')
        }
      } else if (eq !== -1) add(found.key, tok.slice(eq + 1))
      else {
        if (i + 1 >= argv.length) throw needsValue(tok)
        add(found.key, argv[++i])
      }
      continue
    }

    // Short flags: booleans may be grouped (-it); an option takes the rest of the token
    // (-eFOO, -e=FOO) or the next argument.
    for (let j = 1; j < tok.length; j++) {
      const found = findShort(flags, tok[j])
      if (!found) throw unknown(`-${tok[j]}`, command)
      if (found.flag.type === 'boolean') {
        add(found.key, true)
        continue
      }
      let value = tok.slice(j + 1)
      if (value.startsWith('=')) value = value.slice(1)
      else if (value === '') {
        if (i + 1 >= argv.length) throw needsValue(`-${tok[j]}`)
        value = argv[++i]
      }
      add(found.key, value)
      break
    }
  }

  const parsed: Record<string, unknown> = {}
  for (const [key, flag] of Object.entries(flags)) {
    let inputs = raw.get(key)
    if (!inputs && flag.env !== undefined && process.env[flag.env] !== undefined && process.env[flag.env] !== '') {
      const v = process.env[flag.env] as string
      inputs = [flag.type === 'boolean' ? v === 'true' || v === '1' : v]
    }
    if (flag.type === 'boolean') {
      const last = inputs?.at(-1)
      parsed[key] = typeof last === 'boolean' ? await flag.parse(last) : (flag.default ?? false)
      continue
    }
    if (!inputs) {
      parsed[key] = flag.multiple ? (flag.default ?? []) : flag.default
      continue
    }
    // pflag semantics: a repeated single-valued flag keeps its last value.
    const values = (flag.multiple ? inputs : inputs.slice(-1)) as string[]
    const out: unknown[] = []
    for (const v of values) {
      if (flag.options && !flag.options.includes(v))
        throw new CliError('invalid_flag', `invalid value "${v}" for --${key}: expected one of ${flag.options.join(', ')}`)
      out.push(await flag.parse(v))
    }
    parsed[key] = flag.multiple ? out : out[0]
  }
  return {flags: parsed as ParsedFlags<S>, rest: argv.slice(i)}
}

/**
 * Whether `--json` was given among the flags (not in the container's command), tolerating
 * argv that does not parse: used to format the error of a failed parse.
 */
export function jsonRequested(argv: readonly string[], flags: FlagSet): boolean {
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i]
    if (tok === '--' || !tok.startsWith('-') || tok === '-') return false
    if (tok === '--json' || tok === '--json=true') return true
    if (tok.startsWith('--')) {
      const f = tok.includes('=') ? undefined : findLong(flags, tok.slice(2))
      if (f?.flag.type === 'option') i++
      continue
    }
    const last = findShort(flags, tok[tok.length - 1])
    const allBooleans = [...tok.slice(1, -1)].every((c) => findShort(flags, c)?.flag.type === 'boolean')
    if (allBooleans && last?.flag.type === 'option') i++
  }
  return false
}
