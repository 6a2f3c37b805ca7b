/**
 * The fast door to every command but `run`: bin/run.js hands a command of the table to its
 * bundle (scripts/build-fast.js), whose dispatcher parses the command line with the lean table
 * parser (src/cli/argv.ts) by oclif's rules (flags anywhere before `--`, `args`, `strict`),
 * runs the command's action (src/cli/action.ts) and prints its --json result as oclif does.
 * Returns undefined for what only oclif answers: --help, a missing required argument (oclif's
 * message lists the arguments, wrapped to the terminal), and words after a command that takes
 * none (oclif looks them up as a longer command: `ps x` is "command ps:x not found").
 */
import {parseArgv} from './argv'
import {type Action, actionInput, isArgvAction, printResult} from './action'
import {CliError} from '../errors'
import {parserFlags, splitFlags} from './table'

export type ActionLoader = (id: string) => Promise<Action> | Action | undefined

/** The flags before `--` (oclif's jsonEnabled and help lookup read them the same way). */
function beforeDashes(argv: readonly string[]): readonly string[] {
  const dash = argv.indexOf('--')
  return dash === -1 ? argv : argv.slice(0, dash)
}

async function runAction(id: string, invokedAs: string, action: Action, argv: readonly string[]): Promise<number | undefined> {
  if (isArgvAction(action)) return action.runArgv(argv)
  if (beforeDashes(argv).includes('--help')) return undefined
  const flagSet = parserFlags(id, action.parsers)
  const {flagTokens, positionals} = splitFlags(action.rewriteArgv ? action.rewriteArgv([...argv]) : argv, flagSet)
  const {flags} = await parseArgv(flagTokens, flagSet, id)
  const names = Object.keys(action.args ?? {})
  if (action.strict !== false && names.length === 0 && positionals.length > 0) return undefined
  if (action.strict !== false && positionals.length > names.length) {
    const extra = positionals.slice(names.length)
    throw new CliError('invalid_usage', `Unexpected argument${extra.length === 1 ? '' : 's'}: ${extra.join(', ')}`)
  }
  const args: Record<string, string | undefined> = {}
  for (const [i, name] of names.entries()) {
    args[name] = positionals[i]
    if (args[name] === undefined && action.args?.[name]?.required) return undefined
  }
  const input = actionInput(invokedAs, flags as Record<string, unknown>, args, positionals)
  printResult(await action.run(input), input.json)
  return typeof process.exitCode === 'number' ? process.exitCode : 0
}

/** What a bundle exports to bin/run.js: see its main(). */
export interface Dispatcher {
  /** `invokedAs`: the name typed, an alias of `id` (`container:inspect`) or `id` itself. */
  fastCommand(id: string, argv: readonly string[], invokedAs?: string): Promise<number | undefined>
  /** Whether a failure of this command line is reported as JSON (--json among its flags). */
  jsonRequested(id: string, argv: readonly string[]): boolean
}

export function dispatcher(load: ActionLoader): Dispatcher {
  const loaded = new Map<string, Action>()
  return {
    async fastCommand(id, argv, invokedAs = id) {
      const action = await load(id)
      if (action === undefined) return undefined
      loaded.set(id, action)
      return runAction(id, invokedAs, action, argv)
    },
    jsonRequested(id, argv) {
      const action = loaded.get(id)
      if (action && isArgvAction(action)) return action.jsonRequested(argv)
      return beforeDashes(argv).includes('--json')
    },
  }
}
