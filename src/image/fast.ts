/**
 * `pull` and `load` dispatched by bin/run.js without loading oclif, whose start (~80 ms) is an eighth of
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
const loadFlags = parserFlags('load')

/** `load [-q] [-i FILE]`: the plain forms; --help, --json and usage errors go to oclif. */
async function load(argv: readonly string[]): Promise<number | undefined> {
  let parsed: ParsedArgv<FlagSet>
  try {
    parsed = await parseArgv(argv, loadFlags, 'load')
  } catch {
    return undefined
  }
  const f = parsed.flags
  if (parsed.rest.length > 0 || f.help || f.json) return undefined
  const {loadCommand, loadReport} = await import('./load-command')
  const {dataRoot} = resolvePaths(f.root as string | undefined, currentPathEnv())
  const results = await loadCommand(dataRoot, f.input as string | undefined, !f.quiet)
  if (!f.quiet) {
    const {lines, warnings} = loadReport(results)
    for (const l of lines) process.stdout.write(`${l}\n`)
    // oclif's warning form (this.warn), as the oclif command prints it.
    for (const w of warnings) process.stderr.write(` ›   Warning: ${w}\n`)
  }
  return 0
}

export async function fastCommand(verb: string, argv: readonly string[]): Promise<number | undefined> {
  if (verb === 'load') return load(argv)
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
