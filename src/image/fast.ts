/**
 * `pull` dispatched by bin/run.js without loading oclif, whose start (~80 ms) is an eighth of
 * a whole pull of 100 MB from a nearby registry: the same pullCommand the oclif command runs,
 * with the lean flag parser. Only the plain forms are taken here; anything else (--help,
 * --json, a flag or an argument count it does not know) returns undefined and goes to oclif,
 * so that help, JSON output and usage errors stay exactly oclif's.
 */
import {type ParsedArgv, parseArgv} from '../cli/argv'
import {rootFlag} from '../cli/global-flags'
import {currentPathEnv, resolvePaths} from '../paths'
import {pullCommand, pullFlags} from './pull-command'
export {reportError} from '../cli/error-output'

const flags = {...pullFlags, root: rootFlag}
/** Long flags that take the next argument as their value. */
const VALUED = new Set(['--root', '--platform', '--tls-verify'])

/** oclif takes flags anywhere on the line (`pull REF -q`): flags and positionals apart. */
function split(argv: readonly string[]): {flagTokens: string[]; positionals: string[]} | undefined {
  const flagTokens: string[] = []
  const positionals: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i]!
    if (tok === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (!tok.startsWith('-') || tok === '-') positionals.push(tok)
    else if (VALUED.has(tok)) {
      if (i + 1 >= argv.length) return undefined
      flagTokens.push(tok, argv[++i]!)
    } else flagTokens.push(tok)
  }
  return {flagTokens, positionals}
}

export async function fastCommand(verb: string, argv: readonly string[]): Promise<number | undefined> {
  if (verb !== 'pull') return undefined
  const parts = split(argv)
  if (parts?.positionals.length !== 1) return undefined
  let parsed: ParsedArgv<typeof flags>
  try {
    parsed = await parseArgv(parts.flagTokens, flags, 'pull')
  } catch {
    return undefined
  }
  if (parsed.rest.length > 0) return undefined
  const f = parsed.flags
  const {dataRoot} = resolvePaths(f.root, currentPathEnv())
  const {line} = await pullCommand(parts.positionals[0]!, dataRoot, f, false)
  process.stdout.write(`${line}\n`)
  return 0
}

/** Never true: --json lines go to oclif. */
export function jsonRequested(): boolean {
  return false
}
