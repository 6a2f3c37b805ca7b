/**
 * The command table (src/cli/commands.json) as the Node side reads it: which entry answers a
 * command, and its flags as the lean Flags objects (src/cli/flags.ts) that both the fast-path
 * parser (src/cli/argv.ts) and oclif (help, the manifest) take. The runtime's native front door
 * reads the same file at build time (crates/runtime/build.rs), so a flag is defined once.
 */
import table from './commands.json'
import {type AnyFlag, type FlagSet, Flags} from './flags'

/** Who answers a command: see the `$comment` of commands.json. */
export type Entry = 'native' | 'fast'

export interface FlagSpec {
  type: 'boolean' | 'string' | 'integer'
  char?: string
  multiple?: boolean
  default?: string | number | boolean
  min?: number
  max?: number
  options?: string[]
  env?: string
  helpValue?: string
  description?: string
  hidden?: boolean
  helpGroup?: string
  allowNo?: boolean
  /** The name of the parse function (passed to tableFlags) that converts the value. */
  parse?: string
  /** A repeatable flag that takes one value per use (`--subnet X NAME` leaves NAME alone). */
  multipleNonGreedy?: boolean
}

/**
 * Typed conversions the table names by `parse`: each gets the value and the flag's name (for
 * its error message) and throws a CliError on bad input.
 */
export type Parsers = Record<string, (input: string, flag: string) => Promise<unknown>>

export interface CommandSpec {
  entry: Entry
  /** The bundle (dist/NAME.js, scripts/build-fast.js) of the command's Node path. */
  bundle: string
  /** Other names of the command (`container:ls` for `ps`), dispatched as the command itself. */
  aliases?: string[]
  /** Flags may follow the positionals (`rm ID -f`); otherwise they end at the first one. */
  flagsAfterArgs?: boolean
  /** The command takes the flags of this one (create: run's). */
  flagsOf?: string
  flags?: Record<string, FlagSpec>
}

// JSON imports type strings as `string`: the shape is checked by __test__/cli-table.test.ts.
export const commands = table.commands as unknown as Record<string, CommandSpec>
export const globalFlagSpecs = table.globalFlags as unknown as Record<string, FlagSpec>

export function commandSpec(id: string): CommandSpec {
  const spec = Object.hasOwn(commands, id) ? commands[id] : undefined
  if (!spec) throw new Error(`${id}: not in src/cli/commands.json`)
  return spec
}

/** A command's aliases, as oclif's `static aliases` takes them (help, and oclif's own lookup). */
export function tableAliases(id: string): string[] {
  return commandSpec(id).aliases ?? []
}

/** A command's own flag specs (those of its `flagsOf` command when it has one). */
export function flagSpecs(id: string): Record<string, FlagSpec> {
  const spec = commandSpec(id)
  return (spec.flagsOf === undefined ? spec.flags : commandSpec(spec.flagsOf).flags) ?? {}
}

/** One table entry as a flag object; `parse` converts an option's value (throw CliError). */
export function flagFromSpec(spec: FlagSpec, parse?: (input: string) => Promise<unknown>): AnyFlag {
  const {type, min, max, parse: _parserName, ...opts} = spec
  if (type === 'boolean') {
    if (typeof opts.default === 'string' || typeof opts.default === 'number') throw new Error('commands.json: a boolean flag with a non-boolean default')
    return Flags.boolean({...opts, default: opts.default})
  }
  if (type === 'integer') return Flags.integer({...opts, default: opts.default as number | undefined, min, max})
  return Flags.string({...opts, default: opts.default as string | undefined, ...(parse && {parse: parse as (s: string) => Promise<string>})})
}

/**
 * A command's own flags from the table, as oclif's `static flags` takes them (root and --json
 * come from BaseCommand). `parsers` supplies the conversions the table names by `parse`; a
 * name the table uses and `parsers` lacks (or the reverse) is an error, so none is forgotten.
 */
export function tableFlags(id: string, parsers: Parsers = {}): FlagSet {
  const out: FlagSet = {}
  const used = new Set<string>()
  for (const [name, spec] of Object.entries(flagSpecs(id))) {
    let parse: ((input: string) => Promise<unknown>) | undefined
    if (spec.parse !== undefined) {
      const fn = Object.hasOwn(parsers, spec.parse) ? parsers[spec.parse] : undefined
      if (!fn) throw new Error(`commands.json: ${id} --${name} names the parser ${spec.parse}, which was not passed`)
      used.add(spec.parse)
      parse = (input) => fn(input, name)
    }
    out[name] = flagFromSpec(spec, parse)
  }
  for (const name of Object.keys(parsers)) if (!used.has(name)) throw new Error(`commands.json: no flag of ${id} names the parser ${name}`)
  return out
}

/** What the fast paths parse: the command's flags, the global ones and a hidden --help. */
export function parserFlags(id: string, parsers?: Parsers): FlagSet {
  const out = tableFlags(id, parsers)
  for (const [name, spec] of Object.entries(globalFlagSpecs)) out[name] ??= flagFromSpec(spec)
  out.help ??= Flags.boolean({hidden: true})
  return out
}

/** The long flags of `flags` that take a value: the next argument when not given with `=`. */
export function valuedFlags(flags: FlagSet): Set<string> {
  return new Set(
    Object.entries(flags)
      .filter(([, f]) => f.type === 'option')
      .map(([name]) => `--${name}`),
  )
}

/**
 * For commands whose flags may follow their positionals (`rm ID -f`, `pull REF -q`): the flag
 * tokens (each valued flag with its value) and the positionals, everything after `--`
 * being a positional.
 */
export function splitFlags(argv: readonly string[], flags: FlagSet): {flagTokens: string[]; positionals: string[]} {
  const valued = valuedFlags(flags)
  const valuedChars = new Set(
    Object.values(flags)
      .filter((f) => f.type === 'option' && f.char !== undefined)
      .map((f) => f.char as string),
  )
  // `--name` of a valued flag, or a short group whose first valued flag is its last letter
  // (`-f`, `-af`): the value is the next argument (in `-fX` it is attached).
  const takesNext = (tok: string): boolean => {
    if (tok.startsWith('--')) return valued.has(tok)
    const group = [...tok.slice(1)]
    const at = group.findIndex((ch) => valuedChars.has(ch))
    return at !== -1 && at === group.length - 1
  }
  const flagTokens: string[] = []
  const positionals: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i] as string
    if (tok === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (!tok.startsWith('-') || tok === '-') positionals.push(tok)
    else if (takesNext(tok) && i + 1 < argv.length) flagTokens.push(tok, argv[++i] as string)
    else flagTokens.push(tok)
  }
  return {flagTokens, positionals}
}
