/**
 * Flag definitions with the same shape and builder names as @oclif/core's `Flags`, without
 * loading @oclif/core. Loading @oclif/core's flags module alone costs ~20 ms (it pulls in its
 * errors, help and logger modules); `tsc-box run` parses its flags on a fast path that never
 * loads oclif, while oclif still renders help from these same objects.
 *
 * Feature modules (src/oci/resources.ts, src/oci/security.ts) should import `Flags` from here.
 */
import {CliError} from '../errors'

interface FlagBase {
  char?: string
  description?: string
  summary?: string
  helpValue?: string
  /** Environment variable that supplies the value when the flag is absent. */
  env?: string
  hidden?: boolean
  helpGroup?: string
}

export interface BooleanFlag extends FlagBase {
  type: 'boolean'
  allowNo: boolean
  default?: boolean
  parse: (input: boolean) => Promise<boolean>
}

export interface OptionFlag<T, M extends boolean = boolean> extends FlagBase {
  type: 'option'
  multiple: M
  input: string[]
  options?: readonly string[]
  default?: T
  parse: (input: string) => Promise<T>
}

export type AnyFlag = BooleanFlag | OptionFlag<unknown, boolean>
export type FlagSet = Record<string, AnyFlag>

type OptionOpts<T, M extends boolean> = FlagBase & {
  multiple?: M
  options?: readonly string[]
  default?: T
  parse?: (input: string) => Promise<T>
}

function option<T, M extends boolean = false>(parse: (input: string) => Promise<T>, opts: OptionOpts<T, M>): OptionFlag<T, M> {
  return {parse, ...opts, input: [], multiple: Boolean(opts.multiple) as M, type: 'option'}
}

/** A flag's parsed value: booleans, lists for `multiple`, and `undefined` when optional. */
export type FlagValue<F> = F extends BooleanFlag
  ? boolean
  : F extends OptionFlag<infer T, true>
    ? T[]
    : F extends OptionFlag<infer T, false>
      ? F extends {default: T}
        ? T
        : T | undefined
      : // A flag set built at run time (src/cli/table.ts): which of the above is not known.
        F extends OptionFlag<infer T, boolean>
        ? T | T[] | undefined
        : never

export type ParsedFlags<S extends FlagSet> = {[K in keyof S]: FlagValue<S[K]>}

export const Flags = {
  boolean(opts: FlagBase & {default?: boolean; allowNo?: boolean} = {}): BooleanFlag {
    return {parse: async (b: boolean) => b, ...opts, allowNo: Boolean(opts.allowNo), type: 'boolean'}
  },

  string<M extends boolean = false>(opts: OptionOpts<string, M> = {}): OptionFlag<string, M> {
    return option(opts.parse ?? (async (s: string) => s), opts)
  },

  integer<M extends boolean = false>(opts: OptionOpts<number, M> & {min?: number; max?: number} = {}): OptionFlag<number, M> {
    const parse = async (input: string): Promise<number> => {
      if (!/^-?\d+$/.test(input)) throw new CliError('invalid_flag', `expected an integer but received: ${input}`)
      const n = Number.parseInt(input, 10)
      if (opts.min !== undefined && n < opts.min) throw new CliError('invalid_flag', `expected an integer >= ${opts.min} but received: ${input}`)
      if (opts.max !== undefined && n > opts.max) throw new CliError('invalid_flag', `expected an integer <= ${opts.max} but received: ${input}`)
      return n
    }
    return option(parse, opts)
  },

  /** A flag whose value is converted by `parse` (throw CliError on bad input). */
  custom<T, M extends boolean = false>(opts: OptionOpts<T, M> & {parse: (input: string) => Promise<T>}): OptionFlag<T, M> {
    return option(opts.parse, opts)
  },
}
