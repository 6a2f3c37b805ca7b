/**
 * `pull` dispatched by bin/run.js without loading oclif, whose start (~80 ms) is an eighth of
 * a whole pull of 100 MB from a nearby registry: the same pullCommand the oclif command runs,
 * with the lean flag parser. Only the plain forms are taken here; anything else (--help,
 * --json, a flag or an argument count it does not know) returns undefined and goes to oclif,
 * so that help, JSON output and usage errors stay exactly oclif's.
 */
import {type ParsedArgv, parseArgv} from '../cli/argv'
import type {FlagSet} from '../cli/flags'
import {parserFlags, splitFlags} from '../cli/table'
import {currentPathEnv, resolvePaths} from '../paths'
import {pullCommand, type PullFlags} from './pull-command'
export {reportError} from '../cli/error-output'

const flags = parserFlags('pull')

export async function fastCommand(verb: string, argv: readonly string[]): Promise<number | undefined> {
  if (verb !== 'pull') return undefined
  // oclif takes flags anywhere on the line (`pull REF -q`).
  const parts = splitFlags(argv, flags)
  if (parts.positionals.length !== 1) return undefined
  let parsed: ParsedArgv<FlagSet>
  try {
    parsed = await parseArgv(parts.flagTokens, flags, 'pull')
  } catch {
    return undefined
  }
  if (parsed.rest.length > 0) return undefined
  const f = parsed.flags
  if (f.help || f.json) return undefined
  const {dataRoot} = resolvePaths(f.root as string | undefined, currentPathEnv())
  const {line} = await pullCommand(parts.positionals[0]!, dataRoot, f as PullFlags, false)
  process.stdout.write(`${line}\n`)
  return 0
}

/** Never true: --json lines go to oclif. */
export function jsonRequested(): boolean {
  return false
}
