/** Flags every command has: where the data lives, and machine-readable output (src/cli/commands.json). */
import type {BooleanFlag, OptionFlag} from './flags'
import {flagFromSpec, globalFlagSpecs} from './table'

function globalFlag(name: string, type: 'boolean' | 'string') {
  const spec = globalFlagSpecs[name]
  if (spec?.type !== type || spec.multiple) throw new Error(`commands.json: globalFlags.${name} must be a single ${type}`)
  return flagFromSpec(spec)
}

export const rootFlag = globalFlag('root', 'string') as OptionFlag<string, false>

/** --json as oclif's enableJsonFlag defines it, for the fast path that does not load oclif. */
export const jsonFlag = globalFlag('json', 'boolean') as BooleanFlag
