/**
 * Options with the command line's flag names in camelCase (`--memory-swap` is `memorySwap`),
 * typed from the command table (./generated/flags.ts, written from src/cli/commands.json by
 * `npm run gen:schema`), and turned back into the flags the command's own parser reads, so that
 * the SDK takes exactly what the command line takes, defaults and checks included.
 */
import {parseArgv} from '../cli/argv'
import type {FlagSet} from '../cli/flags'
import {flagSpecs} from '../cli/table'
import {TscBoxError} from './errors'
import type {TableFlags} from './generated/flags'

/** `memory-swap` → `memorySwap`, as a type. */
export type CamelCase<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S

/** A command's flags in camelCase (`'network:create'` and the other table ids). */
export type CommandOptions<C extends keyof TableFlags> = {[K in keyof TableFlags[C] & string as CamelCase<K>]?: TableFlags[C][K]}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

/**
 * The flag tokens of `options` for `command` (`--memory=64m`, `--env=A=1` per value). A name
 * the command does not have is refused, as the command line refuses an unknown flag.
 */
export function flagTokens(command: keyof TableFlags, options: object): string[] {
  const specs = flagSpecs(command)
  const out: string[] = []
  for (const [name, value] of Object.entries(options as Record<string, unknown>)) {
    if (value === undefined) continue
    const flag = kebab(name)
    const spec = Object.hasOwn(specs, flag) ? specs[flag] : undefined
    if (!spec || flag === 'help') throw new TscBoxError('invalid_usage', `${command.replace(':', ' ')} has no option ${name} (--${flag})`)
    const values = Array.isArray(value) ? value : [value]
    if (spec.type === 'boolean') {
      if (typeof value !== 'boolean') throw new TscBoxError('invalid_usage', `option ${name} takes true or false`)
      if (value) out.push(`--${flag}`)
      else if (spec.default === true || spec.allowNo) out.push(`--no-${flag}`)
      continue
    }
    if (values.length > 1 && !spec.multiple) throw new TscBoxError('invalid_usage', `option ${name} takes one value`)
    for (const v of values) out.push(`--${flag}=${String(v)}`)
  }
  return out
}

/**
 * `options` parsed by the command's own parser (src/cli/argv.ts) with `root`: the flags object
 * its code takes, every default and conversion applied.
 */
export async function parsedFlags<F>(command: keyof TableFlags, parser: FlagSet, options: object, root: string | undefined): Promise<F> {
  const tokens = flagTokens(command, options)
  if (root !== undefined) tokens.push(`--root=${root}`)
  const {flags} = await parseArgv(tokens, parser, command)
  return flags as F
}
