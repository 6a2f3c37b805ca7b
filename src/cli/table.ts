/**
 * The command table (src/cli/commands.json) as the Node side reads it: which entry answers a
 * command, and its flags as the lean Flags objects (src/cli/flags.ts) that both the fast-path
 * parser (src/cli/argv.ts) and oclif (help, the manifest) take. The runtime's native front door
 * reads the same file at build time (crates/runtime/build.rs), so a flag is defined once.
 */
import table from './commands.json'
import {type AnyFlag, type FlagSet, Flags} from './flags'

/** Who answers a command: see the `$comment` of commands.json. */
export type Entry = 'native' | 'fast' | 'oclif'

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
}

export interface CommandSpec {
  entry: Entry
  /** The bundle (dist/NAME.js, scripts/build-fast.js) of a fast or native command's Node path. */
  bundle?: string
  /** Flags may follow the positionals (`rm ID -f`); otherwise they end at the first one. */
  flagsAfterArgs?: boolean
  /** Flags not yet in the table: the module that defines them. */
  flagsIn?: string
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

/** One table entry as a flag object; `parse` converts an option's value (throw CliError). */
export function flagFromSpec(spec: FlagSpec, parse?: (input: string) => Promise<unknown>): AnyFlag {
  const {type, min, max, ...opts} = spec
  if (type === 'boolean') {
    if (typeof opts.default === 'string' || typeof opts.default === 'number') throw new Error('commands.json: a boolean flag with a non-boolean default')
    return Flags.boolean({...opts, default: opts.default})
  }
  if (type === 'integer') return Flags.integer({...opts, default: opts.default as number | undefined, min, max})
  return Flags.string({...opts, default: opts.default as string | undefined, ...(parse && {parse: parse as (s: string) => Promise<string>})})
}

/**
 * A command's own flags from the table, as oclif's `static flags` takes them (root and --json
 * come from BaseCommand). `parsers` supplies conversions the table cannot hold, by flag name.
 */
export function tableFlags(id: string, parsers: Record<string, (input: string) => Promise<unknown>> = {}): FlagSet {
  const out: FlagSet = {}
  for (const [name, spec] of Object.entries(commandSpec(id).flags ?? {})) out[name] = flagFromSpec(spec, parsers[name])
  return out
}

/** What the fast paths parse: the command's flags, the global ones and a hidden --help. */
export function parserFlags(id: string, parsers?: Record<string, (input: string) => Promise<unknown>>): FlagSet {
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
 * tokens (each valued long flag with its value) and the positionals, everything after `--`
 * being a positional.
 */
export function splitFlags(argv: readonly string[], flags: FlagSet): {flagTokens: string[]; positionals: string[]} {
  const valued = valuedFlags(flags)
  const flagTokens: string[] = []
  const positionals: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i] as string
    if (tok === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (!tok.startsWith('-') || tok === '-') positionals.push(tok)
    else if (valued.has(tok) && i + 1 < argv.length) flagTokens.push(tok, argv[++i] as string)
    else flagTokens.push(tok)
  }
  return {flagTokens, positionals}
}
