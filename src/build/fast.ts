/**
 * `build` dispatched by bin/run.js without loading oclif (~250 ms of a fully cached rebuild's
 * ~700 ms went to resolving and compiling oclif's modules): the same buildCommand the oclif
 * command runs, with the lean flag parser. Only the plain forms are taken here: --help,
 * --json and usage errors go to oclif, so that they stay exactly oclif's.
 */
import {type ParsedArgv, parseArgv} from '../cli/argv'
import type {FlagSet} from '../cli/flags'
import {parserFlags} from '../cli/table'
import {buildCommand, pullPolicyArgv} from './command'
export {reportError} from '../cli/error-output'

const flags = parserFlags('build')

/** Whether a failed build asked for --json errors: never here (--json goes to oclif). */
export function jsonRequested(_verb: string, _argv: readonly string[]): boolean {
  return false
}

export async function fastCommand(verb: string, argv: readonly string[]): Promise<number | undefined> {
  if (verb !== 'build') return undefined
  let parsed: ParsedArgv<FlagSet>
  try {
    parsed = await parseArgv(pullPolicyArgv(argv), flags, 'build')
  } catch {
    return undefined
  }
  const f = parsed.flags
  if (parsed.rest.length !== 1 || f.help || f.json) return undefined
  await buildCommand(parsed.rest[0]!, f, false)
  return 0
}
